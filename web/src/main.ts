/** Boot: header, sign-in, the stream, and a tiny router over history (deep links work on reload). */
import "uplot/dist/uPlot.min.css";
import "./style.css";
import { ApiError, api, token } from "./api.js";
import { type Ctx, canRead, type Live } from "./context.js";
import { byId, clear, h } from "./dom.js";
import { BoardModel, type Delta } from "./model.js";
import { type Board, type LiveSample, Stream, type Viewer } from "./stream.js";
import { auditView } from "./views/audit.js";
import { boardView } from "./views/board.js";
import { probeView, sloView } from "./views/detail.js";
import { incidentsView, incidentView } from "./views/incidents.js";
import { policyView } from "./views/policy.js";

const model = new BoardModel();
const live = new Set<Live>();
let viewer: Viewer | null = null;
let unmount: (() => void) | null = null;

const ctx: Ctx = {
  model,
  viewer: () => viewer,
  onLive(fn) {
    live.add(fn);
    return () => live.delete(fn);
  },
  signIn,
  navigate,
  watchSamples(probes, fn) {
    sampleSink = fn;
    stream.watch(probes);
    return () => {
      if (sampleSink !== fn) return;
      sampleSink = null;
      stream.watch([]);
    };
  },
};
let sampleSink: ((samples: LiveSample[]) => void) | null = null;

const stream = new Stream({
  welcome(v) {
    const changed = JSON.stringify(v) !== JSON.stringify(viewer);
    viewer = v;
    renderWho();
    // What a view may show depends on who is looking (public, reader, operator).
    if (changed) route();
  },
  snapshot(board: Board) {
    model.load(board);
  },
  event(topic, data) {
    if (topic === "board.delta") model.apply(data as Delta);
    for (const fn of live) fn(topic, data);
  },
  samples(samples) {
    sampleSink?.(samples);
  },
  refused() {
    void diagnose();
  },
  connection(state) {
    const el = byId("conn");
    el.className = `conn ${state}`;
    el.textContent = state === "live" ? "live" : "reconnecting…";
  },
});

model.onChange(() => renderPolicy());

function renderPolicy(): void {
  const el = byId("policy");
  clear(el);
  const p = model.policy;
  el.append(
    h("span", {}, "Policy pack: ", h("strong", {}, p.id ?? "unknown")),
    p.drift
      ? h("span", { class: "drift" }, ` ⚠ DRIFT (approved ${p.approved ?? "?"})`)
      : p.approved
        ? " ✓ approved"
        : "",
  );
}

function renderWho(): void {
  const el = byId("who");
  clear(el);
  const signedIn = token.get() !== null;
  el.append(
    h(
      "span",
      {},
      viewer ? (viewer.name === "public" ? "public view (read-only)" : `signed in as ${viewer.name}`) : "",
    ),
  );
  el.append(
    signedIn
      ? h(
          "button",
          {
            type: "button",
            id: "sign-out",
            onclick: () => {
              token.clear();
              stream.restart();
              route();
            },
          },
          "Sign out",
        )
      : h("button", { type: "button", id: "sign-in", onclick: () => void signIn() }, "Sign in"),
  );
  for (const a of document.querySelectorAll<HTMLElement>("[data-needs=read]")) a.hidden = !canRead(viewer);
}

function signIn(why?: string): Promise<boolean> {
  const dialog = byId<HTMLDialogElement>("token-dialog");
  const input = byId<HTMLInputElement>("token-input");
  byId("token-why").textContent =
    why ??
    "Reading incidents and acting on them needs a token (read or operate scope). It is kept in this tab's session storage only.";
  input.value = "";
  return new Promise((resolve) => {
    const form = byId<HTMLFormElement>("token-form");
    const done = (ok: boolean) => {
      form.onsubmit = null;
      byId("token-cancel").onclick = null;
      dialog.onclose = null;
      if (dialog.open) dialog.close();
      resolve(ok);
    };
    form.onsubmit = (e) => {
      e.preventDefault();
      const t = input.value.trim();
      if (!t) return;
      token.set(t);
      stream.restart();
      done(true);
      route();
    };
    byId("token-cancel").onclick = () => done(false);
    dialog.onclose = () => done(false);
    dialog.showModal();
    input.focus();
  });
}

function navigate(path: string): void {
  if (path !== location.pathname + location.search) history.pushState(null, "", path);
  route();
  // Keyboard and screen-reader users land on the new view, not on the link they left.
  byId("main").focus();
  document.title = `${byId("main").querySelector("h1")?.textContent ?? "HMS-OPS"} · HMS-OPS`;
}

function route(): void {
  unmount?.();
  unmount = null;
  const main = byId("main");
  const path = location.pathname;
  for (const a of document.querySelectorAll<HTMLAnchorElement>("nav a")) {
    const here =
      a.getAttribute("href") === "/" ? path === "/" : path.startsWith(a.getAttribute("href") ?? "-");
    if (here) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  const m = (re: RegExp) => re.exec(path)?.[1];
  const id = m(/^\/incidents\/([^/]+)$/);
  const probe = m(/^\/probes\/([^/]+)$/);
  const slo = m(/^\/slos\/([^/]+)$/);
  try {
    if (path === "/") unmount = boardView(main, model);
    else if (path === "/incidents") unmount = incidentsView(main, ctx);
    else if (id) unmount = incidentView(main, ctx, decodeURIComponent(id));
    else if (probe) unmount = probeView(main, ctx, decodeURIComponent(probe));
    else if (slo) unmount = sloView(main, ctx, decodeURIComponent(slo));
    else if (path === "/audit") unmount = auditView(main, ctx);
    else if (path === "/policy") unmount = policyView(main, ctx);
    else {
      clear(main);
      main.append(
        h("h1", {}, "Not found"),
        h("p", {}, h("a", { href: "/", "data-link": true }, "Back to the board")),
      );
    }
  } catch (err) {
    clear(main);
    main.append(h("p", { class: "msg err" }, String(err)));
  }
}

/**
 * First paint from the stream's snapshot (one message for the whole board, then deltas; never a
 * request per probe). Only when the socket is refused does the page ask `/api/v1/status` why: a
 * 401 means a private board, so it asks for a token; any other answer is shown while it retries.
 */
async function boot(): Promise<void> {
  document.addEventListener("click", (e) => {
    const a = (e.target as Element).closest?.("a[data-link]") as HTMLAnchorElement | null;
    if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
    e.preventDefault();
    navigate(a.getAttribute("href") ?? "/");
  });
  window.addEventListener("popstate", route);
  renderPolicy();
  renderWho();
  route();
  stream.start();
}

let diagnosing = false;
async function diagnose(): Promise<void> {
  if (diagnosing) return;
  diagnosing = true;
  try {
    const status = await api<Board>("/api/v1/status");
    // The API answers but the socket does not (a proxy without WebSocket support): show the board.
    if (!model.loaded) model.load(status);
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
      await signIn(`This board is not public: sign in with a token (read scope or more). ${err.message}.`);
    } else if (!model.loaded) {
      const main = byId("main");
      clear(main);
      main.append(
        h(
          "p",
          { class: "msg err" },
          `The server is unreachable: ${err instanceof Error ? err.message : String(err)}`,
        ),
      );
    }
  } finally {
    diagnosing = false;
  }
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => void boot());
else void boot();
