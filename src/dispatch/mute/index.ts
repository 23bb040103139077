/**
 * Muting (DESIGN §1 "alert dispatch: maintenance windows, silences"): one `Muter` answers, for an
 * alert and a time, whether its notifications (and later its run-books) are held back, and why.
 * It never touches detection: a muted alert still fires and shows in the API.
 *
 *   createMuter({ maintenance, silences, inhibition })   combines the sources below, in that order
 *   maintenanceSource(() => windows)   ops.yml `maintenance:` windows (one-off or cron + duration)
 *   silenceSource(() => silences)      ad-hoc silences (src/silences keeps them)
 *   inhibitionSource(opts)             a probe's `ok` SLO firing mutes that probe's latency SLOs
 *   windowState(window, now)           pure: is a window active, and when does that change
 *   muteMigrations                     the held-back firings (module "mute")
 */
import type { Severity } from "../../config/index.js";

/** What muting looks at: who the alert is and its labels. */
export interface MutableAlert {
  slo: string;
  probe: string | null;
  labels: Readonly<Record<string, string>>;
  severity: Severity;
}

export type MuteKind = "maintenance" | "silence" | "inhibition";

export interface MuteReason {
  kind: MuteKind;
  /** The window's name, the silence's id, or the inhibiting SLO's name. */
  name: string;
  /** When this mute ends (epoch ms), when known; an inhibition lasts as long as its cause fires. */
  until?: number;
  /** A human line for audit and timeline entries. */
  comment?: string;
}

/**
 * An alert transition seen in the same dispatch batch: the engine publishes its new states only
 * after the batch commits, so a probe's `ok` SLO firing in this very batch is known only from here.
 */
export interface BatchAlert {
  alertId: string;
  slo: string;
  probe: string | null;
  kind: string;
}

/** One source of mutes (maintenance, silences, inhibition) or all of them combined. */
export interface Muter {
  mutedBy(alert: MutableAlert, now: number, batch?: readonly BatchAlert[]): MuteReason | null;
}

export { type InhibitionOptions, inhibitionSource, type LiveAlert } from "./inhibition.js";
export { maintenanceSource, nextWindowChange, type WindowState, windowState } from "./maintenance.js";
export { matches } from "./match.js";
export { muteMigrations } from "./migrations.js";
export { createMuter, NO_MUTE } from "./muter.js";
export { type SilenceLike, silenceSource } from "./silence.js";
