/**
 * A webhook receiver standing in for the on-call pager: it records every notification HMS-OPS
 * sends (the DESIGN §5 payload: status, slo, severity, value, incident, policy, ...).
 */
import { type Listening, listenLoopback, readBody } from "./http.js";

export interface Page {
  status: string;
  slo: string;
  severity: string;
  summary: string;
  incident: string | null;
  policy: string | null;
}

export interface Pager extends Listening {
  readonly pages: readonly Page[];
  onPage(listener: (page: Page) => void): void;
}

export async function startPager(): Promise<Pager> {
  const pages: Page[] = [];
  const listeners: ((page: Page) => void)[] = [];
  const server = await listenLoopback(async (req, res) => {
    const text = await readBody(req);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      res.writeHead(400).end("expected JSON");
      return;
    }
    res.writeHead(200).end("ok");
    const page: Page = {
      status: String(body.status ?? ""),
      slo: String(body.slo ?? ""),
      severity: String(body.severity ?? ""),
      summary: String(body.summary ?? ""),
      incident: (body.incident as { id?: string } | undefined)?.id ?? null,
      policy: (body.policy as { id?: string } | undefined)?.id ?? null,
    };
    pages.push(page);
    for (const listener of listeners) listener(page);
  });
  return { ...server, pages, onPage: (listener) => void listeners.push(listener) };
}
