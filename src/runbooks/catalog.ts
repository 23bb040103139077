/**
 * The set of run-books: ops.yml's plus those registered at run time (`POST /api/v1/runbooks`,
 * persisted), and the attachments of the seed SDK (`attach {probe, when, do}`), each of which is
 * an SLO on the probe whose firing runs the run-book. ops.yml wins names. On several nodes each
 * node reloads when the bus says something changed.
 */
import type { RunbookConfig, SloConfig } from "../config/index.js";
import type { Store } from "../store/index.js";

export type RunbookSource = "config" | "api";

export interface RunbookEntry {
  name: string;
  source: RunbookSource;
  spec: RunbookConfig;
  createdBy?: string;
  createdAt?: number;
}

export interface Attachment {
  /** Also the name of the SLO it becomes. */
  name: string;
  probe: string;
  condition: string;
  runbook: string;
  createdBy: string;
  createdAt: number;
}

declare module "../bus/index.js" {
  interface BusTopics {
    "runbooks.changed": { name: string; op: "registered" | "attached" };
  }
}

export class RunbookCatalog {
  private fromConfig = new Map<string, RunbookEntry>();
  private fromApi = new Map<string, RunbookEntry>();
  private attached: Attachment[] = [];
  private changes = 0;

  constructor(private readonly store: Store) {}

  /** Moves on whenever the run-time run-books or attachments change (for memoized views). */
  get version(): number {
    return this.changes;
  }

  async load(): Promise<void> {
    this.changes++;
    const runbooks = await this.store.all<{
      name: string;
      spec: string;
      created_at: number;
      created_by: string;
    }>("SELECT name, spec, created_at, created_by FROM api_runbooks ORDER BY name");
    this.fromApi = new Map(
      runbooks.map((r) => [
        r.name,
        {
          name: r.name,
          source: "api",
          spec: JSON.parse(r.spec) as RunbookConfig,
          createdBy: r.created_by,
          createdAt: Number(r.created_at),
        },
      ]),
    );
    const attachments = await this.store.all<{
      name: string;
      probe: string;
      condition: string;
      runbook: string;
      created_at: number;
      created_by: string;
    }>(
      "SELECT name, probe, condition, runbook, created_at, created_by FROM runbook_attachments ORDER BY name",
    );
    this.attached = attachments.map((a) => ({
      name: a.name,
      probe: a.probe,
      condition: a.condition,
      runbook: a.runbook,
      createdBy: a.created_by,
      createdAt: Number(a.created_at),
    }));
  }

  setConfigRunbooks(runbooks: Readonly<Record<string, RunbookConfig>>): void {
    this.fromConfig = new Map(
      Object.entries(runbooks).map(([name, spec]) => [name, { name, source: "config" as const, spec }]),
    );
  }

  get(name: string): RunbookEntry | undefined {
    return this.fromConfig.get(name) ?? this.fromApi.get(name);
  }

  list(): RunbookEntry[] {
    const names = new Set([...this.fromConfig.keys(), ...this.fromApi.keys()]);
    return [...names].sort().map((n) => this.get(n) as RunbookEntry);
  }

  attachments(): readonly Attachment[] {
    return this.attached;
  }

  /** The SLOs the attachments stand for (severity warning, no siren: the run-book is the response). */
  attachedSlos(taken: ReadonlySet<string>): SloConfig[] {
    return this.attached
      .filter((a) => !taken.has(a.name))
      .map((a) => ({
        name: a.name,
        probe: a.probe,
        when: a.condition,
        no_data: "keep",
        severity: "warning",
        runbook: a.runbook,
        labels: {},
        description: `attached by ${a.createdBy}: run ${a.runbook} when ${a.condition}`,
      }));
  }
}
