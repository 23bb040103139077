/**
 * Half-open time intervals [from, to) in epoch ms: clipping to the report's range and merging, so
 * overlapping alert episodes (or maintenance windows) are never counted twice.
 */
export interface Interval {
  from: number;
  to: number;
}

/** `iv` cut to [from, to); undefined when nothing of it is inside. */
export function clip(iv: Interval, from: number, to: number): Interval | undefined {
  const a = Math.max(iv.from, from);
  const b = Math.min(iv.to, to);
  return b > a ? { from: a, to: b } : undefined;
}

/** Sorted, non-overlapping union of `list` (touching intervals merge). */
export function merge(list: readonly Interval[]): Interval[] {
  const sorted = list.filter((iv) => iv.to > iv.from).sort((x, y) => x.from - y.from);
  const out: Interval[] = [];
  for (const iv of sorted) {
    const last = out[out.length - 1];
    if (last && iv.from <= last.to) last.to = Math.max(last.to, iv.to);
    else out.push({ from: iv.from, to: iv.to });
  }
  return out;
}

export function totalLength(list: readonly Interval[]): number {
  let sum = 0;
  for (const iv of list) sum += iv.to - iv.from;
  return sum;
}

/** Milliseconds of `merged` (sorted, disjoint) inside [from, to). */
export function overlapLength(merged: readonly Interval[], from: number, to: number): number {
  let sum = 0;
  for (const iv of merged) {
    if (iv.from >= to) break;
    const c = clip(iv, from, to);
    if (c) sum += c.to - c.from;
  }
  return sum;
}
