/** The policy pack: live id, approved id, drift, history (from /api/v1/policy when the server has it). */
import { ApiError, api } from "../api.js";
import type { Ctx } from "../context.js";
import { clear, h, jsonBlock } from "../dom.js";

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
      const history = (policy.history ?? policy.changes) as unknown[] | undefined;
      clear(detail);
      detail.append(h("h2", {}, "History"));
      if (Array.isArray(history) && history.length > 0) {
        detail.append(
          h(
            "table",
            {},
            h("thead", {}, h("tr", {}, h("th", {}, "change"))),
            h(
              "tbody",
              {},
              history.map((c) => h("tr", {}, h("td", {}, JSON.stringify(c)))),
            ),
          ),
        );
      } else detail.append(h("p", { class: "muted" }, "No recorded changes."), jsonBlock(policy));
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
