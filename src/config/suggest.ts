/**
 * "did you mean" hints for typos. Optimal-string-alignment distance so a swapped pair of letters
 * (`onFial`) counts as one edit; bounded so a config with thousands of names stays fast.
 */

function distance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, prev2[j - 2]! + 1);
      cur.push(d);
      rowMin = Math.min(rowMin, d);
    }
    if (rowMin > max) return max + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length]!;
}

/** The closest candidate within a small edit distance, or undefined when nothing is close. */
export function nearest(word: string, candidates: Iterable<string>): string | undefined {
  const max = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDist = max + 1;
  for (const c of candidates) {
    if (c === word) continue;
    const d = c.toLowerCase() === lower ? 0 : distance(lower, c.toLowerCase(), Math.min(max, bestDist));
    if (d < bestDist) {
      best = c;
      bestDist = d;
      if (d === 0) break;
    }
  }
  return best;
}

/** ` (did you mean `x`?)` or nothing. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const hit = nearest(word, candidates);
  return hit === undefined ? "" : ` (did you mean \`${hit}\`?)`;
}
