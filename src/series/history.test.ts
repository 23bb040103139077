import fs from "node:fs";
import { describe, expect, it } from "vitest";
import type { Store, Tx } from "../store/index.js";
import { DAY, HOUR, MIN, openSeries, probeResult, rng, T0 } from "./harness.case.js";
import type { SeriesStore } from "./series-store.js";

async function count(store: Store, table: string): Promise<number> {
  const row = await store.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`);
  return row?.n ?? 0;
}

/** Appends `n` probe results every `interval` ms from `start`, latencies exact to the µs. */
function feed(series: SeriesStore, probe: string, start: number, n: number, interval: number, seed = 1) {
  const rand = rng(seed);
  const sent: { ts: number; latency: number; ok: number }[] = [];
  for (let i = 0; i < n; i++) {
    const ts = start + i * interval;
    const latency = Math.round((50 + rand() * 100) * 1000) / 1000;
    const ok = rand() < 0.1 ? 0 : 1;
    series.append(probeResult(probe, ts, latency, ok));
    sent.push({ ts, latency, ok });
  }
  return sent;
}

describe("durable history", () => {
  it("serves unflushed, in-flight and flushed samples exactly once, and after a restart", async () => {
    const h = await openSeries();
    const start = h.clock.now() - 20 * MIN;
    const sent = feed(h.series, "p", start, 40, 30_000);
    const expected = sent.map((s) => ({ ts: s.ts, value: s.latency }));
    const q = { metric: "latency", match: { probe: "p" }, from: start, to: h.clock.now() };

    expect((await h.series.range(q))[0]?.points).toEqual(expected); // buffer only
    const flushing = h.series.flush();
    expect((await h.series.range(q))[0]?.points).toEqual(expected); // in flight
    await flushing;
    expect(await count(h.store, "series_chunks")).toBeGreaterThan(0);
    expect((await h.series.range(q))[0]?.points).toEqual(expected); // flushed

    const h2 = await h.reopen();
    const after = await h2.series.range(q);
    expect(after).toEqual([{ metric: "latency", labels: { probe: "p" }, points: expected }]);
  });

  it("keeps samples of a failed flush buffered and readable, and writes them once on retry", async () => {
    const h = await openSeries();
    let failing = true;
    const flaky: Store = {
      dialect: h.store.dialect,
      all: (sql, params) => h.store.all(sql, params),
      get: (sql, params) => h.store.get(sql, params),
      run: (sql, params) => h.store.run(sql, params),
      migrate: (m) => h.store.migrate(m),
      close: () => h.store.close(),
      tx: <T>(fn: (tx: Tx) => Promise<T>) =>
        failing ? Promise.reject(new Error("disk full")) : h.store.tx(fn),
    };
    const { createSeriesStore } = await import("./series-store.js");
    const series = createSeriesStore({ store: flaky, clock: h.clock, hotWindowMs: HOUR });
    await series.start();
    const start = h.clock.now() - 10 * MIN;
    const sent = feed(series, "p", start, 10, 30_000);
    await expect(series.flush()).rejects.toThrow("disk full");
    feed(series, "p", start + 10 * 30_000, 2, 30_000, 2);
    const q = { metric: "ok", from: start, to: h.clock.now() };
    expect((await series.range(q))[0]?.points).toHaveLength(12);
    expect(series.stats().unflushedSamples).toBe(36);

    failing = false;
    await series.flush();
    expect(series.stats().unflushedSamples).toBe(0);
    const points = (await series.range(q))[0]?.points ?? [];
    expect(points.map((p) => p.ts)).toEqual([...sent.map((s) => s.ts), start + 300_000, start + 330_000]);
    expect(await count(h.store, "series")).toBe(3);
    await series.close();
  });

  it("never writes a chunk across a UTC day boundary, nor merges across one", async () => {
    const h = await openSeries();
    const midnight = Math.floor(h.clock.now() / DAY) * DAY;
    h.clock.advance(HOUR);
    for (let m = 0; m < 8; m++) {
      feed(h.series, "p", midnight - 4 * MIN + 15_000 + m * MIN, 3, 30_000, m); // the 4th straddles midnight
      await h.series.flush();
    }
    await h.series.maintain();
    const rows = await h.store.all<{ t0: number; t1: number }>(
      "SELECT t0, t1 FROM series_chunks ORDER BY t0",
    );
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const r of rows) expect(Math.floor(r.t0 / DAY)).toBe(Math.floor(r.t1 / DAY));
    const [got] = await h.series.range({ metric: "ok", from: midnight - HOUR, to: midnight + HOUR });
    expect(got?.points).toHaveLength(24);
  });

  it("merges small flush chunks into few deflated ones without changing what is read", async () => {
    const h = await openSeries();
    const start = h.clock.now() - 2 * HOUR;
    for (let m = 0; m < 120; m++) {
      feed(h.series, "p", start + m * MIN, 2, 30_000, m);
      await h.series.flush();
    }
    const q = { metric: "latency", from: start, to: h.clock.now() };
    const before = await h.series.range(q);
    expect(await count(h.store, "series_chunks")).toBe(120);
    const report = await h.series.maintain();
    expect(report.merged).toBeGreaterThan(30);
    expect(await count(h.store, "series_chunks")).toBeLessThanOrEqual(8);
    expect(await h.series.range(q)).toEqual(before);
    expect(before[0]?.points).toHaveLength(240);
  });
});

describe("precision", () => {
  it("keeps ms timings to the µs, exact decimals exactly, and other noise to 6 significant digits", async () => {
    const h = await openSeries({ precision: { cost_usd: 0.01 } });
    const now = h.clock.now();
    const labels = { probe: "p" };
    const sent = (metric: string, value: number) => ({ metric, labels, value, ts: now - 1000 });
    h.series.append([
      sent("dns_ms", 1.23456789),
      sent("latency", 123.4564999),
      sent("ratio", 0.000123456789),
      sent("count", 12_345_678_901),
      sent("cost_usd", 40_000.256),
      sent("exact", 0.125),
    ]);
    await h.series.flush();
    await h.series.maintain();
    const h2 = await h.reopen();
    const read = async (metric: string) =>
      (await h2.series.range({ metric, from: now - MIN, to: now }))[0]?.points[0]?.value;
    expect(await read("dns_ms")).toBe(1.235);
    expect(await read("latency")).toBe(123.456);
    expect(await read("ratio")).toBe(0.000123457);
    expect(await read("count")).toBe(12_345_678_901);
    expect(await read("cost_usd")).toBe(40_000.26);
    expect(await read("exact")).toBe(0.125);
  });
});

describe("range", () => {
  it("answers short ranges from raw samples and buckets them by step", async () => {
    const h = await openSeries();
    const start = Math.floor((h.clock.now() - HOUR) / HOUR) * HOUR;
    const sent = feed(h.series, "p", start, 120, 30_000);
    const raw = await h.series.range({ metric: "latency", from: start, to: start + HOUR });
    expect(raw[0]?.points).toHaveLength(120);
    const stepped = await h.series.range({
      metric: "latency",
      from: start,
      to: start + HOUR,
      step: 10 * MIN,
    });
    const points = stepped[0]?.points ?? [];
    expect(points).toHaveLength(6);
    const first = sent.slice(0, 20).map((s) => s.latency);
    expect(points[0]).toEqual({
      ts: start,
      value: first.reduce((a, b) => a + b, 0) / 20,
      min: Math.min(...first),
      max: Math.max(...first),
      count: 20,
    });
  });

  it("caps the points per series by widening the step", async () => {
    const h = await openSeries({ tuning: { maxPoints: 50 } });
    const start = h.clock.now() - HOUR;
    feed(h.series, "p", start, 360, 10_000);
    const [got] = await h.series.range({ metric: "ok", from: start, to: start + HOUR });
    expect(got?.points.length).toBeLessThanOrEqual(50);
    expect(got?.points.reduce((n, p) => n + (p.count ?? 0), 0)).toBe(360);
  });

  it("answers long ranges from minute rollups, also once raw chunks are gone", async () => {
    const h = await openSeries({ tuning: { rollupAgeMs: 0 } });
    const start = Math.floor(h.clock.now() / HOUR) * HOUR;
    h.clock.advance(4 * HOUR);
    const sent = feed(h.series, "p", start, 3 * 120, 30_000); // 3 h at 30 s
    const q0 = { metric: "latency", match: { probe: "p" }, from: start - HOUR, to: start + 8 * HOUR };
    const fromRaw = await h.series.range(q0); // nothing rolled up yet: minutes computed from raw
    await h.series.flush();
    await h.series.maintain();
    expect(await count(h.store, "series_rollups")).toBe(1); // one row per chunk group and day

    const q = { metric: "latency", match: { probe: "p" }, from: start - HOUR, to: start + 8 * HOUR };
    const fromRollups = await h.series.range(q);
    expect(fromRollups).toEqual(fromRaw);
    await h.store.run("DELETE FROM series_chunks");
    expect(await h.series.range(q)).toEqual(fromRollups);
    const minutes = fromRollups[0]?.points ?? [];
    expect(minutes).toHaveLength(180);
    const m0 = sent.slice(0, 2).map((s) => s.latency);
    expect(minutes[0]).toEqual({
      ts: start,
      value: (m0[0]! + m0[1]!) / 2,
      min: Math.min(...m0),
      max: Math.max(...m0),
      count: 2,
    });
    const hourly = await h.series.range({ ...q, step: HOUR });
    expect(hourly[0]?.points.map((p) => p.count)).toEqual([120, 120, 120]);
    const oks = await h.series.range({ metric: "ok", from: q.from, to: q.to, step: HOUR });
    const good = sent.slice(0, 120).filter((s) => s.ok === 1).length;
    expect(oks[0]?.points[0]?.value).toBeCloseTo(good / 120, 12);
    // The short range over the same data is raw, and the raw chunks are gone.
    expect((await h.series.range({ ...q, from: start, to: start + HOUR }))[0]?.points).toEqual([]);
  });

  it("recomputes an hour's rollup when a late sample arrives for it", async () => {
    const h = await openSeries({ tuning: { rollupAgeMs: 0 } });
    const start = Math.floor(h.clock.now() / HOUR) * HOUR;
    h.clock.advance(2 * HOUR);
    feed(h.series, "p", start, 120, 30_000);
    await h.series.flush();
    await h.series.maintain();
    const q = { metric: "ok", from: start, to: start + 12 * HOUR, step: HOUR };
    expect((await h.series.range(q))[0]?.points[0]?.count).toBe(120);

    h.series.append([{ metric: "ok", labels: { probe: "p" }, value: 1, ts: start + 15_000 }]);
    // Before the flush it is read from memory; after the flush, from raw until recomputed.
    expect((await h.series.range(q))[0]?.points[0]?.count).toBe(121);
    await h.series.flush();
    expect((await h.series.range(q))[0]?.points[0]?.count).toBe(121);
    await h.series.maintain();
    await h.store.run("DELETE FROM series_chunks");
    expect((await h.series.range(q))[0]?.points[0]?.count).toBe(121);
  });

  it("filters by match and returns nothing for an unknown metric", async () => {
    const h = await openSeries();
    const now = h.clock.now();
    h.series.append([...probeResult("a", now - 1000, 1), ...probeResult("b", now - 1000, 2)]);
    const both = await h.series.range({ metric: "latency", from: now - MIN, to: now });
    expect(both.map((s) => s.labels.probe)).toEqual(["a", "b"]);
    const one = await h.series.range({ metric: "latency", match: { probe: "b" }, from: now - MIN, to: now });
    expect(one).toEqual([
      { metric: "latency", labels: { probe: "b" }, points: [{ ts: now - 1000, value: 2 }] },
    ]);
    expect(await h.series.range({ metric: "nope", from: 0, to: now })).toEqual([]);
  });
});

describe("totals", () => {
  it("sums and counts over [from, to) from rollups, raw edges and unrolled hours alike", async () => {
    const h = await openSeries({ tuning: { rollupAgeMs: 90 * MIN } });
    const start = Math.floor(h.clock.now() / HOUR) * HOUR;
    h.clock.advance(5 * HOUR + 55 * MIN); // hours 0-3 roll up; 4 and 5 stay raw
    const sent = feed(h.series, "p", start, 6 * 120 - 10, 30_000, 9);
    await h.series.flush();
    await h.series.maintain();
    expect(await count(h.store, "series_rollups")).toBe(1);
    const id = h.series.find("ok", { probe: "p" })[0]!.id;
    const latency = h.series.find("latency", { probe: "p" })[0]!.id;
    const rand = rng(11);
    for (let k = 0; k < 25; k++) {
      const from = start + Math.floor(rand() * 6 * HOUR) - 7_777;
      const to = from + Math.floor(rand() * 4 * HOUR);
      const inside = sent.filter((s) => s.ts >= from && s.ts < to);
      const got = await h.series.totals(id, from, to);
      expect(got).toEqual({ count: inside.length, sum: inside.filter((s) => s.ok === 1).length });
      const lat = await h.series.totals(latency, from, to);
      expect(lat.count).toBe(inside.length);
      expect(lat.sum).toBeCloseTo(
        inside.reduce((a, s) => a + s.latency, 0),
        6,
      );
    }
    expect(await h.series.totals(id, start, start)).toEqual({ count: 0, sum: 0 });
    expect(await h.series.totals(99_999, start, start + HOUR)).toEqual({ count: 0, sum: 0 });
  });
});

describe("retention", () => {
  it("drops raw chunks past raw retention once rolled up, and rollups past rollup retention, in batches", async () => {
    const h = await openSeries({
      retention: { rawMs: DAY, rollupMs: 3 * DAY },
      // Every flush chunk stays its own row; rollups are written only after two days.
      tuning: { maxChunkSamples: 4, retentionEveryMs: 0, rollupAgeMs: 2 * DAY },
    });
    const start = Math.floor(h.clock.now() / HOUR) * HOUR;
    for (let f = 0; f < 5; f++) {
      for (let p = 0; p < 250; p++) h.series.append(probeResult(`p${p}`, start + f * MIN, 1));
      await h.series.flush();
    }
    expect(await count(h.store, "series_chunks")).toBe(1250);

    h.clock.advance(DAY + 2 * HOUR);
    await h.series.maintain();
    // Past raw retention, but not rolled up yet: raw stays.
    expect(await count(h.store, "series_rollups")).toBe(0);
    expect(await count(h.store, "series_chunks")).toBe(1250);

    h.clock.advance(DAY);
    await h.series.maintain();
    expect(await count(h.store, "series_rollups")).toBe(250);
    expect(await count(h.store, "series_chunks")).toBe(0);
    const long = await h.series.range({ metric: "ok", from: start, to: start + 2 * DAY, step: HOUR });
    expect(long).toHaveLength(250);
    expect(long[0]?.points).toEqual([{ ts: start, value: 1, min: 1, max: 1, count: 5 }]);

    h.clock.advance(3 * DAY);
    await h.series.maintain();
    expect(await count(h.store, "series_rollups")).toBe(0);
  });
});

describe("bytes on disk", () => {
  it("stays compact: well under 30 bytes per http probe result of 8 metrics", async () => {
    const h = await openSeries({
      precision: { latency: 0.001, dns: 0.001, connect: 0.001, tls: 0.001, ttfb: 0.001, transfer: 0.001 },
    });
    await h.store.run("PRAGMA wal_checkpoint(TRUNCATE)");
    const before = fs.statSync(h.file).size;
    const rand = rng(21);
    const probes = 40;
    const results = 720;
    const start = h.clock.now();
    const labels = Array.from({ length: probes }, (_, p) => ({ probe: `probe-${p}` }));
    const base = labels.map(() => [
      0.5 + rand(),
      2 + rand() * 3,
      8 + rand() * 10,
      30 + rand() * 100,
      1 + rand(),
    ]);
    for (let i = 0; i < results; i++) {
      const slot = start + i * 30_000;
      h.clock.advance(30_000);
      for (let p = 0; p < probes; p++) {
        const ts = slot + Math.floor(rand() * 15);
        const phases = (base[p] as number[]).map((b) => b * (0.8 + rand() * 0.4) + rand() * 1e-9);
        const latency = phases.reduce((a, b) => a + b, 0);
        const l = labels[p] as { probe: string };
        h.series.append([
          { metric: "latency", labels: l, value: latency, ts },
          { metric: "ok", labels: l, value: 1, ts },
          { metric: "status", labels: l, value: 200, ts },
          ...["dns", "connect", "tls", "ttfb", "transfer"].map((metric, k) => ({
            metric,
            labels: l,
            value: phases[k] as number,
            ts,
          })),
        ]);
      }
      if (i % 2 === 1) {
        await h.series.flush();
        await h.series.maintain();
      }
    }
    await h.series.flush();
    await h.series.maintain();
    await h.store.run("PRAGMA wal_checkpoint(TRUNCATE)");
    const perResult = (fs.statSync(h.file).size - before) / (probes * results);
    expect(perResult).toBeLessThanOrEqual(30);
    expect(perResult).toBeGreaterThan(5); // the measurement measures something
  }, 60_000);
});

describe("warm-up", () => {
  it("fills demanded hot windows from durable history after a restart", async () => {
    const h = await openSeries();
    const start = h.clock.now();
    h.clock.advance(HOUR);
    const sent = feed(h.series, "p", start, 120, 30_000, 3); // the last hour
    feed(h.series, "q", start, 120, 30_000, 4);
    const h2 = await h.reopen(); // flushes; the new store's memory is empty
    h2.series.demand("latency", HOUR);
    h2.series.demand("ok", 10 * MIN);
    const next = probeResult("p", h2.clock.now(), 777);
    h2.series.append(next);
    const lat = h2.series.find("latency", { probe: "p" })[0]!.id;
    const ok = h2.series.find("ok", { probe: "p" })[0]!.id;
    const window = (id: number, from: number) => {
      const w = h2.series.window(id, from, h2.clock.now());
      const out: number[] = [];
      for (let i = w.start; i < w.end; i++) out.push(w.values[i % w.values.length] as number);
      return out;
    };
    expect(window(lat, 0)).toEqual([777]);

    expect(await h2.series.warm()).toBe(4); // latency and ok of p and q
    const now = h2.clock.now();
    // Samples within an hour of the newest: the one at exactly an hour back is out.
    expect(window(lat, 0)).toEqual([...sent.slice(1).map((s) => s.latency), 777]);
    expect(window(ok, now - 10 * MIN).filter((v) => !Number.isNaN(v))).toEqual([
      ...sent.slice(-19).map((s) => s.ok), // from < ts: the one exactly 10 min back is out
      1,
    ]);
    expect(h2.series.last(lat)).toEqual({ ts: now, value: 777 });
    // Warming again adds nothing; appends go on as before.
    expect(await h2.series.warm()).toBe(0);
    h2.clock.advance(1000);
    h2.series.append(probeResult("p", now + 1000, 778));
    expect(window(lat, now - 1)).toEqual([777, 778]);
  });
});

describe("start", () => {
  it("resumes flush sequence numbers after a restart, so old in-memory tags never hide new rows", async () => {
    const h = await openSeries();
    const now = h.clock.now();
    h.series.append(probeResult("a", now - 2000, 1));
    await h.series.flush();
    const h2 = await h.reopen();
    h2.series.append(probeResult("a", now - 1000, 2));
    await h2.series.flush();
    const seqs = await h2.store.all<{ seq: number }>("SELECT seq FROM series_chunks ORDER BY seq");
    expect(seqs.map((r) => r.seq)).toEqual([1, 2]);
    const [got] = await h2.series.range({ metric: "latency", from: now - MIN, to: now });
    expect(got?.points.map((p) => p.value)).toEqual([1, 2]);
  });

  it("flushes early once the samples waiting pass flushAtSamples", async () => {
    const h = await openSeries({ tuning: { flushAtSamples: 90 } });
    const start = h.clock.now() - HOUR;
    feed(h.series, "p", start, 20, 1000); // 60 samples: below
    await new Promise((r) => setTimeout(r, 20));
    expect(await count(h.store, "series_chunks")).toBe(0);
    feed(h.series, "p", start + 20_000, 10, 1000); // 90
    await new Promise((r) => setTimeout(r, 20));
    expect(await count(h.store, "series_chunks")).toBe(1);
    expect(h.series.stats().unflushedSamples).toBe(0);
  });

  it("flushes on its timer", async () => {
    const h = await openSeries({ flushIntervalMs: 10_000 });
    h.series.append(probeResult("a", h.clock.now(), 1));
    h.clock.advance(10_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(await count(h.store, "series_chunks")).toBe(1);
    expect(T0).toBeLessThan(h.clock.now());
  });
});
