/** The live policy pack, as the policy watcher last saw it. Every alert carries `id`. */
export interface PolicyState {
  /** The live pack id, or null when never fetched successfully. */
  id: string | null;
  /** sha256 of the whole document, to notice changes that keep the id. */
  digest: string | null;
  approved: string | null;
  /** `approved` is set and differs from the live id. */
  drift: boolean;
  fetchedAt: number | null;
  /** Why the last fetch failed, if it did (a source that is down is not drift). */
  error: string | null;
}

export interface PolicySource {
  current(): PolicyState;
}

/**
 * One recorded change of the live pack. The first pack ever seen is recorded with `from` null (the
 * baseline a restart compares against); every later row is a change from → to.
 */
export interface PolicyChange {
  /** 1, 2, 3… in the order recorded. */
  seq: number;
  /** Epoch ms: when HMS-OPS saw the new pack (a change made while it was down: at the next start). */
  at: number;
  from: string | null;
  to: string;
  fromDigest: string | null;
  toDigest: string;
}

/** The `policy` part of an evidence packet (additive: `id`, `approved`, `drift` came first). */
export interface PolicyEvidence {
  id: string | null;
  approved: string | null;
  drift: boolean;
  /** The last change before the packet was captured; absent when none was recorded. */
  lastChange?: { changedAt: string; from: string | null; to: string };
}

/** What the API reads (`GET /api/v1/policy`). */
export interface PolicyReader extends PolicySource {
  /** The configured `policy.source`, or null when `policy` is not configured. */
  source(): string | null;
  /** Recorded changes, newest first; `before` (a seq) pages back. */
  changes(q: { limit?: number; before?: number }): Promise<PolicyChange[]>;
}
