/**
 * Watches the demo unfold and ticks the checklist from what really happened: alert states and
 * run-book runs as the HTTP API reports them (through the SDK), pages the pager received, mail
 * counsel's inbox received, scale-outs the services received.
 */
import type { Center } from "../sdk/index.js";
import type { Checklist } from "./checks.js";
import { DRIFT_SLO, LATENCY_SLO, LOGIN_RUNBOOK, QUEUE_RUNBOOK, SLA_SLO } from "./config.js";
import type { LiveStatus, Narrator } from "./narrator.js";
import type { World } from "./services/index.js";
import type { StoryClock } from "./story-clock.js";

interface AlertView {
  slo: string;
  state: "ok" | "pending" | "firing";
  value: number | null;
  episode: number;
}
interface RunView {
  id: string;
  runbook: string;
  state: string;
}

const FINISHED = new Set([
  "succeeded",
  "failed",
  "timed_out",
  "cancelled",
  "interrupted",
  "rejected",
  "expired",
]);

export interface Observer {
  /** One look at the API; narrates and ticks what changed. */
  poll(): Promise<void>;
  alertState(slo: string): AlertView["state"] | null;
  status(): LiveStatus;
}

export function observe(o: {
  ops: Center;
  world: World;
  checks: Checklist;
  narrator: Narrator;
  clock: StoryClock;
  boardUrl: string;
}): Observer {
  const { ops, world, checks, narrator: n, clock } = o;
  const alerts = new Map<string, AlertView>();
  const runs = new Map<string, RunView>();
  const seen = { overSla: false, overSlo: false };
  const tick = (id: Parameters<Checklist["tick"]>[0]) => checks.tick(id, clock.now());

  world.pager.onPage((p) => {
    const sev = p.severity ? ` (${p.severity})` : "";
    if (p.status === "firing") {
      n.say(
        "alert",
        `pager: PAGE ${p.slo}${sev} · ${p.incident ?? "no incident"} · policy pack ${p.policy ?? "-"}`,
      );
      tick("page_sent");
      if (p.slo === LATENCY_SLO) tick("latency_fired");
    } else {
      n.say("ok", `pager: resolved ${p.slo}${p.incident ? ` · ${p.incident}` : ""}`);
    }
  });
  world.inbox.onMail((m) => {
    n.say("alert", `counsel inbox: "${m.subject}" → ${m.to.join(", ")}`);
    if (m.subject.startsWith("[COMPLIANCE SIREN]")) tick("counsel_email");
  });
  world.queue.onScale(() =>
    n.say(
      "step",
      `call queue: +10 agents (run-book ${QUEUE_RUNBOOK}, http step POST /scale); the queue drains`,
    ),
  );
  world.login.onScale(() =>
    n.say("step", `IRS login: cache node added (run-book ${LOGIN_RUNBOOK}, http step POST /scale)`),
  );

  const onAlert = (a: AlertView, before: AlertView | undefined) => {
    if (a.episode > 0 && a.slo === SLA_SLO) tick("sla_fired");
    if (a.episode > 0 && a.slo === DRIFT_SLO) tick("drift_detected");
    const was = before?.state ?? "ok";
    const episodeEnded = before !== undefined && a.episode > 0 && a.state !== "firing" && was === "firing";
    if (a.state === was && !episodeEnded) return;
    const figure = describeValue(a);
    if (a.state === "pending") n.say("warn", `${a.slo} pending${figure}: holding before the siren sounds`);
    else if (a.state === "firing")
      n.say("alert", `${a.slo} FIRING${figure}: incident opened, siren sounding`);
    else if (was === "firing" || episodeEnded) n.say("ok", `${a.slo} resolved${figure}`);
    else n.say("info", `${a.slo} back to ok${figure} (it did not hold long enough to fire)`);
    if (a.state !== "firing" && a.episode > 0) {
      if (a.slo === SLA_SLO) tick("sla_resolved");
      if (a.slo === LATENCY_SLO) tick("latency_resolved");
    }
  };

  const onRun = (r: RunView, before: RunView | undefined) => {
    if (!before) n.say("step", `run-book ${r.runbook} started (run ${r.id})`);
    if (before?.state === r.state) return;
    if (FINISHED.has(r.state)) {
      n.say(r.state === "succeeded" ? "ok" : "fail", `run-book ${r.runbook} ${r.state} (run ${r.id})`);
      if (r.state === "succeeded" && r.runbook === QUEUE_RUNBOOK && world.queue.scaledAt !== null)
        tick("queue_runbook");
      if (r.state === "succeeded" && r.runbook === LOGIN_RUNBOOK && world.login.cacheNodes > 1)
        tick("login_runbook");
    }
  };

  const watchServices = () => {
    const wait = world.queue.waitSeconds();
    if (!seen.overSla && Math.round(wait) > 60) {
      seen.overSla = true;
      n.say("warn", `OSERS call queue: average wait ${wait.toFixed(0)} s, over the 60 s legal SLA`);
    }
    const latency = world.login.latencyMs();
    if (!seen.overSlo && Math.round(latency) > 250) {
      seen.overSlo = true;
      n.say("warn", `IRS login: answering in ${latency.toFixed(0)} ms, over the 250 ms SLO`);
    }
  };

  return {
    async poll() {
      watchServices();
      const [a, r] = await Promise.all([
        ops.transport.request<{ alerts: AlertView[] }>("GET", "/api/v1/alerts"),
        ops.runbooks.runs(),
      ]);
      for (const alert of a.alerts) {
        if (![SLA_SLO, LATENCY_SLO, DRIFT_SLO].includes(alert.slo)) continue;
        onAlert(alert, alerts.get(alert.slo));
        alerts.set(alert.slo, alert);
      }
      for (const run of [...r].reverse()) {
        onRun(run, runs.get(run.id));
        runs.set(run.id, run);
      }
    },
    alertState: (slo) => alerts.get(slo)?.state ?? null,
    status(): LiveStatus {
      const state = (slo: string) => alerts.get(slo)?.state ?? "ok";
      const all = [...runs.values()];
      return {
        board: o.boardUrl,
        waitSeconds: world.queue.waitSeconds(),
        slaState: state(SLA_SLO),
        latencyMs: world.login.latencyMs(),
        latencyState: state(LATENCY_SLO),
        pack: world.policy.id,
        driftState: state(DRIFT_SLO),
        pages: world.pager.pages.filter((p) => p.status === "firing").length,
        mails: world.inbox.mails.length,
        runs: `${all.filter((x) => x.state === "succeeded").length}/${all.length} succeeded`,
        done: checks.done,
        total: checks.total,
      };
    },
  };
}

function describeValue(a: AlertView): string {
  if (a.value === null) return "";
  if (a.slo === SLA_SLO) return ` (avg wait ${(a.value / 1000).toFixed(0)} s)`;
  if (a.slo === LATENCY_SLO) return ` (${a.value.toFixed(0)} ms)`;
  return "";
}
