/**
 * "Policy changed N minutes before this breach": read from an incident's evidence packet, which
 * captured the last recorded change of the pack at detection time (monitor.ts `evidence()`).
 */

/** Changes older than this before the breach are not worth a mention. */
export const CHANGED_BEFORE_WITHIN_MS = 24 * 3_600_000;

export interface PolicyChangedBefore {
  /** Whole minutes from the change to the breach (0 = the same minute). */
  minutes: number;
  from: string | null;
  to: string;
}

/**
 * The last pack change before the breach of one evidence packet, when it happened at most
 * `withinMs` before the alert fired; null otherwise (no change recorded, the first pack ever
 * seen, an old change, a packet of an older shape).
 */
export function policyChangedBefore(
  packet: Record<string, unknown>,
  withinMs = CHANGED_BEFORE_WITHIN_MS,
): PolicyChangedBefore | null {
  const policy = packet.policy as {
    lastChange?: { changedAt?: unknown; from?: unknown; to?: unknown };
  } | null;
  const change = policy?.lastChange;
  const firedAt = (packet.alert as { firedAt?: unknown } | null)?.firedAt;
  if (!change || typeof change.changedAt !== "string" || typeof firedAt !== "string") return null;
  // `from` null is the first pack ever seen: a baseline, not a change.
  if (typeof change.from !== "string" || typeof change.to !== "string") return null;
  const before = Date.parse(firedAt) - Date.parse(change.changedAt);
  if (!Number.isFinite(before) || before < 0 || before > withinMs) return null;
  return { minutes: Math.floor(before / 60_000), from: change.from, to: change.to };
}
