/** What every view gets: the board model, live events, the viewer, and the sign-in prompt. */
import type { BoardModel } from "./model.js";
import type { LiveSample, Viewer } from "./stream.js";

export type Live = (topic: string, data: unknown) => void;

export interface Ctx {
  model: BoardModel;
  viewer(): Viewer | null;
  /** Domain events from the stream (transitions, incidents, run-books, audit, ...). */
  onLive(fn: Live): () => void;
  /** Live samples of `probes` while the returned function is not called (one view at a time). */
  watchSamples(probes: string[], fn: (samples: LiveSample[]) => void): () => void;
  /** Opens the token dialog; resolves true when a token was entered. */
  signIn(why?: string): Promise<boolean>;
  navigate(path: string): void;
}

export const canOperate = (v: Viewer | null): boolean =>
  v?.scopes.some((s) => s === "operate" || s === "admin") === true;
export const canRead = (v: Viewer | null): boolean =>
  v?.scopes.some((s) => s === "read" || s === "operate" || s === "admin") === true;

/** Calls `fn` at most once per `ms` while events keep coming (views refetch on live events). */
export function throttle(fn: () => void, ms: number): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  return () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      fn();
    }, ms);
  };
}
