/**
 * The demo's voice. On a terminal: each event as a line, under which a compact live status
 * (the two services, the policy pack, sirens, progress) is redrawn in place. Elsewhere (CI, a
 * pipe): plain timestamped lines only, one per event, nothing redrawn.
 */
export type Tone = "info" | "step" | "warn" | "alert" | "ok" | "fail";

export interface LiveStatus {
  board: string;
  waitSeconds: number | null;
  slaState: string;
  latencyMs: number | null;
  latencyState: string;
  pack: string | null;
  driftState: string;
  pages: number;
  mails: number;
  runs: string;
  done: number;
  total: number;
}

export interface Narrator {
  say(tone: Tone, text: string): void;
  update(status: LiveStatus): void;
  /** Stops redrawing; the last status stays on screen. */
  close(): void;
}

export interface NarratorOptions {
  /** Redraw a live status (default: whether `out` is a terminal). */
  live?: boolean;
  color?: boolean;
  start?: number;
}

type Out = { write(text: string): unknown; isTTY?: boolean; columns?: number };

const SGR = { red: 31, green: 32, yellow: 33, cyan: 36, dim: 2, bold: 1 } as const;
type Colour = keyof typeof SGR;
const MARK: Record<Tone, [string, Colour | null]> = {
  info: ["·", "dim"],
  step: ["→", "cyan"],
  warn: ["▲", "yellow"],
  alert: ["■", "red"],
  ok: ["✔", "green"],
  fail: ["✘", "red"],
};

export function createNarrator(out: Out, o: NarratorOptions = {}): Narrator {
  const live = o.live ?? Boolean(out.isTTY);
  const color = o.color ?? (live && process.env.NO_COLOR === undefined && process.env.TERM !== "dumb");
  const start = o.start ?? Date.now();
  const paint = (c: Colour | null, text: string) => (color && c ? `\u001b[${SGR[c]}m${text}\u001b[0m` : text);
  let footer: string[] = [];
  let closed = false;

  const clock = () => {
    const s = Math.floor((Date.now() - start) / 1000);
    return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
  };
  const erase = () => {
    if (live && footer.length > 0) out.write(`\u001b[${footer.length}F\u001b[J`);
  };
  const draw = () => {
    if (live && footer.length > 0) out.write(`${footer.join("\n")}\n`);
  };

  return {
    say(tone, text) {
      const [mark, c] = MARK[tone];
      erase();
      out.write(`${paint("dim", `[${clock()}]`)} ${paint(c, mark)} ${text}\n`);
      draw();
    },
    update(s) {
      if (!live || closed) return;
      erase();
      // A pseudo-terminal may report 0 columns.
      footer = statusLines(s, paint, out.columns && out.columns >= 40 ? out.columns : 100);
      draw();
    },
    close() {
      closed = true;
    },
  };
}

function statusLines(
  s: LiveStatus,
  paint: (c: Colour | null, t: string) => string,
  columns: number,
): string[] {
  const state = (v: string) => {
    const c: Colour = v === "firing" ? "red" : v === "pending" ? "yellow" : "green";
    return paint(c, (v === "firing" ? "■ FIRING" : v === "pending" ? "▲ pending" : "● ok").padEnd(9));
  };
  const bar = "#".repeat(s.done).padEnd(s.total, "-");
  const cut = (line: string, width: number) => (line.length > width ? `${line.slice(0, width - 1)}…` : line);
  const num = (v: number | null, unit: string) => `${v === null ? "-" : v.toFixed(0)} ${unit}`.padStart(6);
  const rows = [
    ["OSERS call queue", `wait ${num(s.waitSeconds, "s")} (SLA 60 s)`, "sla_wait_time", s.slaState],
    ["IRS login", `${num(s.latencyMs, "ms")} (SLO 250 ms)`, "irs-login-latency", s.latencyState],
    ["Policy pack", s.pack ?? "-", "policy_drift", s.driftState],
  ] as const;
  return [
    paint(
      "dim",
      `── board ${s.board} ${"─".repeat(72)}`.slice(
        0,
        Math.min(columns - 1, Math.max(72, s.board.length + 12)),
      ),
    ),
    ...rows.map(
      ([what, figure, slo, st]) =>
        `${cut(`${what.padEnd(18)}${figure.padEnd(26)}${slo.padEnd(18)}`, columns - 12)}${state(st)}`,
    ),
    cut(
      `pages ${s.pages} · counsel inbox ${s.mails} · run-books ${s.runs} · [${bar}] ${s.done}/${s.total}`,
      columns - 1,
    ),
  ];
}
