/**
 * Board figures in headless Chromium (issue 7 "Must reach"), run on demand:
 *
 *   HMS_OPS_BENCH=1 npx vitest run test/board-perf.e2e.test.ts
 *
 * 1,000 push probes (10 agencies) and an SLO on each: time until all 1,000 tiles are on the page
 * (from navigation start), the delay from the server publishing a transition to the tile turning
 * red (median of 5), and the gzipped JS+CSS shipped. It prints the figures and asserts nothing
 * about time (the machine may be busy); it does check that the page got there.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import {
  CHROMIUM,
  CHROMIUM_FLAGS,
  pushSamples,
  type Running,
  startApp,
  TOKENS_YAML,
  waitFor,
} from "./helpers.js";

const N = 1000;
const enabled = process.env.HMS_OPS_BENCH === "1" && existsSync(CHROMIUM);

describe.skipIf(!enabled)("board with 1,000 probes (HMS_OPS_BENCH=1, needs /usr/bin/chromium)", () => {
  let srv: Running | undefined;
  afterAll(() => srv?.stop());

  it("paints 1,000 tiles, shows transitions, ships a small bundle", async () => {
    execFileSync(process.execPath, ["scripts/build-web.mjs"], { stdio: "inherit" });
    const name = (i: number) => `svc-${String(i).padStart(4, "0")}`;
    const probes = Array.from(
      { length: N },
      (_, i) =>
        `  - { name: ${name(i)}, type: push, labels: { agency: agency-${i % 10}, service: s${i % 37} } }`,
    ).join("\n");
    const slos = Array.from(
      { length: N },
      (_, i) => `  - { name: ${name(i)}-deep, probe: ${name(i)}, when: "value > 100", severity: page }`,
    ).join("\n");
    srv = await startApp(
      `server:\n  data: ./data\n${TOKENS_YAML}    public_board: true\nprobes:\n${probes}\nslos:\n${slos}\n`,
    );
    const url = srv.url;
    const t0 = Date.now();
    const step = (what: string) => console.log(`[${Date.now() - t0} ms] ${what}`);
    await pushSamples(
      url,
      Array.from({ length: N }, (_, i) => ({ probe: name(i), value: 10 })),
    );

    step("samples pushed");
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_FLAGS,
    });
    try {
      // The bench evaluates strings in the page (playwright needs eval, which the board's CSP forbids).
      const page = await browser.newPage({ viewport: { width: 1600, height: 1000 }, bypassCSP: true });
      await page.goto(`${url}/`);
      const painted = await page.waitForFunction(
        `document.querySelectorAll('[data-tile^="p:"]').length >= ${N} ? performance.now() : false`,
        undefined,
        { polling: "raf", timeout: 30_000 },
      );
      const paintMs = Number(await painted.jsonValue());
      step("painted");

      await page.waitForFunction(`document.getElementById("conn").classList.contains("live")`);

      const delays: number[] = [];
      for (const i of [7, 123, 456, 789, 999]) {
        const key = `p:${name(i)}`;
        await page.evaluate(`window.__red = new Promise((resolve) => {
          const seen = () => document.querySelector('[data-tile="${key}"]')?.getAttribute("data-state") === "red";
          const mo = new MutationObserver(() => { if (seen()) { mo.disconnect(); resolve(Date.now()); } });
          mo.observe(document.getElementById("board"), { subtree: true, childList: true, attributes: true });
        }); 0`);
        let emittedAt = 0;
        const off = srv.app.bus.subscribe("alerts.transition", (e) => {
          if (e.probe === name(i) && e.kind === "firing" && emittedAt === 0) emittedAt = Date.now();
        });
        await pushSamples(url, [{ probe: name(i), value: 500 }]);
        const shownAt = Number(await page.evaluate("window.__red"));
        off();
        await waitFor(() => emittedAt > 0, "the transition");
        delays.push(shownAt - emittedAt);
        step(`transition ${i}`);
      }
      delays.sort((a, b) => a - b);

      const assets = join(process.cwd(), "dist", "web", "assets");
      const gz = readdirSync(assets)
        .filter((f) => f.endsWith(".js") || f.endsWith(".css"))
        .reduce((sum, f) => sum + gzipSync(readFileSync(join(assets, f))).length, 0);
      console.log(
        `board bench: ${N} probes + ${N} SLOs · all tiles painted ${paintMs.toFixed(0)} ms after navigation · ` +
          `transition → red tile: median ${delays[2]} ms (all ${delays.join(", ")} ms) · JS+CSS ${(gz / 1024).toFixed(1)} KB gzipped`,
      );
      expect(delays).toHaveLength(5);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
