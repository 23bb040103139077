/**
 * The sensor's limits (docs/bias-sensor.md). They bound memory: each (model, group) holds one
 * counter per minute of its probe's window, so the worst case per probe is
 * MAX_MODELS × MAX_GROUPS × window-minutes counters (about 28 MB for a 24h window).
 */
export { MAX_BIAS_GROUPS as MAX_GROUPS } from "../../config/schema/probes.js";

/** Models per bias probe with decisions in its window. */
export const MAX_MODELS = 50;
/** Decisions per request. */
export const MAX_BATCH = 10_000;
/** Longest model or group name. */
export const MAX_NAME = 128;
/** How far ahead of the server's clock a decision's `ts` may be (clock skew), as for samples. */
export const MAX_FUTURE_MS = 5 * 60_000;
/** Decisions are counted per minute; windows are whole minutes. */
export const BUCKET_MS = 60_000;
