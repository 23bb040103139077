import type { ClockMember } from "./group-clock.js";
import { HotRing, type SmallSlots } from "./ring.js";
import type { Labels, SeriesInfo } from "./types.js";

/**
 * Everything the store keeps in memory for one series: identity and its hot ring (samples not yet
 * written to durable history are in one log for all series, History.log).
 */
export class SeriesState {
  readonly ring: HotRing;

  /** Demand generation the ring was last tuned for (see HotDemand). */
  ringGen = -1;
  /** The demanded window of this series' metric, 0 when none. */
  windowMs = 0;
  /** While demanded: its place on the chunk group's shared timestamps (then `ring` is unused). */
  member: ClockMember | undefined = undefined;
  /** Demanded, but its timestamps did not line up with its group's: it keeps a ring of its own. */
  detached = false;
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
    slots: SmallSlots,
  ) {
    this.ring = new HotRing(slots);
  }

  /** What callers see (a copy: the state itself stays internal; made on demand, as 80,000 kept ones cost MBs). */
  info(): SeriesInfo {
    return { id: this.id, metric: this.metric, labels: this.labels, key: this.key };
  }
}
