/** `hms-ops status`: the board as a compact table — policy, probes green/yellow/red, SLO states, open incidents. */
import { ApiClient } from "../client/api.js";
import { age, type Colour, painter, table } from "../client/format.js";
import type { OutputFlags } from "./incidents.js";

interface StatusView {
  policy: { id: string | null; drift: boolean };
  probes: { name: string; state: "green" | "yellow" | "red"; last: LastView | null }[];
  slos: { name: string; state: string; since: string | null; value: number | null; severity: string }[];
  incidents: { open: number };
}
interface LastView {
  ts: string;
  ok: boolean;
  latencyMs?: number;
  status?: number;
  value?: number;
  error?: string;
}

const COLOUR: Record<string, Colour> = {
  green: "green",
  yellow: "yellow",
  red: "red",
  ok: "green",
  pending: "yellow",
  firing: "red",
};
/** Colour is never the only signal: each state also has a mark. */
const MARK: Record<string, string> = {
  green: "●",
  yellow: "▲",
  red: "■",
  ok: "●",
  pending: "▲",
  firing: "■",
};

export async function status(flags: OutputFlags): Promise<void> {
  const s = await new ApiClient(flags).get<StatusView>("/api/v1/status");
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
    return;
  }
  const paint = painter();
  const now = Date.now();
  const lines: string[] = [];
  const drift = s.policy.drift ? paint("red", "  DRIFT from the approved pack") : "";
  lines.push(`policy ${s.policy.id ?? "(unknown)"}${drift} · open incidents ${s.incidents.open}`);
  if (s.probes.length > 0) {
    lines.push("");
    lines.push(
      table(
        ["PROBE", "STATE", "LAST", "AGE", "DETAIL"],
        s.probes.map((p) => [
          p.name,
          `${MARK[p.state]} ${p.state}`,
          figure(p.last),
          p.last ? age(Date.parse(p.last.ts), now) : "-",
          p.last?.error ?? "",
        ]),
        (row, col, cell) => (col === 1 ? paint(COLOUR[s.probes[row]?.state ?? ""], cell) : cell),
      ),
    );
  }
  if (s.slos.length > 0) {
    lines.push("");
    lines.push(
      table(
        ["SLO", "STATE", "VALUE", "SEVERITY", "SINCE"],
        s.slos.map((o) => [
          o.name,
          `${MARK[o.state] ?? "·"} ${o.state}`,
          o.value === null ? "-" : String(round(o.value)),
          o.severity,
          o.since ? age(Date.parse(o.since), now) : "-",
        ]),
        (row, col, cell) => (col === 1 ? paint(COLOUR[s.slos[row]?.state ?? ""], cell) : cell),
      ),
    );
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}

function figure(last: LastView | null): string {
  if (!last) return "no data";
  if (last.latencyMs !== undefined)
    return `${round(last.latencyMs)} ms${last.status ? ` (${last.status})` : ""}`;
  if (last.value !== undefined) return String(round(last.value));
  return last.ok ? "ok" : "failing";
}

function round(n: number): number {
  return Math.abs(n) >= 100 ? Math.round(n) : Math.round(n * 100) / 100;
}
