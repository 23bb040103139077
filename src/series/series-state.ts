import { HotRing } from "./ring.js";
import type { Labels, SeriesInfo } from "./types.js";

/**
 * Everything the store keeps in memory for one series: identity, its hot ring, and the samples
 * not yet written to durable history (plain arrays: appended in order, swapped out whole on flush).
 */
export class SeriesState {
  readonly ring: HotRing;
  /** What callers see (frozen; the state itself stays internal). */
  readonly info: SeriesInfo;
  /** Demand generation the ring was last tuned for (see HotDemand). */
  ringGen = -1;
  /** The demanded window of this series' metric, 0 when none. */
  windowMs = 0;
  bufTs: number[] = [];
  bufValues: number[] = [];
  /** True when a buffered sample is older than the one before it (flush sorts). */
  bufUnsorted = false;
  /** Last append call that touched this series (dedupes `touched`). */
  stamp = 0;

  constructor(
    readonly id: number,
    readonly metric: string,
    readonly labels: Labels,
    readonly key: string,
    /** The chunk group: series sharing a label set are written together. */
    readonly grp: number,
    /** Declared decimal scale of the metric's precision, if any. */
    readonly scale: number | undefined,
    smallCapacity: number,
  ) {
    this.ring = new HotRing(smallCapacity);
    this.info = Object.freeze({ id, metric, labels, key });
  }
}
