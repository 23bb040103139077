/**
 * The board: every probe and SLO as a tile, grouped by a label. A delta replaces only the tiles it
 * names (one DOM node each), so 1,000 tiles stay smooth; a regroup (new, removed or relabelled
 * tiles) redraws the grid, batched into one animation frame.
 */
import { clear, h } from "../dom.js";
import type { BoardModel, Change } from "../model.js";
import type { ProbeTile, SloTile } from "../stream.js";
import { probeTile, sloColour, sloTile } from "../tiles.js";

const GROUP_KEY = "hms-ops.groupBy";

export function boardView(root: HTMLElement, model: BoardModel): () => void {
  let groupBy = localStorage.getItem(GROUP_KEY) ?? "agency";
  const tiles = new Map<string, HTMLElement>();
  const summary = h("div", { class: "summary", "aria-live": "polite" });
  const select = h(
    "select",
    {
      id: "group-by",
      onchange: (e: Event) => {
        groupBy = (e.target as HTMLSelectElement).value;
        localStorage.setItem(GROUP_KEY, groupBy);
        schedule({ all: true });
      },
    },
    ...["agency", "service", "none"].map((g) => h("option", { value: g, selected: g === groupBy }, g)),
  );
  const grid = h("div", { id: "board" });
  clear(root);
  root.append(
    h("h1", {}, "Reliability Board"),
    h("div", { class: "toolbar" }, summary, h("label", {}, "Group by ", select)),
    grid,
  );

  let pending: Change | null = null;
  const schedule = (c: Change) => {
    if (!pending) {
      pending = c;
      requestAnimationFrame(flush);
    } else if (c.all || pending.all) pending = { all: true };
    else pending = { all: false, keys: [...pending.keys, ...c.keys], top: pending.top || c.top };
  };
  const flush = () => {
    const c = pending;
    pending = null;
    if (!c) return;
    if (c.all) redraw();
    else for (const key of new Set(c.keys)) replace(key);
    renderSummary();
  };

  const replace = (key: string) => {
    const old = tiles.get(key);
    const name = key.slice(2);
    const fresh = key.startsWith("p:")
      ? optional(model.probes.get(name), probeTile)
      : optional(model.slos.get(name), sloTile);
    if (!old || !fresh) return redraw();
    old.replaceWith(fresh);
    tiles.set(key, fresh);
  };

  const redraw = () => {
    tiles.clear();
    const groups = new Map<string, HTMLElement[]>();
    const add = (labels: Record<string, string> | undefined, key: string, el: HTMLElement) => {
      const g = groupBy === "none" ? "All" : (labels?.[groupBy] ?? `(no ${groupBy})`);
      const list = groups.get(g) ?? [];
      if (list.length === 0) groups.set(g, list);
      list.push(el);
      tiles.set(key, el);
    };
    const probes = [...model.probes.values()].sort(byName);
    const slosByProbe = new Map<string, SloTile[]>();
    const loose: SloTile[] = [];
    for (const s of model.slos.values()) {
      if (s.probe && model.probes.has(s.probe)) {
        const list = slosByProbe.get(s.probe) ?? [];
        list.push(s);
        slosByProbe.set(s.probe, list);
      } else loose.push(s);
    }
    for (const p of probes) {
      add(p.labels, `p:${p.name}`, probeTile(p));
      for (const s of (slosByProbe.get(p.name) ?? []).sort(byName))
        add(s.labels ?? p.labels, `s:${s.name}`, sloTile(s));
    }
    for (const s of loose.sort(byName)) add(s.labels, `s:${s.name}`, sloTile(s));
    const frag = document.createDocumentFragment();
    for (const g of [...groups.keys()].sort()) {
      frag.append(
        h(
          "section",
          { class: "group", "aria-label": `${groupBy}: ${g}` },
          h("h2", {}, g),
          h("div", { class: "tiles" }, groups.get(g) ?? []),
        ),
      );
    }
    clear(grid);
    if (model.loaded && tiles.size === 0)
      grid.append(h("p", { class: "muted" }, "No probes or SLOs configured yet."));
    grid.append(frag);
  };

  const renderSummary = () => {
    const count = { red: 0, yellow: 0, green: 0 };
    for (const p of model.probes.values()) count[p.state]++;
    for (const s of model.slos.values()) count[sloColour(s)]++;
    clear(summary);
    summary.append(
      h("span", { "data-count": "red" }, `✕ ${count.red} firing`),
      h("span", { "data-count": "yellow" }, `▲ ${count.yellow} warning`),
      h("span", { "data-count": "green" }, `✓ ${count.green} ok`),
      h("span", {}, `· ${model.incidents.open} open incident${model.incidents.open === 1 ? "" : "s"}`),
    );
  };

  if (model.loaded) schedule({ all: true });
  return model.onChange(schedule);
}

const byName = (a: ProbeTile | SloTile, b: ProbeTile | SloTile) => a.name.localeCompare(b.name);
const optional = <T>(v: T | undefined, f: (v: T) => HTMLElement) => (v === undefined ? null : f(v));
