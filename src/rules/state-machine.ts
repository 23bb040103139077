/**
 * The alert state machine, after Prometheus' rules/alerting.go: one alert (one SLO on one series)
 * moves ok → pending → firing → ok. It is a pure function of (status, evaluation, rule, now): no
 * clock, timers or I/O, so every transition is unit-tested with plain numbers and the status can be
 * persisted as JSON and resumed after a restart with its `for` and `clear_for` timers intact.
 *
 * Stepping twice with the same input at the same time is a no-op the second time, because every
 * transition also moves the status to a state from which that input produces no transition.
 */

export type AlertState = "ok" | "pending" | "firing";

export interface AlertStatus {
  state: AlertState;
  /** When the current state began (epoch ms). */
  since: number;
  /** When the condition first became true in this episode; null while ok. */
  activeAt: number | null;
  firedAt: number | null;
  /** When a firing alert's condition turned false; resolution waits `clearFor` from here. */
  clearingSince: number | null;
  /** The value of the last evaluation that had data. */
  lastValue: number | null;
  lastEvalAt: number | null;
  /** Number of firing episodes so far; the current one while firing. */
  episode: number;
}

export interface Evaluation {
  /** null = no data in the window. */
  value: number | null;
  /** Whether the condition holds; ignored when value is null. */
  breached: boolean;
}

/** What a silent series means: keep the state as it is, resolve the alert, or treat it as a breach. */
export type NoDataPolicy = "keep" | "resolve" | "alert";

export interface RuleTiming {
  /** ms the condition must hold before firing; 0 = fire on the first true evaluation. */
  for: number;
  /** ms the condition must stay false before a firing alert resolves; 0 = resolve at once. */
  clearFor: number;
  noData: NoDataPolicy;
}

/** `resolved` is firing → ok; `cancelled` is pending → ok (the alert never fired). */
export type TransitionKind = "pending" | "firing" | "resolved" | "cancelled";

export interface Transition {
  from: AlertState;
  to: "pending" | "firing" | "ok";
  kind: TransitionKind;
  at: number;
  value: number | null;
  /**
   * The firing episode this transition belongs to. A pending or cancelled transition carries the
   * number the episode would get if it fired, so pending and firing of one episode share it.
   */
  episode: number;
}

export interface StepResult {
  status: AlertStatus;
  transitions: Transition[];
}

export function initialStatus(now: number): AlertStatus {
  return {
    state: "ok",
    since: now,
    activeAt: null,
    firedAt: null,
    clearingSince: null,
    lastValue: null,
    lastEvalAt: null,
    episode: 0,
  };
}

/** Apply one evaluation made at `now`. Never mutates `status`. */
export function step(status: AlertStatus, ev: Evaluation, rule: RuleTiming, now: number): StepResult {
  const s = withEval(status, now);
  if (ev.value === null) {
    // Under "keep", silence neither proves nor disproves the condition: pending and clearing
    // timers stay as they are and the next evaluation with data decides.
    if (rule.noData === "keep") return { status: s, transitions: [] };
    if (rule.noData === "resolve") return toOk(s, now, null);
  } else {
    s.lastValue = ev.value;
  }
  // noData "alert": a silent series counts as breached.
  const breached = ev.value === null || ev.breached;

  switch (s.state) {
    case "ok":
      if (!breached) return { status: s, transitions: [] };
      if (positive(rule.for) === 0) return toFiring({ ...s, activeAt: now }, now, ev.value);
      return {
        status: { ...s, state: "pending", since: now, activeAt: now, clearingSince: null },
        transitions: [transition(s, "pending", now, ev.value, s.episode + 1)],
      };
    case "pending": {
      if (!breached) return toOk(s, now, ev.value);
      // `>=` so that the engine's timer call at exactly nextDeadline fires.
      const activeAt = s.activeAt ?? s.since;
      if (now - activeAt >= positive(rule.for)) return toFiring({ ...s, activeAt }, now, ev.value);
      return { status: s, transitions: [] };
    }
    case "firing": {
      if (breached) return { status: { ...s, clearingSince: null }, transitions: [] };
      const clearFor = positive(rule.clearFor);
      const clearingSince = s.clearingSince ?? now;
      if (now - clearingSince >= clearFor) return toOk(s, now, ev.value);
      return { status: { ...s, clearingSince }, transitions: [] };
    }
  }
}

/**
 * When the pending `for` or the firing `clear_for` completes, so the engine can set an exact timer
 * and call `step` then with the last evaluation instead of waiting for the next tick. null = no
 * timer needed. May lie in the past (e.g. `for` shortened by a config reload): step at once then.
 */
export function nextDeadline(status: AlertStatus, rule: RuleTiming): number | null {
  if (status.state === "pending") return (status.activeAt ?? status.since) + positive(rule.for);
  if (status.state === "firing" && status.clearingSince !== null && positive(rule.clearFor) > 0) {
    return status.clearingSince + positive(rule.clearFor);
  }
  return null;
}

/**
 * A copy stamped with the evaluation time. Spelled out rather than spread: this runs for every
 * alert on every tick, and a literal of fixed shape is several times cheaper for V8 to build.
 */
function withEval(s: AlertStatus, now: number): AlertStatus {
  return {
    state: s.state,
    since: s.since,
    activeAt: s.activeAt,
    firedAt: s.firedAt,
    clearingSince: s.clearingSince,
    lastValue: s.lastValue,
    lastEvalAt: now,
    episode: s.episode,
  };
}

/** Durations from config are trusted to be ≥ 0, but a negative or NaN one must not wedge an alert. */
function positive(ms: number): number {
  return Number.isNaN(ms) ? 0 : Math.max(ms, 0);
}

function transition(
  s: AlertStatus,
  kind: TransitionKind,
  at: number,
  value: number | null,
  episode: number,
): Transition {
  const to = kind === "pending" ? "pending" : kind === "firing" ? "firing" : "ok";
  return { from: s.state, to, kind, at, value, episode };
}

function toFiring(s: AlertStatus, now: number, value: number | null): StepResult {
  const episode = s.episode + 1;
  return {
    status: { ...s, state: "firing", since: now, firedAt: now, clearingSince: null, episode },
    transitions: [transition(s, "firing", now, value, episode)],
  };
}

function toOk(s: AlertStatus, now: number, value: number | null): StepResult {
  if (s.state === "ok") return { status: s, transitions: [] };
  const t =
    s.state === "pending"
      ? transition(s, "cancelled", now, value, s.episode + 1)
      : transition(s, "resolved", now, value, s.episode);
  return {
    status: { ...s, state: "ok", since: now, activeAt: null, firedAt: null, clearingSince: null },
    transitions: [t],
  };
}
