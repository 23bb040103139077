/**
 * The SLA compliance report end to end (issue 6 §3): a real app on a real SQLite file, seeded with
 * incidents, alert episodes, legal violations, counsel deliveries, per-minute event series and a
 * maintenance window under a fake clock; the figures checked in JSON, read back from CSV, escaped
 * in HTML, and the HTML rendered by headless Chromium with its charts.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, createApp } from "../src/app/index.js";
import { report as reportCommand } from "../src/cli/commands/report.js";
import { FakeClock } from "../src/core/clock.js";
import { silentLogger } from "../src/core/log.js";
import { recordViolation } from "../src/incidents/index.js";
import { CSV_COLUMNS, type SlaReport } from "../src/reports/index.js";
import type { AlertEvent } from "../src/rules/events.js";
import { enqueueNotifications, type Notification } from "../src/sirens/index.js";
import { api, CHROMIUM, CHROMIUM_FLAGS, TOKENS, TOKENS_YAML } from "./helpers.js";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 10, 1);
const END = T0 + 3 * DAY;
const HAVE_CHROMIUM = existsSync(CHROMIUM);

const HOSTILE = `<script>alert("x")</script>&<img src=x onerror=alert(1)>`;

const yaml = `server:
  data: ./data
  incidents: { reporting: { initial: 30m } }
${TOKENS_YAML}probes:
  - { name: queue, type: push, labels: { agency: "OSERS & <Co>" } }
slos:
  - name: wait
    probe: queue
    when: "value > 60"
    severity: legal
    legal: { sla: 'Answer calls in under 60 s ${HOSTILE}', statute: "29 U.S.C. 794" }
    siren: compliance
    description: '${HOSTILE}'
    labels: { team: '${HOSTILE}' }
  - { name: latency, probe: queue, when: "value > 30", severity: page, siren: compliance }
  - { name: avail, probe: queue, objective: 99%, good: "value == 1", severity: page }
  - { name: unmeasured, probe: queue, objective: 99.9%, good: "value == 1", severity: page }
sirens:
  compliance: { notify: [counsel, hook] }
receivers:
  counsel: { type: email, smtp: "smtp://127.0.0.1:9", from: ops@agency.example, to: [counsel@agency.example] }
  hook: { type: webhook, url: "http://127.0.0.1:9/hook" }
maintenance:
  - { name: patching, start: "2026-11-02T00:00:00Z", end: "2026-11-02T02:00:00Z", match: { probe: queue } }
`;

let app: App;
let url: string;
let dir: string;
const clock = new FakeClock(T0 - 2 * HOUR);
const ids: Record<string, string> = {};

const event = (slo: string, alertId: string, kind: "firing" | "resolved", at: number): AlertEvent => ({
  alertId,
  slo,
  probe: "queue",
  seriesKey: 'value{probe="queue"}',
  labels: { probe: "queue" },
  kind,
  at,
  value: 90,
  unit: "",
  condition: "value > 60",
  severity: slo === "wait" ? "legal" : "page",
  episode: 1,
  activeAt: at,
  firedAt: at,
});

/** An episode of `slo` firing over [from, to): its incident, and for legal ones the violation. */
async function breach(key: string, slo: string, from: number, to: number): Promise<string> {
  clock.advance(from - clock.now());
  const opened = await app.store.tx(async (tx) => {
    const { incident } = await app.detection.incidents.openFor(tx, event(slo, key, "firing", from), "pack-1");
    if (slo === "wait") {
      await recordViolation(tx, {
        slo,
        alertId: key,
        episode: 1,
        incidentId: incident.id,
        at: from,
        labels: {},
      });
    }
    return incident.id;
  });
  await app.store.tx(async (tx) => {
    await app.detection.incidents.resolveFor(tx, event(slo, key, "resolved", to));
  });
  ids[key] = opened;
  return opened;
}

/** A firing notification of `incidentId` delivered to `receiver` at `at`. */
async function delivered(incidentId: string, receiver: string, at: number): Promise<void> {
  const notification = {
    dedupKey: `dk-${incidentId}`,
    incident: { id: incidentId },
  } as unknown as Notification;
  await app.store.tx(async (tx) => {
    await enqueueNotifications(tx, [{ receiver, kind: "firing", notification, incidentId }], at);
    await tx.run(
      "UPDATE siren_outbox SET state = 'delivered', delivered_at = ? WHERE incident_id = ? AND receiver = ?",
      [at, incidentId, receiver],
    );
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hms-ops-reports-"));
  const configFile = join(dir, "ops.yml");
  await writeFile(configFile, yaml);
  app = await createApp({
    configFile,
    clock,
    logger: silentLogger(),
    watch: false,
    listen: { host: "127.0.0.1", port: 0 },
  });
  url = await app.listen();

  // Threshold: one incident straddling the start (30 min inside), three legal breaches.
  await breach("lat-1", "latency", T0 - HOUR, T0 + 30 * MIN);
  const w1 = await breach("wait-1", "wait", T0 + 2 * HOUR, T0 + 3 * HOUR);
  await delivered(w1, "counsel", T0 + 2 * HOUR + 10 * MIN);
  const w2 = await breach("wait-2", "wait", T0 + 26 * HOUR, T0 + 28 * HOUR);
  await delivered(w2, "counsel", T0 + 26 * HOUR + 45 * MIN);
  const w3 = await breach("wait-3", "wait", T0 + 50 * HOUR, T0 + 51 * HOUR);
  await delivered(w3, "hook", T0 + 50 * HOUR + MIN); // a webhook is not counsel

  // Objective: 10 events a minute for 3 days; in the first hour of day 2, half of them bad.
  clock.advance(END - clock.now());
  const samples = [];
  for (let t = T0; t < END; t += MIN) {
    const bad = t >= T0 + DAY && t < T0 + DAY + HOUR;
    samples.push({ metric: "slo_events_total", labels: { slo: "avail" }, value: 10, ts: t });
    samples.push({ metric: "slo_events_good", labels: { slo: "avail" }, value: bad ? 5 : 10, ts: t });
  }
  app.detection.ingest(samples);
}, 60_000);

afterAll(async () => {
  await app?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const get = (path: string, token: string = TOKENS.reader) => api(url, path, { token });
const range = `from=${new Date(T0).toISOString()}&to=${END}`;
const slo = (r: SlaReport, name: string) => {
  const s = r.slos.find((x) => x.name === name);
  if (!s) throw new Error(`no SLO ${name} in the report`);
  return s;
};

describe("SLA report: figures (JSON)", () => {
  let r: SlaReport;
  beforeAll(async () => {
    const res = await get(`/api/v1/reports/sla?${range}`);
    expect(res.status).toBe(200);
    r = res.body as SlaReport;
  });

  it("covers the period asked for, every SLO, with the agency from the labels", () => {
    expect(r).toMatchObject({
      from: "2026-11-01T00:00:00.000Z",
      to: "2026-11-04T00:00:00.000Z",
      periodMs: 3 * DAY,
    });
    expect(r.agency).toBe("OSERS & <Co>");
    expect(r.slos.map((s) => s.name)).toEqual(
      expect.arrayContaining(["wait", "latency", "avail", "unmeasured"]),
    );
  });

  it("threshold SLOs: breaches clipped to the period, achieved = share not in breach, maintenance", () => {
    const wait = slo(r, "wait");
    expect(wait).toMatchObject({
      kind: "threshold",
      objective: null,
      condition: "value > 60",
      breaches: { count: 3, durationMs: 4 * HOUR },
      breachTimeMs: 4 * HOUR,
      met: false,
      maintenanceMs: 2 * HOUR,
      agreement: { statute: "29 U.S.C. 794" },
    });
    expect(wait.achieved).toBeCloseTo(1 - 4 / 72, 12);
    expect(wait.daily.map((d) => d.breachMs)).toEqual([HOUR, 2 * HOUR, HOUR]);
    const latency = slo(r, "latency");
    expect(latency.breaches).toMatchObject({ count: 1, durationMs: 30 * MIN });
    expect(latency.breaches.list[0]).toMatchObject({
      incidentId: ids["lat-1"],
      from: "2026-11-01T00:00:00.000Z",
    });
    expect(latency.achieved).toBeCloseTo(1 - 0.5 / 72, 12);
  });

  it("legal violations name their incidents and whether counsel (email) was told within the initial deadline", () => {
    const v = slo(r, "wait").violations;
    expect(v.map((x) => [x.incidentId, x.counsel.status, x.counsel.text])).toEqual([
      [ids["wait-1"], "in_time", "in time (10 min)"],
      [ids["wait-2"], "late", "late (45 min)"],
      [ids["wait-3"], "not_notified", "not notified"],
    ]);
    expect(v[0]?.counsel).toMatchObject({ receiver: "counsel", deadlineMinutes: 30 });
    expect(r.totals).toMatchObject({
      violations: 3,
      counselInTime: 1,
      counselLate: 1,
      counselNotNotified: 1,
    });
  });

  it("objective SLOs: SLI from the per-minute event series, budget used, unmeasured without series", () => {
    const avail = slo(r, "avail");
    expect(avail.events).toEqual({ good: 43_200 - 300, total: 43_200 });
    expect(avail.achieved).toBeCloseTo(42_900 / 43_200, 12);
    expect(avail.budgetUsed).toBeCloseTo(300 / 43_200 / 0.01, 9);
    expect(avail.met).toBe(true);
    expect(avail.daily.map((d) => d.good)).toEqual([14_400, 14_100, 14_400]);
    const none = slo(r, "unmeasured");
    expect(none).toMatchObject({ achieved: null, met: null, budgetUsed: null });
    expect(none.note).toMatch(/no slo_events_good\/slo_events_total series/);
  });

  it("keeps the sums of final days and reads them back to the same figures", async () => {
    const all = await app.store.all<{ metric: string; day: number; sum: number }>(
      "SELECT metric, day, sum FROM report_event_days WHERE slo = 'avail' ORDER BY metric, day",
    );
    // The background warmer also stored the closed days before the history starts: no events.
    expect(all.filter((x) => Number(x.day) < T0).every((x) => Number(x.sum) === 0)).toBe(true);
    const rows = all.filter((x) => Number(x.day) >= T0);
    // Days 1 and 2 ended more than 7 h before now; day 3 has just ended and is read afresh.
    expect(rows.map((x) => [x.metric, Number(x.day), Number(x.sum)])).toEqual([
      ["slo_events_good", T0, 14_400],
      ["slo_events_good", T0 + DAY, 14_100],
      ["slo_events_total", T0, 14_400],
      ["slo_events_total", T0 + DAY, 14_400],
    ]);
    const again = (await get(`/api/v1/reports/sla?${range}`)).body as SlaReport;
    expect(again.slos).toEqual(r.slos);
  });

  it("refuses bad ranges with a 400 naming the parameter", async () => {
    const cases: [string, string, RegExp][] = [
      [`from=${END}&to=${T0}`, "to", /must be after/],
      [`from=${T0}&to=${T0}`, "to", /must be after/],
      [`from=2025-01-01&to=2026-11-01`, "from", /at most 400 days/],
      ["from=yesterday", "from", /epoch milliseconds or ISO 8601/],
      ["to=2026-11-01T00:00", "to", /with a zone/],
      ["format=pdf", "format", /json, csv or html/],
      ["form=2026-11-01", "form", /unknown parameter/],
    ];
    for (const [q, path, message] of cases) {
      const res = await get(`/api/v1/reports/sla?${q}`);
      expect(res.status, q).toBe(400);
      const err = (res.body as { error: { code: string; details: { path: string; message: string }[] } })
        .error;
      expect(err.code).toBe("validation_failed");
      expect(err.details[0]?.path, q).toBe(path);
      expect(err.details[0]?.message, q).toMatch(message);
    }
  });

  it("defaults to the 30 days before now", async () => {
    const res = await get("/api/v1/reports/sla");
    const body = res.body as SlaReport;
    expect(Date.parse(body.to)).toBe(clock.now());
    expect(body.periodMs).toBe(30 * DAY);
  });
});

/** RFC 4180: quoted fields may hold commas, quotes (doubled) and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(cell);
      cell = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i++;
    } else cell += c;
  }
  if (cell !== "" || row.length) rows.push([...row, cell]);
  return rows;
}

describe("SLA report: CSV", () => {
  it("has one row per SLO with the same figures as the JSON", async () => {
    const json = (await get(`/api/v1/reports/sla?${range}`)).body as SlaReport;
    const res = await get(`/api/v1/reports/sla?${range}&format=csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(res.text.endsWith("\r\n")).toBe(true);
    const [header, ...rows] = parseCsv(res.text);
    expect(header).toEqual(CSV_COLUMNS.map(([name]) => name));
    expect(rows).toHaveLength(json.slos.length);
    const col = (row: string[], name: string) => row[(header as string[]).indexOf(name)] as string;
    const num = (cell: string) => (cell === "" ? null : Number(cell));
    for (const [i, s] of json.slos.entries()) {
      const row = rows[i] as string[];
      expect(col(row, "slo")).toBe(s.name);
      expect(num(col(row, "achieved"))).toBe(s.achieved);
      expect(num(col(row, "objective"))).toBe(s.objective);
      expect(num(col(row, "budget_used"))).toBe(s.budgetUsed);
      expect(num(col(row, "events_good"))).toBe(s.events?.good ?? null);
      expect(num(col(row, "events_total"))).toBe(s.events?.total ?? null);
      expect(num(col(row, "breaches"))).toBe(s.breaches.count);
      expect(num(col(row, "breach_duration_ms"))).toBe(s.breaches.durationMs);
      expect(num(col(row, "maintenance_ms"))).toBe(s.maintenanceMs);
      expect(num(col(row, "legal_violations"))).toBe(s.violations.length);
      expect(col(row, "violation_incidents")).toBe(s.violations.map((v) => v.incidentId).join(" "));
      expect(col(row, "met")).toBe(s.met === null ? "" : String(s.met));
      expect(col(row, "sla")).toBe(s.agreement?.sla ?? "");
    }
    const wait = rows.find((row) => col(row, "slo") === "wait") as string[];
    expect(col(wait, "counsel")).toBe(
      `${ids["wait-1"]}: in time (10 min); ${ids["wait-2"]}: late (45 min); ${ids["wait-3"]}: not notified`,
    );
  });
});

describe("SLA report: HTML", () => {
  let html: string;
  beforeAll(async () => {
    const res = await get(`/api/v1/reports/sla?${range}&format=html`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("content-security-policy")).toMatch(/default-src 'none'/);
    html = res.text;
  });

  it("escapes every config- and label-derived string", () => {
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<img");
    expect(html).not.toMatch(/<[a-z][^>]*\sonerror=/i);
    expect(html).toContain(
      "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&lt;img src=x onerror=alert(1)&gt;",
    );
    expect(html).toContain("OSERS &amp; &lt;Co&gt;");
    expect(html).not.toMatch(/<link|src="http|href="http|@import|url\(/);
  });

  it("is a printable page: title, period, summary table, a section with charts per SLO, print CSS", () => {
    expect(html).toMatch(
      /<title>SLA compliance report — OSERS &amp; &lt;Co&gt; \(2026-11-01 – 2026-11-04\)<\/title>/,
    );
    expect(html).toContain("@media print");
    expect(html).toContain('<table class="summary">');
    expect(html.match(/<section class="slo"/g)?.length).toBe(
      (html.match(/<tr><td><a href="#slo-/g) ?? []).length,
    );
    expect(html.match(/<svg class="chart/g)?.length).toBeGreaterThanOrEqual(8);
    expect(html).toContain("late (45 min)");
  });

  it.skipIf(!HAVE_CHROMIUM)(
    `renders in headless Chromium with its charts (non-blank screenshot)${HAVE_CHROMIUM ? "" : ` — SKIPPED: ${CHROMIUM} is not installed (apt-get install -y chromium)`}`,
    async () => {
      const { chromium } = await import("playwright-core");
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ["--headless", ...CHROMIUM_FLAGS],
      });
      try {
        const page = await browser.newPage({ viewport: { width: 1000, height: 1400 } });
        await page.setContent(html, { waitUntil: "load" });
        // Browser-side code as text: the project's tsconfig has no DOM types.
        const charts = (await page.evaluate(`[...document.querySelectorAll("svg.chart")].map((svg) => {
        const box = svg.getBoundingClientRect();
        const marks = [...svg.querySelectorAll("rect.bar, rect.breach, rect.maint")].filter((r) => {
          const b = r.getBoundingClientRect();
          return b.width > 0 && b.height > 0;
        });
        return { w: box.width, h: box.height, marks: marks.length };
      })`)) as { w: number; h: number; marks: number }[];
        expect(charts.length).toBeGreaterThanOrEqual(8);
        for (const c of charts) expect(c.w * c.h).toBeGreaterThan(0);
        // wait: 3 days of breach bars + 3 breaches + the maintenance window, all drawn.
        expect(charts.reduce((n, c) => n + c.marks, 0)).toBeGreaterThanOrEqual(10);
        await page.emulateMedia({ media: "print" });
        const shot = await page.locator("section.slo").first().screenshot({ type: "png" });
        // Count non-white pixels by decoding the screenshot in a blank page's canvas.
        const blank = await browser.newPage();
        const inked = (await blank.evaluate(`(async () => {
        const img = new Image();
        img.src = "data:image/png;base64,${shot.toString("base64")}";
        await img.decode();
        const canvas = document.createElement("canvas");
        canvas.width = img.width;
        canvas.height = img.height;
        const ctx = canvas.getContext("2d");
        ctx.drawImage(img, 0, 0);
        const data = ctx.getImageData(0, 0, img.width, img.height).data;
        let n = 0;
        let red = 0;
        for (let i = 0; i < data.length; i += 4) {
          const r = data[i], g = data[i + 1], b = data[i + 2];
          if (r < 240 || g < 240 || b < 240) n++;
          if (r > 150 && g < 80 && b < 80) red++;
        }
        return { n, red, total: data.length / 4 };
      })()`)) as { n: number; red: number; total: number };
        expect(inked.n / inked.total).toBeGreaterThan(0.02);
        // The breach bars and timeline spans are red: the charts drew, not just the text.
        expect(inked.red).toBeGreaterThan(50);
      } finally {
        await browser.close();
      }
    },
    60_000,
  );
});

describe("hms-ops report", () => {
  it("writes the CSV and HTML the server renders, from the JSON it fetched", async () => {
    const flags = { url, token: TOKENS.reader, from: new Date(T0).toISOString(), to: String(END) };
    const csvFile = join(dir, "r.csv");
    const htmlFile = join(dir, "r.html");
    const quiet = process.stderr.write;
    process.stderr.write = () => true;
    try {
      await reportCommand({ ...flags, format: "csv", output: csvFile });
      await reportCommand({ ...flags, format: "html", output: htmlFile });
    } finally {
      process.stderr.write = quiet;
    }
    const server = await get(`/api/v1/reports/sla?${range}&format=csv`);
    const fromCli = await readFile(csvFile, "utf8");
    // generatedAt is not in the CSV; the fake clock has not moved: byte for byte the same.
    expect(fromCli).toBe(server.text);
    const html = await readFile(htmlFile, "utf8");
    expect(html).toBe((await get(`/api/v1/reports/sla?${range}&format=html`)).text);
  });

  it("needs a read token", async () => {
    await expect(reportCommand({ url, token: TOKENS.sensor })).rejects.toMatchObject({ code: "forbidden" });
  });
});

describe("SLA report over the rule engine's own event series", () => {
  it("counts the same good/total events as the SLO's budget", async () => {
    const tmp = await mkdtemp(join(tmpdir(), "hms-ops-reports-live-"));
    const cfg = `server:
  data: ./data
${TOKENS_YAML}probes:
  - { name: checkout, type: push }
slos:
  - { name: checkout-availability, probe: checkout, objective: 99%, good: "ok == 1", period: 1d, severity: page }
`;
    await writeFile(join(tmp, "ops.yml"), cfg);
    const open = () =>
      createApp({
        configFile: join(tmp, "ops.yml"),
        logger: silentLogger(),
        watch: false,
        listen: { host: "127.0.0.1", port: 0 },
      });
    let live = await open();
    try {
      // Ten minutes of results, every third one bad; judged from raw history when the app starts.
      const now = Date.now();
      const u = Math.floor((now - 30_000) / MIN) * MIN;
      const samples = [];
      for (let ts = u - 10 * MIN, i = 0; ts < u; ts += 10_000, i++) {
        samples.push({ probe: "checkout", metric: "ok", labels: {}, value: i % 3 === 0 ? 0 : 1, ts });
      }
      live.detection.ingest(
        samples.map(({ probe, metric, value, ts }) => ({ metric, labels: { probe }, value, ts })),
      );
      await live.close();
      live = await open();
      const liveUrl = await live.listen();
      const budget = (
        await api(liveUrl, "/api/v1/slos/checkout-availability/budget", { token: TOKENS.reader })
      ).body as { good: number; total: number };
      expect(budget.total).toBe(samples.length);
      const res = await api(liveUrl, `/api/v1/reports/sla?from=${u - HOUR}&to=${Date.now() + MIN}`, {
        token: TOKENS.reader,
      });
      const s = slo(res.body as SlaReport, "checkout-availability");
      expect(s.events).toEqual({ good: budget.good, total: budget.total });
      expect(s.achieved).toBe(budget.good / budget.total);
    } finally {
      await live.close();
      await rm(tmp, { recursive: true, force: true });
    }
  }, 30_000);
});
