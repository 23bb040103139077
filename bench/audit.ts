import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type AuditLog, auditMigrations, createAuditLog } from "../src/audit/index.js";
import { systemClock } from "../src/core/clock.js";
import type { Store } from "../src/store/index.js";
import { openSqliteStore } from "../src/store/sqlite/index.js";
import { atLeast, type BenchResult } from "./lib.js";

/** Appends timed per figure; every one is its own transaction, as real actions do. */
const APPENDS = 40_000;
/** Actions in flight at once (HTTP requests, rule engine, dispatch): what group commit serves. */
const CONCURRENT_CALLERS = 32;
/** The verify figure is timed over a chain at least this long. */
const VERIFY_ENTRIES = 200_000;
/** Filling the rest of the chain is not what is measured, so it goes many entries per transaction. */
const FILL_BATCH = 10_000;

const entry = (i: number) => ({
  actor: "admin",
  action: "incident.ack",
  subject: `incident:${i}`,
  data: { incident: i, state: "acknowledged", note: "paged on-call, investigating", token: "s3cret" },
});

/** `callers` loops, each awaiting its own one-entry transactions back to back; returns entries/s. */
async function appendRate(store: Store, audit: AuditLog, callers: number): Promise<number> {
  const perCaller = Math.ceil(APPENDS / callers);
  const start = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async (_, c) => {
      for (let i = 0; i < perCaller; i++) await store.tx((tx) => audit.append(tx, entry(c * perCaller + i)));
    }),
  );
  return Math.round((callers * perCaller) / ((performance.now() - start) / 1000));
}

/**
 * Audit throughput on a real temp SQLite file (WAL, synchronous=NORMAL, as in production), through
 * the full Store and AuditLog path. Append: one entry per transaction (read head, hash, insert,
 * move head, commit), by concurrent callers (the production shape, where transactions queued
 * behind each other share a group commit) and by a lone caller (the latency floor: one COMMIT per
 * entry). Verify: streaming and re-hashing a chain of at least 200,000 entries.
 */
export async function run(): Promise<BenchResult[]> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "hms-ops-bench-audit-"));
  let store: Store | undefined;
  try {
    store = await openSqliteStore({ file: path.join(dir, "ops.db") });
    await store.migrate(auditMigrations);
    const audit = createAuditLog(store, systemClock);
    const s = store;

    const concurrent = await appendRate(s, audit, CONCURRENT_CALLERS);
    const lone = await appendRate(s, audit, 1);

    for (let filled = (await audit.head()).seq; filled < VERIFY_ENTRIES; filled += FILL_BATCH) {
      await s.tx(async (tx) => {
        for (let i = 0; i < FILL_BATCH; i++) await audit.append(tx, entry(filled + i));
      });
    }
    const verifyStart = performance.now();
    const result = await audit.verify();
    const verifySeconds = (performance.now() - verifyStart) / 1000;
    if (!result.ok || result.entries < VERIFY_ENTRIES) {
      throw new Error(`bench chain failed verification: ${JSON.stringify(result)}`);
    }

    return [
      atLeast(
        `audit append, one transaction each, ${CONCURRENT_CALLERS} concurrent callers`,
        concurrent,
        "entries/s",
        20_000,
      ),
      // Informational, with a regression floor: a lone caller pays a whole COMMIT (WAL writes) per
      // entry, which no statement-level work can hide; group commit is what reaches the target.
      atLeast("audit append, one transaction each, lone caller", lone, "entries/s", 2_500),
      atLeast(
        `audit verify over ${result.entries} entries`,
        Math.round(result.entries / verifySeconds),
        "entries/s",
        200_000,
      ),
    ];
  } finally {
    await store?.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
}
