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
