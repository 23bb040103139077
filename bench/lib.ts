/** A benchmark figure printed beside its target. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** Human-readable target, e.g. "≤ 1.0 s" or "≥ 20000 /s". */
  target: string;
  pass: boolean;
}

export function atMost(name: string, value: number, unit: string, limit: number): BenchResult {
  return { name, value, unit, target: `≤ ${limit} ${unit}`, pass: value <= limit };
}

export function atLeast(name: string, value: number, unit: string, floor: number): BenchResult {
  return { name, value, unit, target: `≥ ${floor} ${unit}`, pass: value >= floor };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}
