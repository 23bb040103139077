/** Story time: seconds since the demo started, in the units of ../timings.ts (scaled by --fast). */
export interface StoryClock {
  /** Story seconds since the start. */
  now(): number;
  /** Real ms until story second `s` (0 when past). */
  msUntil(s: number): number;
}

export function storyClock(msPerSecond: number, start = Date.now()): StoryClock {
  return {
    now: () => (Date.now() - start) / msPerSecond,
    msUntil: (s) => Math.max(0, start + s * msPerSecond - Date.now()),
  };
}
