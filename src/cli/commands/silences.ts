/** `hms-ops silence …`: list, add and expire silences (operate scope to change), over the API. */
import { ApiClient } from "../client/api.js";
import { table } from "../client/format.js";
import type { OutputFlags } from "./incidents.js";

interface SilenceView {
  id: string;
  state: string;
  matchers: Record<string, string>;
  startsAt: string;
  endsAt: string;
  comment: string;
  createdBy: string;
}

const out = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

export async function listSilences(flags: OutputFlags & { state?: string }): Promise<void> {
  const q = flags.state ? `?state=${encodeURIComponent(flags.state)}` : "";
  const { silences } = await new ApiClient(flags).get<{ silences: SilenceView[] }>(`/api/v1/silences${q}`);
  if (flags.json) return out(JSON.stringify(silences, null, 2));
  if (silences.length === 0) return out("no silences");
  out(
    table(
      ["ID", "STATE", "MATCHERS", "ENDS", "BY", "COMMENT"],
      silences.map((s) => [s.id, s.state, matcherText(s.matchers), s.endsAt, s.createdBy, s.comment]),
    ),
  );
}

/** `matchers` as `name=value` words, e.g. `slo=irs-login-latency agency=IRS`. */
export async function addSilence(
  words: string[],
  flags: OutputFlags & { duration?: string; comment?: string; start?: string; end?: string },
): Promise<void> {
  const matchers: Record<string, string> = {};
  for (const w of words) {
    const eq = w.indexOf("=");
    if (eq <= 0) throw new TypeError(`matcher "${w}" is not name=value`);
    matchers[w.slice(0, eq)] = w.slice(eq + 1);
  }
  const body = {
    matchers,
    ...(flags.comment ? { comment: flags.comment } : {}),
    ...(flags.duration ? { duration: flags.duration } : {}),
    ...(flags.start ? { startsAt: flags.start } : {}),
    ...(flags.end ? { endsAt: flags.end } : {}),
  };
  const s = await new ApiClient(flags).post<SilenceView>("/api/v1/silences", body);
  if (flags.json) return out(JSON.stringify(s, null, 2));
  out(`${s.id} ${s.state} until ${s.endsAt} (${matcherText(s.matchers)})`);
}

export async function expireSilence(id: string, flags: OutputFlags): Promise<void> {
  const s = await new ApiClient(flags).delete<SilenceView>(`/api/v1/silences/${encodeURIComponent(id)}`);
  if (flags.json) return out(JSON.stringify(s, null, 2));
  out(`${s.id} expired`);
}

function matcherText(m: Record<string, string>): string {
  return Object.entries(m)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
}
