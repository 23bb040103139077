import { describe, expect, it } from "vitest";
import { FakeClock } from "../core/clock.js";
import {
  type AlertStatus,
  type Evaluation,
  initialStatus,
  nextDeadline,
  type RuleTiming,
  step,
  type Transition,
} from "./state-machine.js";

const S = 1000;
const M = 60 * S;

const breach = (value = 300): Evaluation => ({ value, breached: true });
const clear = (value = 100): Evaluation => ({ value, breached: false });
const silent: Evaluation = { value: null, breached: false };

const rule = (o: Partial<RuleTiming> = {}): RuleTiming => ({ for: 0, clearFor: 0, noData: "keep", ...o });

/** One alert driven by a fake clock, as the engine would drive it. */
class Alert {
  status: AlertStatus;
  last: Evaluation = silent;

  constructor(
    readonly rule: RuleTiming,
    readonly clock = new FakeClock(0),
  ) {
    this.status = initialStatus(clock.now());
  }

  eval(ev: Evaluation): Transition[] {
    this.last = ev;
    const r = step(this.status, ev, this.rule, this.clock.now());
    this.status = r.status;
    return r.transitions;
  }

  /** Evaluate `ev` after `ms` has passed. */
  at(ms: number, ev: Evaluation): Transition[] {
    this.clock.advance(ms - this.clock.now());
    return this.eval(ev);
  }
}

const tr = (
  from: Transition["from"],
  to: Transition["to"],
  kind: Transition["kind"],
  at: number,
  value: number | null,
  episode = 1,
): Transition => ({ from, to, kind, at, value, episode });
const kinds = (ts: Transition[]) => ts.map((t) => `${t.from}→${t.to}:${t.kind}#${t.episode}`);

describe("without `for`", () => {
  it("a true evaluation fires at once, with only the firing transition", () => {
    const a = new Alert(rule());
    expect(a.at(10 * S, breach(300))).toEqual([tr("ok", "firing", "firing", 10 * S, 300)]);
    expect(a.status).toMatchObject({ state: "firing", since: 10 * S, activeAt: 10 * S, firedAt: 10 * S });
  });

  it("a false evaluation while ok changes nothing but the bookkeeping", () => {
    const a = new Alert(rule());
    expect(a.at(5 * S, clear(42))).toEqual([]);
    expect(a.status).toEqual({ ...initialStatus(0), lastValue: 42, lastEvalAt: 5 * S });
  });

  it("resolves at once on the first false evaluation", () => {
    const a = new Alert(rule());
    a.at(0, breach());
    expect(a.at(30 * S, clear(90))).toEqual([tr("firing", "ok", "resolved", 30 * S, 90)]);
    expect(a.status).toMatchObject({ state: "ok", since: 30 * S, activeAt: null, firedAt: null });
  });
});

describe("with `for`", () => {
  it("goes pending, then fires exactly when `for` has elapsed", () => {
    const a = new Alert(rule({ for: 3 * M }));
    expect(kinds(a.at(0, breach()))).toEqual(["ok→pending:pending#1"]);
    expect(a.status).toMatchObject({ state: "pending", since: 0, activeAt: 0 });
    expect(a.at(1 * M, breach())).toEqual([]);
    expect(a.at(3 * M - 1, breach())).toEqual([]);
    const fired = a.at(3 * M, breach(310));
    expect(fired).toEqual([tr("pending", "firing", "firing", 3 * M, 310)]);
    expect(a.status).toMatchObject({ state: "firing", since: 3 * M, activeAt: 0, firedAt: 3 * M });
  });

  it("one false evaluation while pending cancels, and `for` starts over", () => {
    const a = new Alert(rule({ for: 3 * M }));
    a.at(0, breach());
    expect(a.at(2 * M, clear(80))).toEqual([tr("pending", "ok", "cancelled", 2 * M, 80)]);
    expect(kinds(a.at(2 * M + 30 * S, breach()))).toEqual(["ok→pending:pending#1"]);
    expect(a.at(3 * M, breach())).toEqual([]);
    expect(a.at(5 * M + 30 * S - 1, breach())).toEqual([]);
    expect(kinds(a.at(5 * M + 30 * S, breach()))).toEqual(["pending→firing:firing#1"]);
  });

  it("fires at the exact deadline when the engine's timer steps with the last evaluation", () => {
    const clock = new FakeClock(1_000_000);
    const a = new Alert(rule({ for: 2 * M }), clock);
    const log: Transition[] = [];
    log.push(...a.eval(breach()));
    const deadline = nextDeadline(a.status, a.rule);
    expect(deadline).toBe(1_000_000 + 2 * M);
    clock.setTimer((deadline as number) - clock.now(), () => log.push(...a.eval(a.last)));
    clock.advance(5 * M); // no tick in between: only the timer
    expect(log.map((t) => [t.kind, t.at])).toEqual([
      ["pending", 1_000_000],
      ["firing", 1_000_000 + 2 * M],
    ]);
  });

  it("a `for` shortened by a reload while pending fires on the next step", () => {
    const a = new Alert(rule({ for: 10 * M }));
    a.at(0, breach());
    const shorter = rule({ for: 3 * M });
    expect(nextDeadline(a.status, shorter)).toBe(3 * M);
    const r = step(a.status, breach(), shorter, 4 * M);
    expect(kinds(r.transitions)).toEqual(["pending→firing:firing#1"]);
  });

  it("a negative or NaN `for` behaves as 0 instead of wedging the alert", () => {
    for (const bad of [-5, Number.NaN]) {
      expect(kinds(step(initialStatus(0), breach(), rule({ for: bad }), 0).transitions)).toEqual([
        "ok→firing:firing#1",
      ]);
    }
  });
});

describe("clear_for", () => {
  it("a flap inside clear_for does not resolve; continuous false resolves at the deadline", () => {
    const a = new Alert(rule({ clearFor: 5 * M }));
    a.at(0, breach());
    expect(a.at(1 * M, clear())).toEqual([]);
    expect(a.status).toMatchObject({ state: "firing", clearingSince: 1 * M });
    expect(nextDeadline(a.status, a.rule)).toBe(6 * M);
    expect(a.at(3 * M, breach())).toEqual([]); // flap: clearing starts over
    expect(a.status.clearingSince).toBeNull();
    expect(nextDeadline(a.status, a.rule)).toBeNull();
    expect(a.at(4 * M, clear())).toEqual([]);
    expect(a.at(6 * M, clear())).toEqual([]); // only 2 m of false since the flap
    expect(a.at(9 * M - 1, clear())).toEqual([]);
    expect(a.at(9 * M, clear(70))).toEqual([tr("firing", "ok", "resolved", 9 * M, 70)]);
    expect(a.status.clearingSince).toBeNull();
  });
});

describe("no_data", () => {
  it("keep: nothing changes in any state, and silence does not complete `for`", () => {
    const a = new Alert(rule({ for: 3 * M, noData: "keep" }));
    expect(a.at(0, silent)).toEqual([]);
    expect(a.status.state).toBe("ok");
    a.at(1 * S, breach(300));
    expect(a.at(10 * M, silent)).toEqual([]);
    expect(a.status).toMatchObject({ state: "pending", activeAt: 1 * S, lastValue: 300, lastEvalAt: 10 * M });
    a.at(11 * M, breach());
    expect(a.status.state).toBe("firing");
    expect(a.at(12 * M, silent)).toEqual([]);
    expect(a.status.state).toBe("firing");
  });

  it("resolve: firing resolves and pending cancels, with a null value", () => {
    const firing = new Alert(rule({ noData: "resolve" }));
    firing.at(0, breach());
    expect(firing.at(1 * M, silent)).toEqual([tr("firing", "ok", "resolved", 1 * M, null)]);
    expect(firing.status.lastValue).toBe(300); // the last measured value stays visible
    expect(firing.at(2 * M, silent)).toEqual([]);

    const pending = new Alert(rule({ for: 3 * M, noData: "resolve" }));
    pending.at(0, breach());
    expect(kinds(pending.at(1 * M, silent))).toEqual(["pending→ok:cancelled#1"]);
  });

  it("alert: silence counts as breached, through pending to firing, and stops clearing", () => {
    const a = new Alert(rule({ for: 2 * M, clearFor: 1 * M, noData: "alert" }));
    expect(a.at(0, silent)).toEqual([tr("ok", "pending", "pending", 0, null)]);
    expect(kinds(a.at(2 * M, silent))).toEqual(["pending→firing:firing#1"]);
    a.at(3 * M, clear());
    expect(a.status.clearingSince).toBe(3 * M);
    expect(a.at(3 * M + 30 * S, silent)).toEqual([]);
    expect(a.status.clearingSince).toBeNull();
    expect(a.status.state).toBe("firing");
  });

  it("alert without `for` fires at once on silence", () => {
    const r = step(initialStatus(0), silent, rule({ noData: "alert" }), 5);
    expect(r.transitions).toEqual([tr("ok", "firing", "firing", 5, null)]);
  });
});

describe("nextDeadline", () => {
  const timing = rule({ for: 3 * M, clearFor: 5 * M });
  const base = initialStatus(0);
  it.each<[string, AlertStatus, number | null]>([
    ["ok", base, null],
    ["pending", { ...base, state: "pending", activeAt: 10, since: 10 }, 10 + 3 * M],
    ["firing, condition true", { ...base, state: "firing", activeAt: 0, firedAt: 5 }, null],
    ["firing, clearing", { ...base, state: "firing", activeAt: 0, firedAt: 5, clearingSince: 7 }, 7 + 5 * M],
  ])("%s", (_, status, expected) => {
    expect(nextDeadline(status, timing)).toBe(expected);
  });

  it("firing without clear_for needs no timer", () => {
    const status: AlertStatus = { ...base, state: "firing", clearingSince: 7 };
    expect(nextDeadline(status, rule({ for: 3 * M }))).toBeNull();
  });
});

describe("idempotence", () => {
  // [name, rule, prior evaluations (one per second from 0), the repeated one at `at`, transitions the first time]
  type Case = [string, RuleTiming, Evaluation[], number, Evaluation, number];
  const cases: Case[] = [
    ["firing without for", rule(), [], 0, breach(), 1],
    ["going pending", rule({ for: M }), [], 0, breach(), 1],
    ["firing at the deadline", rule({ for: M }), [breach()], M, breach(), 1],
    ["cancelling", rule({ for: M }), [breach()], S, clear(), 1],
    ["resolving", rule(), [breach()], S, clear(), 1],
    ["starting to clear", rule({ clearFor: M }), [breach()], S, clear(), 0],
    ["resolving after clear_for", rule({ clearFor: M }), [breach(), clear()], S + M, clear(), 1],
    ["no data resolve", rule({ noData: "resolve" }), [breach()], S, silent, 1],
  ];

  it.each(cases)("%s: the same step twice emits nothing the second time", (_, timing, before, at, ev, n) => {
    let status = initialStatus(0);
    before.forEach((e, i) => {
      status = step(status, e, timing, i * S).status;
    });
    const first = step(status, ev, timing, at);
    expect(first.transitions).toHaveLength(n);
    expect(first.status).not.toEqual(status);
    const second = step(first.status, ev, timing, at);
    expect(second.transitions).toEqual([]);
    expect(second.status).toEqual(first.status);
  });

  it("never mutates the status it is given", () => {
    const status = Object.freeze(initialStatus(0));
    expect(() => step(status, breach(), rule(), 1)).not.toThrow();
    expect(status).toEqual(initialStatus(0));
  });
});

describe("episodes", () => {
  it("count firing episodes; a cancelled pending does not use one up", () => {
    const a = new Alert(rule({ for: M }));
    const log = [
      ...a.at(0, breach()),
      ...a.at(M, breach()),
      ...a.at(2 * M, clear()),
      ...a.at(3 * M, breach()),
      ...a.at(3 * M + S, clear()),
      ...a.at(4 * M, breach()),
      ...a.at(5 * M, breach()),
      ...a.at(6 * M, clear()),
    ];
    expect(kinds(log)).toEqual([
      "ok→pending:pending#1",
      "pending→firing:firing#1",
      "firing→ok:resolved#1",
      "ok→pending:pending#2",
      "pending→ok:cancelled#2",
      "ok→pending:pending#2",
      "pending→firing:firing#2",
      "firing→ok:resolved#2",
    ]);
    expect(a.status.episode).toBe(2);
  });
});

describe("persistence", () => {
  it("a status saved as JSON mid-pending resumes with the same `for` timer", () => {
    const timing = rule({ for: 3 * M, clearFor: M });
    const live = new Alert(timing);
    live.at(0, breach());
    live.at(1 * M, breach());

    const restored = new Alert(timing, new FakeClock(1 * M));
    restored.status = JSON.parse(JSON.stringify(live.status)) as AlertStatus;
    expect(restored.status).toEqual(live.status);

    const script: Array<[number, Evaluation]> = [
      [2 * M, breach()],
      [3 * M, breach()],
      [4 * M, clear()],
      [5 * M, clear()],
    ];
    for (const [t, ev] of script) {
      expect(restored.at(t, ev)).toEqual(live.at(t, ev));
      expect(restored.status).toEqual(live.status);
    }
    expect(live.status.state).toBe("ok");
    expect(live.status.episode).toBe(1);
  });
});
