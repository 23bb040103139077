/**
 * The set of probes: those in ops.yml plus those registered at run time through the API
 * (persisted in the store). Config probes win names: an API probe may not shadow one.
 * On several nodes, each node refreshes an API probe when the bus says it changed.
 */
import type { ProbeConfig } from "../config/index.js";
import { probeSchema } from "../config/index.js";
import type { Migration, SqlExecutor, Store } from "../store/index.js";

export type ProbeSource = "config" | "api";

export interface ProbeEntry {
  name: string;
  source: ProbeSource;
  spec: ProbeConfig;
  createdBy?: string;
  createdAt?: number;
}

declare module "../bus/index.js" {
  interface BusTopics {
    "probes.changed": { name: string; op: "registered" | "removed" };
  }
}

export const probeMigrations: Migration[] = [
  {
    module: "probes",
    version: 1,
    name: "api probes",
    sql: `CREATE TABLE api_probes (
      name TEXT PRIMARY KEY,
      spec TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      created_by TEXT NOT NULL
    )`,
  },
];

interface ApiProbeRow {
  name: string;
  spec: string;
  created_at: number;
  created_by: string;
}

/** Told after the probe set changed (a config reload, or an API probe registered or removed). */
export type ProbeCatalogListener = (probes: ProbeEntry[]) => void;

export class ProbeCatalog {
  private fromConfig = new Map<string, ProbeEntry>();
  private fromApi = new Map<string, ProbeEntry>();
  private listeners = new Set<ProbeCatalogListener>();

  constructor(private readonly store: Store) {}

  async load(): Promise<void> {
    const rows = await this.store.all<ApiProbeRow>(
      "SELECT name, spec, created_at, created_by FROM api_probes",
    );
    this.fromApi = new Map(rows.map((r) => [r.name, toEntry(r)]));
    this.changed();
  }

  setConfigProbes(probes: readonly ProbeConfig[]): void {
    this.fromConfig = new Map(probes.map((spec) => [spec.name, { name: spec.name, source: "config", spec }]));
    this.changed();
  }

  /** Re-reads one API probe (after a change made here or on another node). */
  async refresh(name: string, db: SqlExecutor = this.store): Promise<void> {
    const row = await db.get<ApiProbeRow>(
      "SELECT name, spec, created_at, created_by FROM api_probes WHERE name = ?",
      [name],
    );
    if (row) this.fromApi.set(name, toEntry(row));
    else this.fromApi.delete(name);
    this.changed();
  }

  /**
   * Calls `listener` with the whole probe list after every change (the scheduler and the heartbeat
   * monitor diff it themselves). Returns the function that unsubscribes.
   */
  onChange(listener: ProbeCatalogListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get(name: string): ProbeEntry | undefined {
    return this.fromConfig.get(name) ?? this.fromApi.get(name);
  }

  list(): ProbeEntry[] {
    const all = [...this.fromConfig.values()];
    for (const entry of this.fromApi.values()) if (!this.fromConfig.has(entry.name)) all.push(entry);
    return all.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  count(source: ProbeSource): number {
    return source === "config" ? this.fromConfig.size : this.fromApi.size;
  }

  private changed(): void {
    if (this.listeners.size === 0) return;
    const probes = this.list();
    for (const listener of this.listeners) listener(probes);
  }
}

function toEntry(row: ApiProbeRow): ProbeEntry {
  // Stored specs were validated on the way in; parsing again applies defaults added since.
  const spec = probeSchema.parse(JSON.parse(row.spec)) as ProbeConfig;
  return { name: row.name, source: "api", spec, createdBy: row.created_by, createdAt: row.created_at };
}
