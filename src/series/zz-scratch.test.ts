import fs from "node:fs";
import { it } from "vitest";
import { openSeries, rng } from "./harness.case.js";

it("scratch bytes", async () => {
  const h = await openSeries({
    precision: { latency: 0.001, dns: 0.001, connect: 0.001, tls: 0.001, ttfb: 0.001, transfer: 0.001 },
    tuning: { maxChunkSamples: Number(process.env.MAXC ?? 16384) },
  });
  await h.store.run("PRAGMA wal_checkpoint(TRUNCATE)");
  const before = fs.statSync(h.file).size;
  const rand = rng(21);
  const probes = Number(process.env.PROBES ?? 40);
  const results = Number(process.env.RESULTS ?? 720);
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
  const n = probes * results;
  console.log("file B/result", (fs.statSync(h.file).size - before) / n);
  const rows = await h.store.all<{ name: string; pages: number; used: number; unused: number }>(
    "SELECT name, COUNT(*) AS pages, SUM(pgsize) AS size, SUM(payload) AS used, SUM(unused) AS unused FROM dbstat GROUP BY name ORDER BY size DESC",
  );
  for (const r of rows) console.log(JSON.stringify(r), "B/result", ((r as any).size / n).toFixed(2));
  const pt = await h.store.all(
    "SELECT pagetype, COUNT(*) AS pages, SUM(payload) AS used, SUM(unused) AS unused, SUM(ncell) AS cells FROM dbstat WHERE name = 'series_chunks' GROUP BY pagetype",
  );
  console.log(pt);
  const fl = await h.store.get<{ f: number }>("PRAGMA freelist_count");
  console.log("freelist", fl);
  const c = await h.store.all(
    "SELECT samples, COUNT(*) AS n, AVG(length(data)) AS len FROM series_chunks GROUP BY samples",
  );
  console.log(c);
  const r2 = await h.store.get(
    "SELECT COUNT(*) AS n, AVG(length(data)) AS len, SUM(length(data)) AS tot FROM series_rollups",
  );
  console.log(r2, (r2 as any).tot / n);
}, 120_000);
