/** The policy pack: live id, approved id, drift, history (from /api/v1/policy when the server has it). */
import { ApiError, api } from "../api.js";
import type { Ctx } from "../context.js";
import { clear, fmtTime, h } from "../dom.js";

interface Change {
  seq: number;
  at: string;
  from: string | null;
  to: string;
}

export function policyView(root: HTMLElement, ctx: Ctx): () => void {
  clear(root);
  root.append(h("h1", {}, "Policy"));
  const current = h("div", { class: "card" });
  const detail = h("div");
  root.append(current, detail);
  const drawCurrent = () => {
    const p = ctx.model.policy;
    clear(current);
    current.append(
      h(
        "dl",
        { class: "kv" },
        h("dt", {}, "live pack"),
        h("dd", {}, p.id ?? "unknown"),
        h("dt", {}, "approved"),
        h("dd", {}, p.approved ?? "— (none set)"),
        h("dt", {}, "drift"),
        h("dd", {}, p.drift ? "⚠ yes: the live pack is not the approved one" : "✓ no"),
        ...(p.error ? [h("dt", {}, "source"), h("dd", {}, `unreachable: ${p.error}`)] : []),
      ),
    );
  };
  drawCurrent();
  void (async () => {
    try {
      const policy = await api<Record<string, unknown>>("/api/v1/policy");
      const history = policy.history as Change[] | undefined;
      clear(detail);
      detail.append(h("h2", {}, "History"));
      if (Array.isArray(history) && history.length > 0) {
        detail.append(
          h(
            "table",
            { id: "policy-history" },
            h("thead", {}, h("tr", {}, ...["#", "seen", "from", "to"].map((c) => h("th", {}, c)))),
            h(
              "tbody",
              {},
              history.map((c) =>
                h(
                  "tr",
                  {},
                  h("td", {}, String(c.seq)),
                  h("td", {}, fmtTime(c.at)),
                  h("td", {}, c.from ?? "— (first pack seen)"),
                  h("td", {}, c.to),
                ),
              ),
            ),
          ),
        );
      } else detail.append(h("p", { class: "muted" }, "No recorded changes."));
      if (policy.source !== undefined) {
        detail.append(
          h("h2", {}, "Source"),
          h(
            "dl",
            { class: "kv" },
            h("dt", {}, "URL"),
            h("dd", {}, String(policy.source ?? "— (not configured)")),
            h("dt", {}, "reachable"),
            h(
              "dd",
              {},
              policy.up === null || policy.up === undefined ? "unknown" : policy.up ? "✓ yes" : "✕ no",
            ),
            h("dt", {}, "last fetched"),
            h("dd", {}, fmtTime(policy.fetchedAt as string | null)),
          ),
        );
      }
    } catch (e) {
      clear(detail);
      if (e instanceof ApiError && e.status === 404)
        detail.append(h("p", { class: "muted" }, "This server has no policy history API yet."));
      else detail.append(h("p", { class: "msg err" }, e instanceof Error ? e.message : String(e)));
    }
  })();
  return ctx.model.onChange((c) => {
    if (c.all || c.top) drawCurrent();
  });
}
