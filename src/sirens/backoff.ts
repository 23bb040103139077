/** Retry timing for the outbox: capped exponential back-off with jitter. */
export interface BackoffOptions {
  /** Delay after the first failure. Default 1 s. */
  baseMs?: number;
  /** No delay exceeds this. Default 5 min. */
  capMs?: number;
  /**
   * Fraction of the delay that is random: 0.5 ("equal jitter") draws from (d/2, d], so delays
   * still grow attempt by attempt while retries from many rows spread out. Default 0.5.
   */
  jitter?: number;
}

export const DEFAULT_BACKOFF = { baseMs: 1000, capMs: 300_000, jitter: 0.5 } as const;

/** The wait after the `failures`-th failed attempt (1-based). `random` returns [0, 1). */
export function backoffDelay(
  failures: number,
  opts: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const base = opts.baseMs ?? DEFAULT_BACKOFF.baseMs;
  const cap = opts.capMs ?? DEFAULT_BACKOFF.capMs;
  const jitter = Math.min(Math.max(opts.jitter ?? DEFAULT_BACKOFF.jitter, 0), 1);
  const exp = Math.min(cap, base * 2 ** Math.min(Math.max(failures - 1, 0), 40));
  return Math.round(exp * (1 - jitter * random()));
}
