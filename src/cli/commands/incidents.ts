/** `hms-ops incidents`, `incident ID`, `ack ID`, `resolve ID`, `note ID TEXT`: thin adapters over the incidents API. */
import { ApiClient, type ClientFlags } from "../client/api.js";
import { age, type Colour, painter, table } from "../client/format.js";

interface IncidentView {
  id: string;
  slo: string;
  state: string;
  severity: string;
  title: string;
  url: string;
  openedAt: string;
  resolvedAt: string | null;
  acknowledgedBy: string | null;
  resolvedBy: string | null;
  policyId: string | null;
}
interface DetailView extends IncidentView {
  alerts: { alertId: string; resolvedAt: string | null }[];
  timeline: { seq: number; at: string; type: string; actor: string | null; data: Record<string, unknown> }[];
}

export interface OutputFlags extends ClientFlags {
  json?: boolean;
}

const STATE_COLOUR: Record<string, Colour> = { open: "red", acknowledged: "yellow", resolved: "green" };
const out = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

export async function listIncidents(flags: OutputFlags & { state?: string; limit?: string }): Promise<void> {
  const client = new ApiClient(flags);
  const query = new URLSearchParams();
  query.set("state", flags.state ?? "active");
  if (flags.limit) query.set("limit", flags.limit);
  const { incidents } = await client.get<{ incidents: IncidentView[] }>(`/api/v1/incidents?${query}`);
  if (flags.json) return out(JSON.stringify(incidents, null, 2));
  if (incidents.length === 0) return out(`no ${query.get("state") === "active" ? "open " : ""}incidents`);
  const paint = painter();
  const now = Date.now();
  out(
    table(
      ["ID", "STATE", "SEVERITY", "SLO", "OPENED", "TITLE"],
      incidents.map((i) => [
        i.id,
        i.state,
        i.severity,
        i.slo,
        `${age(Date.parse(i.openedAt), now)} ago`,
        i.title,
      ]),
      (row, col, cell) => (col === 1 ? paint(STATE_COLOUR[incidents[row]?.state ?? ""], cell) : cell),
    ),
  );
}

export async function showIncident(id: string, flags: OutputFlags): Promise<void> {
  const d = await new ApiClient(flags).get<DetailView>(`/api/v1/incidents/${encodeURIComponent(id)}`);
  if (flags.json) return out(JSON.stringify(d, null, 2));
  const paint = painter();
  const open = d.alerts.filter((a) => a.resolvedAt === null).length;
  out(`${paint("bold", d.id)}  ${paint(STATE_COLOUR[d.state], d.state)}  ${d.severity}  ${d.title}`);
  out(`  slo ${d.slo} · policy ${d.policyId ?? "(unknown)"} · alerts ${d.alerts.length} (${open} firing)`);
  out(
    `  opened ${d.openedAt}${d.resolvedAt ? ` · resolved ${d.resolvedAt}${d.resolvedBy ? ` by ${d.resolvedBy}` : ""}` : ""}`,
  );
  if (d.acknowledgedBy) out(`  acknowledged by ${d.acknowledgedBy}`);
  out(`  ${d.url}`);
  out("");
  out(
    table(
      ["TIME", "EVENT", "BY", "DETAILS"],
      d.timeline.map((e) => [e.at, e.type, e.actor ?? "hms-ops", describe(e.data)]),
      (row, col, cell) =>
        col === 1 && d.timeline[row]?.type.endsWith(".failed") ? paint("red", cell) : cell,
    ),
  );
}

export async function actOnIncident(
  action: "ack" | "resolve",
  id: string,
  flags: OutputFlags & { message?: string },
): Promise<void> {
  const body = flags.message ? { comment: flags.message } : {};
  const i = await new ApiClient(flags).post<IncidentView>(
    `/api/v1/incidents/${encodeURIComponent(id)}/${action}`,
    body,
  );
  if (flags.json) return out(JSON.stringify(i, null, 2));
  out(
    `${i.id} ${i.state}${action === "ack" ? ` by ${i.acknowledgedBy}` : i.resolvedBy ? ` by ${i.resolvedBy}` : ""}`,
  );
}

export async function noteIncident(id: string, text: string, flags: OutputFlags): Promise<void> {
  const e = await new ApiClient(flags).post<{ at: string; actor: string }>(
    `/api/v1/incidents/${encodeURIComponent(id)}/notes`,
    { text },
  );
  if (flags.json) return out(JSON.stringify(e, null, 2));
  out(`note added to ${id} by ${e.actor} at ${e.at}`);
}

/** One line of the most telling fields of a timeline event. */
function describe(data: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const key of [
    "text",
    "receiver",
    "kind",
    "attempt",
    "status",
    "error",
    "role",
    "value",
    "step",
    "by",
  ]) {
    const v = data[key];
    if (v !== undefined && v !== null)
      parts.push(key === "text" ? String(v) : `${key}=${typeof v === "string" ? v : JSON.stringify(v)}`);
  }
  return parts.join(" ");
}
