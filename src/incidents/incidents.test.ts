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

const MIN = 60_000;

describe("IncidentStore", () => {
  it("opens one incident per alert episode, with the detection facts", async () => {
    const { store, incidents } = await open();
    const event = alertEvent();
    const first = await store.tx((tx) => incidents.openFor(tx, event, "pack-1", { summary: "s" }));
    expect(first.role).toBe("opened");
    expect(first.incident).toEqual({
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
      acknowledgedAt: null,
      acknowledgedBy: null,
      resolvedBy: null,
      groupKey: null,
      reopens: 0,
    });
    const again = await store.tx((tx) => incidents.openFor(tx, event, "pack-2"));
    expect(again).toEqual({ incident: first.incident, role: "existing" });
    expect(await incidents.get(first.incident.id)).toEqual(first.incident);
    expect(await incidents.get("INC-NOPE00")).toBeUndefined();
    const detail = await incidents.detail(first.incident.id);
    expect(detail?.timeline.map((e) => [e.seq, e.type, e.data.role ?? null])).toEqual([
      [1, "incident.opened", null],
      [2, "alert.firing", "opened"],
    ]);
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
    expect(await store.all("SELECT * FROM incident_events")).toEqual([]);
  });

  it("yields to an incident another node linked to the episode first, leaving no orphan", async () => {
    const { store, incidents } = await open();
    const event = alertEvent();
    const theirs = await store.tx((tx) => incidents.openFor(tx, event, "pack-1"));
    // Our reads ran before their commit: they saw no incident for the episode, nor for the SLO.
    const blind = (tx: Tx): Tx => {
      let hidden = 0;
      return {
        dialect: tx.dialect,
        lock: tx.lock,
        all: (sql, params) => tx.all(sql, params),
        run: (sql, params) => tx.run(sql, params),
        get: <T>(sql: string, params?: readonly SqlValue[]) => {
          if (hidden < 2 && (sql.includes("JOIN incidents") || sql.includes("WHERE i.slo = ?"))) {
            hidden++;
            return Promise.resolve(undefined);
          }
          return tx.get<T>(sql, params);
        },
      };
    };
    const ours = await store.tx((tx) => incidents.openFor(blind(tx), event, "pack-2"));
    expect(ours).toEqual({ incident: theirs.incident, role: "existing" });
    expect(await incidents.list()).toEqual([theirs.incident]);
  });

  it("draws another id when the first collides", async () => {
    const ids = ["INC-AAAAAA", "INC-AAAAAA", "INC-BBBBBB"];
    const { store, incidents } = await open(() => ids.shift() ?? "INC-CCCCCC");
    const a = await store.tx((tx) => incidents.openFor(tx, alertEvent({ slo: "a", alertId: "a" }), null));
    const b = await store.tx((tx) => incidents.openFor(tx, alertEvent({ slo: "b", alertId: "b" }), null));
    expect([a.incident.id, b.incident.id]).toEqual(["INC-AAAAAA", "INC-BBBBBB"]);
  });

  it("has alerts of one SLO share its open incident, which resolves with the last of them", async () => {
    const { store, incidents } = await open();
    const east = alertEvent({ alertId: "east", labels: { region: "east" } });
    const west = alertEvent({
      alertId: "west",
      labels: { region: "west" },
      at: T0 + 5000,
      firedAt: T0 + 5000,
    });
    const opened = await store.tx((tx) => incidents.openFor(tx, east, "pack-1"));
    const joined = await store.tx((tx) => incidents.openFor(tx, west, "pack-1"));
    expect(joined).toEqual({ incident: opened.incident, role: "joined" });
    const first = await store.tx((tx) => incidents.resolveFor(tx, resolvedOf(east, T0 + MIN)));
    expect(first).toMatchObject({ resolvedNow: false, incident: { state: "open" } });
    const last = await store.tx((tx) => incidents.resolveFor(tx, resolvedOf(west, T0 + 2 * MIN)));
    expect(last).toMatchObject({
      resolvedNow: true,
      incident: { state: "resolved", resolvedAt: T0 + 2 * MIN },
    });
    const again = await store.tx((tx) => incidents.resolveFor(tx, resolvedOf(west, T0 + 3 * MIN)));
    expect(again?.resolvedNow).toBe(false);
    const detail = await incidents.detail(opened.incident.id);
    expect(detail?.alerts.map((a) => [a.alertId, a.resolvedAt])).toEqual([
      ["east", T0 + MIN],
      ["west", T0 + 2 * MIN],
    ]);
    expect(detail?.timeline.map((e) => e.type)).toEqual([
      "incident.opened",
      "alert.firing",
      "alert.firing",
      "alert.resolved",
      "alert.resolved",
      "incident.resolved",
    ]);
    expect(await store.tx((tx) => incidents.resolveFor(tx, resolvedOf(alertEvent({ episode: 9 }), T0)))).toBe(
      undefined,
    );
  });

  it("groups other SLOs of a siren within the window, and only within it", async () => {
    const { store, incidents } = await open();
    const group = { key: "siren:oncall", windowMs: 30_000 };
    const a = alertEvent({ slo: "a", alertId: "a" });
    const b = alertEvent({ slo: "b", alertId: "b", at: T0 + 10_000, firedAt: T0 + 10_000 });
    const late = alertEvent({ slo: "c", alertId: "c", at: T0 + 31_000, firedAt: T0 + 31_000 });
    const first = await store.tx((tx) => incidents.openFor(tx, a, null, { group }));
    expect(first.incident.groupKey).toBe("siren:oncall");
    expect((await store.tx((tx) => incidents.openFor(tx, b, null, { group }))).role).toBe("joined");
    const third = await store.tx((tx) => incidents.openFor(tx, late, null, { group }));
    expect(third.role).toBe("opened");
    expect(third.incident.id).not.toBe(first.incident.id);
    // A report sees each alert under its own SLO and firing time, though they share an incident.
    const spans = await incidents.spans(T0 - 1, T0 + 60_000);
    expect(spans.find((x) => x.id === first.incident.id)?.alerts).toEqual([
      { slo: "a", from: T0, to: null },
      { slo: "b", from: T0 + 10_000, to: null },
    ]);
    expect(await incidents.spans(T0 + 60_000, T0 + 120_000)).toHaveLength(2);
  });

  it("reopens the SLO's incident on a re-fire within reopen_within, and opens a new one after", async () => {
    const { store, incidents } = await open();
    const firing = alertEvent();
    const opened = await store.tx((tx) => incidents.openFor(tx, firing, "pack-1"));
    await store.tx((tx) => incidents.resolveFor(tx, resolvedOf(firing, T0 + MIN)));
    const refire = alertEvent({ episode: 2, at: T0 + 5 * MIN, firedAt: T0 + 5 * MIN });
    const reopened = await store.tx((tx) =>
      incidents.openFor(tx, refire, "pack-2", { reopenWithinMs: 15 * MIN }),
    );
    expect(reopened.role).toBe("reopened");
    expect(reopened.incident).toMatchObject({
      id: opened.incident.id,
      state: "open",
      resolvedAt: null,
      episode: 2,
      policyId: "pack-2",
      reopens: 1,
    });
    await store.tx((tx) => incidents.resolveFor(tx, resolvedOf(refire, T0 + 6 * MIN)));
    const much = alertEvent({ episode: 3, at: T0 + 30 * MIN, firedAt: T0 + 30 * MIN });
    const fresh = await store.tx((tx) => incidents.openFor(tx, much, null, { reopenWithinMs: 15 * MIN }));
    expect(fresh.role).toBe("opened");
    expect(fresh.incident.id).not.toBe(opened.incident.id);
  });

  it("acknowledges and resolves by hand once, naming who, and refuses what makes no sense", async () => {
    const { store, incidents } = await open();
    const { incident } = await store.tx((tx) => incidents.openFor(tx, alertEvent(), null));
    const acked = await store.tx((tx) => incidents.acknowledge(tx, incident.id, "alice", T0 + 1000));
    expect(acked).toMatchObject({
      state: "acknowledged",
      acknowledgedBy: "alice",
      acknowledgedAt: T0 + 1000,
    });
    await expect(
      store.tx((tx) => incidents.acknowledge(tx, incident.id, "bob", T0 + 2000)),
    ).rejects.toMatchObject({
      code: "conflict",
      message: expect.stringContaining("already acknowledged by alice"),
    });
    expect(await incidents.list({ active: true })).toHaveLength(1);
    expect(await incidents.countActive()).toBe(1);
    const done = await store.tx((tx) => incidents.resolveByHand(tx, incident.id, "bob", T0 + 3000));
    expect(done).toMatchObject({ state: "resolved", resolvedBy: "bob", resolvedAt: T0 + 3000 });
    await expect(
      store.tx((tx) => incidents.acknowledge(tx, incident.id, "bob", T0 + 4000)),
    ).rejects.toMatchObject({
      code: "conflict",
    });
    await expect(store.tx((tx) => incidents.resolveByHand(tx, incident.id, "bob", T0))).rejects.toMatchObject(
      {
        code: "conflict",
      },
    );
    await expect(store.tx((tx) => incidents.acknowledge(tx, "INC-NOPE00", "bob", T0))).rejects.toMatchObject({
      code: "not_found",
    });
    const timeline = (await incidents.detail(incident.id))?.timeline ?? [];
    expect(timeline.filter((e) => e.actor).map((e) => [e.type, e.actor])).toEqual([
      ["incident.acknowledged", "alice"],
      ["incident.resolved", "bob"],
    ]);
    expect(await incidents.countActive()).toBe(0);
  });

  it("keeps the first evidence packet of an episode", async () => {
    const { store, incidents } = await open();
    const event = alertEvent();
    const { incident } = await store.tx((tx) => incidents.openFor(tx, event, null));
    const packet = (n: number) => ({ alertId: event.alertId, episode: 1, capturedAt: T0 + n, packet: { n } });
    await store.tx((tx) => incidents.addEvidence(tx, incident.id, packet(1)));
    await store.tx((tx) => incidents.addEvidence(tx, incident.id, packet(2)));
    expect((await incidents.detail(incident.id))?.evidence).toEqual([packet(1)]);
  });
});
