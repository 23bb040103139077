/**
 * The demo's clock sheet. Every time is written once, in "story seconds" for the full-length
 * demo (about two minutes), and `--fast` multiplies them by `speed` so CI sees the same story in
 * a fraction of the time. Probe intervals and latencies are real milliseconds and are not scaled:
 * a latency SLO of 250 ms must be measured on real 250 ms answers.
 */
export interface Timings {
  /** Real ms per story second. */
  readonly msPerSecond: number;
  readonly fast: boolean;
  /** The sensor pushes a wait time this often (story seconds). */
  readonly sensorEvery: number;
  /** The IRS login probe's interval (real ms; also its timeout). */
  readonly probeIntervalMs: number;
  readonly evalInterval: number;
  readonly policyInterval: number;
  /** When the OSERS queue starts to back up, the IRS login to slow down, the policy pack to change and change back. */
  readonly queueSpikeAt: number;
  readonly loginSlowAt: number;
  readonly packChangeAt: number;
  readonly packRestoreAt: number;
  /** The legal SLA's averaging window and hold, the latency SLO's hold. */
  readonly slaWindow: number;
  readonly slaHold: number;
  readonly latencyHold: number;
  /** Give up on an expected event after this long (story seconds). */
  readonly deadline: number;
  /** How often the narrator asks the API how things stand (real ms). */
  readonly pollMs: number;
}

const STORY = {
  sensorEvery: 2,
  evalInterval: 1,
  policyInterval: 3,
  queueSpikeAt: 6,
  loginSlowAt: 45,
  packChangeAt: 85,
  packRestoreAt: 100,
  slaWindow: 20,
  slaHold: 15,
  latencyHold: 15,
  deadline: 240,
} as const;

export function timings(fast: boolean): Timings {
  const msPerSecond = fast ? 250 : 1000;
  return {
    ...STORY,
    msPerSecond,
    fast,
    probeIntervalMs: 1000,
    pollMs: fast ? 150 : 400,
  };
}

/** Story seconds as a duration for ops.yml, e.g. 3750ms. */
export function configDuration(t: Timings, storySeconds: number): string {
  const ms = Math.round(storySeconds * t.msPerSecond);
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
