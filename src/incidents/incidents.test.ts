import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../core/clock.js";
import { alertEvent, resolvedOf, T0 } from "../sirens/fixtures.case.js";
import type { SqlValue, Store, Tx } from "../store/index.js";
import { openSqliteStore } from "../store/sqlite/index.js";
import {
  createIncidentStore,
  INCIDENT_ID_PATTERN,
  type IncidentStore,
  incidentMigrations,
  incidentUrl,
  newIncidentId,
} from "./index.js";

const dirs: string[] = [];
const stores: Store[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })));
});

async function open(newId?: () => string): Promise<{ store: Store; incidents: IncidentStore }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "hms-ops-incidents-"));
  dirs.push(dir);
  const store = await openSqliteStore({ file: path.join(dir, "ops.db") });
  stores.push(store);
  await store.migrate(incidentMigrations);
  const clock = new FakeClock(T0);
  return { store, incidents: createIncidentStore({ store, clock, ...(newId ? { newId } : {}) }) };
}

describe("incident ids and urls", () => {
  it("draws INC- plus 6 characters of the unambiguous alphabet", () => {
    const ids = new Set(Array.from({ length: 2000 }, () => newIncidentId()));
    expect(ids.size).toBeGreaterThan(1990);
    for (const id of ids) {
      expect(id).toMatch(INCIDENT_ID_PATTERN);
      expect(id.slice(4)).not.toMatch(/[ILOU]/);
    }
  });

  it("links to the board under the base URL", () => {
    expect(incidentUrl("http://ops.example", "INC-7K3QZ9")).toBe("http://ops.example/incidents/INC-7K3QZ9");
    expect(incidentUrl("http://ops.example/base/", "INC-7K3QZ9")).toBe(
      "http://ops.example/base/incidents/INC-7K3QZ9",
    );
  });
});

describe("IncidentStore", () => {
  it("opens one incident per alert episode, with the detection facts", async () => {
    const { store, incidents } = await open();
    const event = alertEvent();
    const opened = await store.tx((tx) => incidents.openFor(tx, event, "pack-1", { summary: "s" }));
    expect(opened).toEqual({
      id: expect.stringMatching(INCIDENT_ID_PATTERN),
      slo: "irs-login-latency",
      probe: "irs-login",
      alertId: event.alertId,
      episode: 1,
      severity: "page",
      state: "open",
      openedAt: T0,
      resolvedAt: null,
      policyId: "pack-1",
      labels: event.labels,
      title: "irs-login-latency: latency > 250ms for 2s",
      summary: "s",
    });
    const again = await store.tx((tx) => incidents.openFor(tx, event, "pack-2"));
    expect(again).toEqual(opened);
    const next = await store.tx((tx) => incidents.openFor(tx, alertEvent({ episode: 2 }), "pack-2"));
    expect(next.id).not.toBe(opened.id);
    expect(await incidents.list()).toHaveLength(2);
    expect(await incidents.get(opened.id)).toEqual(opened);
    expect(await incidents.get("INC-NOPE00")).toBeUndefined();
  });

  it("leaves nothing behind when the surrounding transaction rolls back", async () => {
    const { store, incidents } = await open();
    await expect(
      store.tx(async (tx) => {
        await incidents.openFor(tx, alertEvent(), "pack-1");
        throw new Error("engine failed");
      }),
    ).rejects.toThrow("engine failed");
    expect(await incidents.list()).toEqual([]);
    expect(await store.all("SELECT * FROM incident_alerts")).toEqual([]);
  });

  it("yields to an incident another node linked to the episode first, leaving no orphan", async () => {
    const { store, incidents } = await open();
    const event = alertEvent();
    const theirs = await store.tx((tx) => incidents.openFor(tx, event, "pack-1"));
    // Our read ran before their commit: it saw no incident for the episode.
    const blind = (tx: Tx): Tx => {
      let hidden = false;
      return {
        dialect: tx.dialect,
        lock: tx.lock,
        all: (sql, params) => tx.all(sql, params),
        run: (sql, params) => tx.run(sql, params),
        get: <T>(sql: string, params?: readonly SqlValue[]) => {
          if (!hidden && sql.includes("JOIN incidents")) {
            hidden = true;
            return Promise.resolve(undefined);
          }
          return tx.get<T>(sql, params);
        },
      };
    };
    const ours = await store.tx((tx) => incidents.openFor(blind(tx), event, "pack-2"));
    expect(ours).toEqual(theirs);
    expect(await incidents.list()).toEqual([theirs]);
  });

  it("draws another id when the first collides", async () => {
    const ids = ["INC-AAAAAA", "INC-AAAAAA", "INC-BBBBBB"];
    const { store, incidents } = await open(() => ids.shift() ?? "INC-CCCCCC");
    const a = await store.tx((tx) => incidents.openFor(tx, alertEvent({ alertId: "a" }), null));
    const b = await store.tx((tx) => incidents.openFor(tx, alertEvent({ alertId: "b" }), null));
    expect([a.id, b.id]).toEqual(["INC-AAAAAA", "INC-BBBBBB"]);
  });

  it("resolves once, at the resolve time, and lists by state", async () => {
    const { store, incidents } = await open();
    const firing = alertEvent();
    const other = await store.tx((tx) => incidents.openFor(tx, alertEvent({ alertId: "other" }), null));
    const opened = await store.tx((tx) => incidents.openFor(tx, firing, "pack-1"));
    const resolved = await store.tx((tx) => incidents.resolveFor(tx, resolvedOf(firing, T0 + 60_000)));
    expect(resolved).toMatchObject({ id: opened.id, state: "resolved", resolvedAt: T0 + 60_000 });
    const twice = await store.tx((tx) => incidents.resolveFor(tx, resolvedOf(firing, T0 + 99_000)));
    expect(twice?.resolvedAt).toBe(T0 + 60_000);
    expect((await incidents.list({ state: "open" })).map((i) => i.id)).toEqual([other.id]);
    expect((await incidents.list({ state: "resolved" })).map((i) => i.id)).toEqual([opened.id]);
    expect(await store.tx((tx) => incidents.resolveFor(tx, resolvedOf(alertEvent({ episode: 9 }), T0)))).toBe(
      undefined,
    );
  });

  it("keeps an incident with several alerts open until the last one resolves", async () => {
    const { store, incidents } = await open();
    const first = alertEvent({ alertId: "a" });
    const second = alertEvent({ alertId: "b" });
    const incident = await store.tx((tx) => incidents.openFor(tx, first, null));
    // Grouping (next issue) links a second alert to the same incident; the table already allows it.
    await store.run(
      "INSERT INTO incident_alerts (incident_id, alert_id, episode, linked_at) VALUES (?, ?, ?, ?)",
      [incident.id, "b", 1, T0],
    );
    expect(await store.tx((tx) => incidents.resolveFor(tx, resolvedOf(first, T0 + 1000)))).toMatchObject({
      state: "open",
    });
    expect(await store.tx((tx) => incidents.resolveFor(tx, resolvedOf(second, T0 + 2000)))).toMatchObject({
      id: incident.id,
      state: "resolved",
      resolvedAt: T0 + 2000,
    });
  });
});
