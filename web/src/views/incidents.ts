/**
 * Incidents: the list, and one incident with its actions (acknowledge, resolve, note), run-book
 * runs with their output and approve/reject, the timeline and the evidence packet. Actions are
 * plain buttons (keyboard-operable); the server checks the operate scope, the page only asks for
 * a token when it is refused.
 */
import { ApiError, api } from "../api.js";
import { type Ctx, canOperate, canRead, throttle } from "../context.js";
import { clear, fmtTime, h, jsonBlock } from "../dom.js";

interface Incident {
  id: string;
  slo: string;
  probe: string | null;
  severity: string;
  state: string;
  title: string;
  summary: string;
  openedAt: string;
  resolvedAt: string | null;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedBy: string | null;
  policyId: string | null;
  labels: Record<string, string>;
}
interface Detail extends Incident {
  evidence: { alertId: string; episode: number; capturedAt: string; packet: unknown }[];
  timeline: { seq: number; type: string; at: string; actor: string | null; data: Record<string, unknown> }[];
}
interface Run {
  id: string;
  runbook: string;
  state: string;
  trigger: string;
  triggeredBy: string;
  decidedBy: string | null;
  createdAt: string;
  approvalDue: string | null;
  error: string | null;
  steps?: { index?: number; kind: string; state: string; result: unknown }[];
}

const needRead = (root: HTMLElement, ctx: Ctx): boolean => {
  if (canRead(ctx.viewer())) return false;
  root.append(
    h("p", { class: "msg err" }, "Incidents need a token with read scope."),
    h("button", { type: "button", onclick: () => void ctx.signIn() }, "Sign in"),
  );
  return true;
};

const problem = (e: unknown) => (e instanceof Error ? e.message : String(e));

export function incidentsView(root: HTMLElement, ctx: Ctx): () => void {
  clear(root);
  root.append(h("h1", {}, "Incidents"));
  if (needRead(root, ctx)) return () => {};
  let state = "active";
  const table = h("div");
  const select = h(
    "select",
    {
      id: "incident-state",
      onchange: (e: Event) => {
        state = (e.target as HTMLSelectElement).value;
        void load();
      },
    },
    ...["active", "open", "acknowledged", "resolved", "all"].map((s) => h("option", { value: s }, s)),
  );
  root.append(h("div", { class: "filters" }, h("label", {}, "State", select)), table);
  async function load() {
    try {
      const q = state === "all" ? "" : `&state=${state}`;
      const { incidents } = await api<{ incidents: Incident[] }>(`/api/v1/incidents?limit=200${q}`);
      clear(table);
      if (incidents.length === 0) return table.append(h("p", { class: "muted" }, "No incidents."));
      table.append(
        h(
          "table",
          {},
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              ...["incident", "state", "severity", "SLO", "title", "opened", "acknowledged by"].map((c) =>
                h("th", {}, c),
              ),
            ),
          ),
          h(
            "tbody",
            {},
            incidents.map((i) =>
              h(
                "tr",
                {},
                h(
                  "td",
                  {},
                  h("a", { href: `/incidents/${encodeURIComponent(i.id)}`, "data-link": true }, i.id),
                ),
                h("td", {}, h("span", { class: `badge b-${i.state}` }, i.state)),
                h("td", {}, i.severity),
                h("td", {}, i.slo),
                h("td", {}, i.title),
                h("td", {}, fmtTime(i.openedAt)),
                h("td", {}, i.acknowledgedBy ?? "—"),
              ),
            ),
          ),
        ),
      );
    } catch (e) {
      clear(table);
      table.append(h("p", { class: "msg err" }, problem(e)));
    }
  }
  void load();
  const again = throttle(() => void load(), 500);
  return ctx.onLive((topic) => {
    if (topic === "incidents.changed" || topic === "alerts.transition") again();
  });
}

export function incidentView(root: HTMLElement, ctx: Ctx, id: string): () => void {
  clear(root);
  root.append(h("p", {}, h("a", { href: "/incidents", "data-link": true }, "← Incidents")));
  if (needRead(root, ctx)) return () => {};
  const msg = h("div", { role: "status", "aria-live": "polite", id: "action-msg" });
  const body = h("div");
  root.append(msg, body);
  let focusAfter: string | null = null;
  let shown: string | null = null;

  const say = (text: string, ok: boolean) => {
    clear(msg);
    msg.append(h("p", { class: `msg ${ok ? "ok" : "err"}` }, text));
  };

  async function act(label: string, path: string, payload: unknown = {}): Promise<boolean> {
    try {
      await api(path, { method: "POST", body: payload });
      say(`${label}: done.`, true);
      await load();
      return true;
    } catch (e) {
      say(`${label} refused: ${problem(e)}`, false);
      if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
        if (await ctx.signIn(`${label} needs a token with the operate scope.`))
          return act(label, path, payload);
      }
      return false;
    }
  }

  async function load(): Promise<void> {
    try {
      const [d, { runs }] = await Promise.all([
        api<Detail>(`/api/v1/incidents/${encodeURIComponent(id)}`),
        api<{ runs: Run[] }>(`/api/v1/runbook-runs?incident=${encodeURIComponent(id)}`),
      ]);
      const detailed = await Promise.all(
        runs.map((r) => api<Run>(`/api/v1/runbook-runs/${encodeURIComponent(r.id)}`)),
      );
      shown = d.slo;
      const active = document.activeElement?.id ?? focusAfter;
      clear(body);
      body.append(render(d, detailed));
      // Keyboard users keep their place across a refresh.
      if (active) document.getElementById(active)?.focus();
      focusAfter = null;
    } catch (e) {
      clear(body);
      body.append(h("p", { class: "msg err" }, problem(e)));
    }
  }

  function render(d: Detail, runs: Run[]): HTMLElement {
    const operate = canOperate(ctx.viewer()) || ctx.viewer()?.name !== "public";
    const note = h("textarea", {
      id: "note-text",
      "aria-label": "Note",
      placeholder: "Add a note to the timeline",
    });
    const actions = operate
      ? h(
          "div",
          { class: "actions" },
          h(
            "button",
            {
              type: "button",
              id: "ack",
              class: "primary",
              disabled: d.state !== "open",
              onclick: () => void act("Acknowledge", `/api/v1/incidents/${encodeURIComponent(id)}/ack`),
            },
            "Acknowledge",
          ),
          h(
            "button",
            {
              type: "button",
              id: "resolve",
              disabled: d.state === "resolved",
              onclick: () => void act("Resolve", `/api/v1/incidents/${encodeURIComponent(id)}/resolve`),
            },
            "Resolve",
          ),
          h(
            "div",
            { class: "note" },
            note,
            h(
              "button",
              {
                type: "button",
                id: "add-note",
                onclick: () => {
                  const text = note.value.trim();
                  if (!text) return say("Write the note first.", false);
                  focusAfter = "note-text";
                  void act("Note", `/api/v1/incidents/${encodeURIComponent(id)}/notes`, { text });
                },
              },
              "Add note",
            ),
          ),
        )
      : null;
    return h(
      "div",
      {},
      h("h1", {}, `${d.id}: ${d.title}`),
      h(
        "div",
        { class: "card" },
        h(
          "p",
          {},
          h("span", { class: `badge b-${d.state}`, id: "incident-state" }, d.state),
          ` · ${d.severity} · SLO ${d.slo}`,
          d.probe ? ` · probe ${d.probe}` : "",
        ),
        h("p", {}, d.summary),
        h(
          "dl",
          { class: "kv" },
          ...[
            ["opened", fmtTime(d.openedAt)],
            [
              "acknowledged",
              d.acknowledgedAt ? `${fmtTime(d.acknowledgedAt)} by ${d.acknowledgedBy ?? "?"}` : "—",
            ],
            [
              "resolved",
              d.resolvedAt ? `${fmtTime(d.resolvedAt)}${d.resolvedBy ? ` by ${d.resolvedBy}` : ""}` : "—",
            ],
            ["policy pack", d.policyId ?? "—"],
            [
              "labels",
              Object.entries(d.labels)
                .map(([k, v]) => `${k}=${v}`)
                .join(", ") || "—",
            ],
          ].flatMap(([k, v]) => [h("dt", {}, k ?? ""), h("dd", {}, v ?? "")]),
        ),
        actions,
      ),
      h("h2", {}, "Run-book runs"),
      runs.length === 0
        ? h("p", { class: "muted" }, "None.")
        : h(
            "div",
            {},
            runs.map((r) => runCard(r, operate)),
          ),
      h("h2", {}, "Timeline"),
      h(
        "table",
        { id: "timeline" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", {}, "#"),
            h("th", {}, "when"),
            h("th", {}, "what"),
            h("th", {}, "who"),
            h("th", {}, "details"),
          ),
        ),
        h(
          "tbody",
          {},
          d.timeline.map((e) =>
            h(
              "tr",
              { "data-type": e.type },
              h("td", {}, String(e.seq)),
              h("td", {}, fmtTime(e.at)),
              h("td", {}, e.type),
              h("td", {}, e.actor ?? "hms-ops"),
              h("td", {}, Object.keys(e.data ?? {}).length ? JSON.stringify(e.data) : ""),
            ),
          ),
        ),
      ),
      h("h2", {}, "Evidence"),
      d.evidence.length === 0
        ? h("p", { class: "muted" }, "No evidence packet.")
        : h(
            "div",
            {},
            d.evidence.map((e) =>
              h(
                "details",
                { class: "card" },
                h("summary", {}, `episode ${e.episode} · captured ${fmtTime(e.capturedAt)}`),
                jsonBlock(e.packet),
              ),
            ),
          ),
    );
  }

  function runCard(r: Run, operate: boolean): HTMLElement {
    const waiting = r.state === "waiting_approval";
    return h(
      "div",
      { class: "card", "data-run": r.id },
      h(
        "p",
        {},
        h("strong", {}, r.runbook),
        " ",
        h("span", { class: `badge b-${r.state}` }, r.state),
        ` · ${r.trigger} by ${r.triggeredBy} · ${fmtTime(r.createdAt)}`,
        r.decidedBy ? ` · decided by ${r.decidedBy}` : "",
      ),
      waiting && r.approvalDue ? h("p", {}, `Waiting for approval until ${fmtTime(r.approvalDue)}.`) : null,
      waiting && operate
        ? h(
            "div",
            { class: "actions" },
            h(
              "button",
              {
                type: "button",
                class: "primary",
                id: `approve-${r.id}`,
                onclick: () =>
                  void act("Approve", `/api/v1/runbook-runs/${encodeURIComponent(r.id)}/approve`),
              },
              "Approve",
            ),
            h(
              "button",
              {
                type: "button",
                class: "danger",
                id: `reject-${r.id}`,
                onclick: () => void act("Reject", `/api/v1/runbook-runs/${encodeURIComponent(r.id)}/reject`),
              },
              "Reject",
            ),
          )
        : null,
      r.error ? h("p", { class: "msg err" }, r.error) : null,
      r.steps && r.steps.length > 0
        ? h(
            "table",
            {},
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                h("th", {}, "step"),
                h("th", {}, "kind"),
                h("th", {}, "state"),
                h("th", {}, "output"),
              ),
            ),
            h(
              "tbody",
              {},
              r.steps.map((s, i) =>
                h(
                  "tr",
                  {},
                  h("td", {}, String(i + 1)),
                  h("td", {}, s.kind),
                  h("td", {}, h("span", { class: `badge b-${s.state}` }, s.state)),
                  h("td", {}, s.result ? jsonBlock(s.result) : ""),
                ),
              ),
            ),
          )
        : null,
    );
  }

  void load();
  const again = throttle(() => void load(), 300);
  return ctx.onLive((topic, data) => {
    if (topic === "incidents.changed" && (data as { id?: string }).id !== id) return;
    // Only this incident's SLO can add alerts to it (a busy board transitions all the time).
    if (topic === "alerts.transition" && shown && (data as { slo?: string }).slo !== shown) return;
    if (topic === "incidents.changed" || topic === "runbooks.run" || topic === "alerts.transition") again();
  });
}
