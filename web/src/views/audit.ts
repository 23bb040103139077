/** The audit trail: filter by actor, action and time; verify the hash chain on demand; live. */
import { api } from "../api.js";
import { type Ctx, canRead, throttle } from "../context.js";
import { clear, fmtTime, h } from "../dom.js";

interface Entry {
  seq: number;
  time: string;
  actor: string;
  action: string;
  subject: string;
  data: unknown;
  hash: string;
}

export function auditView(root: HTMLElement, ctx: Ctx): () => void {
  clear(root);
  root.append(h("h1", {}, "Audit trail"));
  if (!canRead(ctx.viewer())) {
    root.append(
      h("p", { class: "msg err" }, "The audit trail needs a token with read scope."),
      h("button", { type: "button", onclick: () => void ctx.signIn() }, "Sign in"),
    );
    return () => {};
  }
  const input = (id: string, label: string, type = "text") => {
    const el = h("input", { id, type, name: id });
    return { el, label: h("label", { for: id }, label, el) };
  };
  const actor = input("f-actor", "Actor");
  const action = input("f-action", "Action");
  const from = input("f-from", "From", "datetime-local");
  const to = input("f-to", "To", "datetime-local");
  const verifyOut = h("div", { role: "status", "aria-live": "polite", id: "verify-result" });
  const table = h("div");
  const form = h(
    "form",
    {
      class: "filters",
      onsubmit: (e: Event) => {
        e.preventDefault();
        void load();
      },
    },
    actor.label,
    action.label,
    from.label,
    to.label,
    h("button", { type: "submit" }, "Filter"),
    h("button", { type: "button", id: "verify", onclick: () => void verify() }, "Verify chain"),
  );
  root.append(form, verifyOut, table);

  async function verify() {
    clear(verifyOut);
    try {
      const r = await api<{
        ok: boolean;
        entries?: number;
        head?: string;
        error?: string;
        firstBad?: unknown;
      }>("/api/v1/audit/verify");
      verifyOut.append(
        h(
          "p",
          { class: `msg ${r.ok ? "ok" : "err"}` },
          r.ok
            ? `✓ Chain intact: ${r.entries ?? "?"} entries, head ${String(r.head ?? "").slice(0, 16)}…`
            : `✕ Chain broken: ${JSON.stringify(r)}`,
        ),
      );
    } catch (e) {
      verifyOut.append(h("p", { class: "msg err" }, e instanceof Error ? e.message : String(e)));
    }
  }

  async function load() {
    const q = new URLSearchParams({ limit: "1000" });
    if (actor.el.value.trim()) q.set("actor", actor.el.value.trim());
    if (action.el.value.trim()) q.set("action", action.el.value.trim());
    if (from.el.value) q.set("from", new Date(from.el.value).toISOString());
    if (to.el.value) q.set("to", new Date(to.el.value).toISOString());
    try {
      // The API pages oldest first; the newest page is what people look for.
      let { entries, next } = await api<{ entries: Entry[]; next: number | null }>(`/api/v1/audit?${q}`);
      while (next !== null) {
        q.set("after", String(next));
        const page = await api<{ entries: Entry[]; next: number | null }>(`/api/v1/audit?${q}`);
        entries = page.entries.length ? page.entries.slice(-1000) : entries;
        next = page.next;
      }
      clear(table);
      if (entries.length === 0) return table.append(h("p", { class: "muted" }, "No entries match."));
      table.append(
        h(
          "table",
          { id: "audit" },
          h(
            "thead",
            {},
            h("tr", {}, ...["#", "time", "actor", "action", "subject", "details"].map((c) => h("th", {}, c))),
          ),
          h(
            "tbody",
            {},
            [...entries]
              .reverse()
              .map((e) =>
                h(
                  "tr",
                  { "data-action": e.action },
                  h("td", {}, String(e.seq)),
                  h("td", {}, fmtTime(e.time)),
                  h("td", {}, e.actor),
                  h("td", {}, e.action),
                  h("td", {}, e.subject),
                  h(
                    "td",
                    {},
                    e.data === null || e.data === undefined ? "" : JSON.stringify(e.data).slice(0, 300),
                  ),
                ),
              ),
          ),
        ),
      );
    } catch (e) {
      clear(table);
      table.append(h("p", { class: "msg err" }, e instanceof Error ? e.message : String(e)));
    }
  }
  void load();
  const again = throttle(() => void load(), 1000);
  return ctx.onLive((topic) => {
    if (topic === "audit.appended") again();
  });
}
