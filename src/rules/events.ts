/**
 * What the rule engine hands to the dispatch stage. Transitions are handed over inside the same
 * store transaction that persists the new alert states, so a crash can neither lose a page nor
 * send one twice (DESIGN §5: "a restart never re-sends what was delivered and never loses what was not").
 */
import type { Severity } from "../config/index.js";
import type { Labels } from "../series/index.js";
import type { Tx } from "../store/index.js";

export type AlertEventKind = "pending" | "firing" | "resolved" | "cancelled";

export interface AlertEvent {
  /** Stable id of the alert: one SLO on one series. */
  alertId: string;
  slo: string;
  /** The SLO's probe, or null for a free-standing pushed metric. */
  probe: string | null;
  seriesKey: string;
  /** The series' labels merged with the SLO's own labels. */
  labels: Labels;
  kind: AlertEventKind;
  /** When the transition happened (epoch ms). */
  at: number;
  /** The measured figure that decided the transition (null: no data). */
  value: number | null;
  /** Unit of `value`: "ms", "%" or "". */
  unit: string;
  /** The `when` text (or the burn-rate description for objective SLOs). */
  condition: string;
  severity: Severity;
  /** Counts firing episodes of this alert; pending/firing/resolved of one episode share it. */
  episode: number;
  /** When the condition first became true in this episode (Alertmanager's startsAt). */
  activeAt: number | null;
  /** When it fired, if it did. */
  firedAt: number | null;
}

/** The next stage: dispatch (incidents, sirens, run-books). Called inside the engine's transaction. */
export interface TransitionSink {
  handle(tx: Tx, events: readonly AlertEvent[]): Promise<void>;
}

declare module "../bus/index.js" {
  interface BusTopics {
    /** Every transition, after commit (the board subscribes). */
    "alerts.transition": AlertEvent;
  }
}
