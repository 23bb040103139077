/**
 * The Reliability Board in a real browser (issue 7 "Must show"): Debian's Chromium driven by
 * playwright-core against a real server on loopback and a real target whose latency we change.
 * Load the board (public, no token) → a probe is green; make its target slow → its tile turns red
 * without a reload; sign in, open the incident, acknowledge it with the keyboard, see the ack in
 * the timeline and in the audit view; approve the run-book run waiting for approval. No console
 * errors; labels with HTML render as text. Screenshots land in test-artifacts/board/.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  api,
  CHROMIUM,
  CHROMIUM_FLAGS,
  pushSamples,
  type Running,
  startApp,
  TOKENS,
  TOKENS_YAML,
} from "./helpers.js";
import { type Started, startPolicy, startTarget } from "./servers.js";

const ARTIFACTS = join(process.cwd(), "test-artifacts", "board");
const EVIL = "<img src=x onerror=alert(1)>";
const hasChromium = existsSync(CHROMIUM);

/** Opens the first incident from the incidents view and presses Acknowledge, keyboard only. */
async function ackByKeyboard(page: Page): Promise<void> {
  await page.click('nav a[href="/incidents"]');
  const link = page.locator('a[href^="/incidents/INC-"]').first();
  await link.waitFor({ timeout: 10_000 });
  await link.click();
  await page.locator("#ack").waitFor();
  // Focus the button and press Enter.
  await page.locator("#ack").focus();
  await page.keyboard.press("Enter");
}

if (!hasChromium) {
  console.warn(`board e2e skipped: ${CHROMIUM} is absent (apt-get install -y chromium; .ci/run does it)`);
}

describe.skipIf(!hasChromium)("board in a real browser", () => {
  let srv: Running;
  let target: Started & { delayMs: number };
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    execFileSync(process.execPath, ["scripts/build-web.mjs"], { stdio: "inherit" });
    mkdirSync(ARTIFACTS, { recursive: true });
    target = await startTarget();
    srv = await startApp(`server:
  data: ./data
  eval_interval: 200ms
${TOKENS_YAML}    public_board: true
probes:
  - name: web-login
    type: http
    target: ${target.url}/login
    interval: 250ms
    timeout: 250ms
    labels: { agency: IRS, service: "${EVIL}" }
slos:
  - name: login-latency
    probe: web-login
    when: "latency > 200ms"
    severity: page
    runbook: restart-login
runbooks:
  restart-login:
    approval: true
    steps:
      - run: node -e "console.log('login pool restarted')"
`);
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--headless", ...CHROMIUM_FLAGS],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(`console: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("dialog", (d) => {
      problems.push(`dialog opened: ${d.message()}`);
      void d.dismiss();
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await srv?.stop();
    await target?.close();
  });

  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  const tile = (key: string) => page.locator(`[data-tile="${key}"]`);

  it("shows a probe green, then red without a reload when its target slows down", async () => {
    await page.goto(`${srv.url}/`);
    await expect
      .poll(() => tile("p:web-login").getAttribute("data-state"), { timeout: 10_000 })
      .toBe("green");
    await expect(tile("p:web-login").textContent()).resolves.toMatch(/OK/);
    // The label with HTML is a group heading made of text, not an element.
    await expect(page.locator("#board img").count()).resolves.toBe(0);
    await page.selectOption("#group-by", "service");
    await expect.poll(() => page.locator("#board h2", { hasText: EVIL }).count()).toBe(1);
    await shot("1-board-green");

    let navigations = 0;
    page.on("framenavigated", () => navigations++);
    target.delayMs = 400;
    await expect.poll(() => tile("p:web-login").getAttribute("data-state"), { timeout: 15_000 }).toBe("red");
    await expect(tile("p:web-login").textContent()).resolves.toMatch(/FIRING/);
    await expect.poll(() => tile("p:web-login").textContent(), { timeout: 10_000 }).toMatch(/⚡/);
    expect(navigations).toBe(0);
    await shot("2-board-red");
  });

  it("a public visitor has no incident access; the server refuses actions without a token", async () => {
    const list = await api(srv.url, "/api/v1/incidents");
    expect(list.status).toBe(401);
    const ack = await api(srv.url, "/api/v1/incidents/INC-000000/ack", { method: "POST", body: {} });
    expect(ack.status).toBe(401);
    await expect(page.locator('nav a[href="/incidents"]').isHidden()).resolves.toBe(true);
  });

  it("acknowledges the incident with the keyboard, sees it in the timeline and the audit view", async () => {
    await page.click("#sign-in");
    await page.fill("#token-input", TOKENS.operator);
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("#who").textContent()).toMatch(/signed in as operator/);
    await ackByKeyboard(page);
    await expect
      .poll(() => page.locator("#incident-state").textContent(), { timeout: 10_000 })
      .toBe("acknowledged");
    const ackRow = page.locator('#timeline tr[data-type="incident.acknowledged"]');
    await expect.poll(() => ackRow.count(), { timeout: 10_000 }).toBe(1);
    await expect(ackRow.textContent()).resolves.toMatch(/operator/);
    await shot("3-incident-acknowledged");

    // Deep link survives a reload.
    const here = page.url();
    await page.reload();
    await expect
      .poll(() => page.locator("#incident-state").textContent(), { timeout: 10_000 })
      .toBe("acknowledged");
    expect(page.url()).toBe(here);

    const run = page.locator('[data-run] button[id^="approve-"]').first();
    await run.waitFor({ timeout: 10_000 });
    await run.focus();
    await page.keyboard.press("Enter");
    await expect
      .poll(() => page.locator("[data-run]").first().textContent(), { timeout: 15_000 })
      .toMatch(/succeeded[\s\S]*login pool restarted/);
    await shot("4-runbook-approved");

    await page.click('nav a[href="/audit"]');
    const ackEntry = page.locator('#audit tr[data-action="incident.acknowledge"]');
    await expect.poll(() => ackEntry.count(), { timeout: 10_000 }).toBe(1);
    await expect(ackEntry.textContent()).resolves.toMatch(/operator/);
    await expect(page.locator('#audit tr[data-action="runbook.approve"]').count()).resolves.toBe(1);
    await page.click("#verify");
    await expect.poll(() => page.locator("#verify-result").textContent()).toMatch(/Chain intact/);
    await shot("5-audit");

    // Probe detail from its tile: charts from /api/v1/series and the last run's phases.
    await page.click('nav a[href="/"]');
    await tile("p:web-login").click();
    await page.locator("#phases").waitFor({ timeout: 10_000 });
    await expect(page.locator("#phases").textContent()).resolves.toMatch(/first byte/);
    await expect.poll(() => page.locator(".chart canvas").count(), { timeout: 10_000 }).toBeGreaterThan(0);
    // The probe keeps running: its samples reach the open charts over the stream.
    await expect.poll(() => page.locator("main").textContent(), { timeout: 10_000 }).toMatch(/points · live/);
    await shot("6-probe-detail");
    expect(problems).toEqual([]);
  });
});

describe.skipIf(!hasChromium)("private board in a real browser", () => {
  let srv: Running;
  let browser: Browser;
  let policy: Started;

  beforeAll(async () => {
    policy = await startPolicy("pack-2026-11-20");
    srv = await startApp(`server:
  data: ./data
${TOKENS_YAML}policy:
  source: ${policy.url}/policy/version
  interval: 1s
  approved: pack-2026-11-01
probes:
  - { name: queue, type: push, labels: { agency: SSA } }
slos:
  - { name: queue-deep, probe: queue, when: "value > 100", severity: page }
`);
    await pushSamples(srv.url, [{ probe: "queue", value: 500 }]);
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_FLAGS,
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await srv?.stop();
    await policy?.close();
  });

  it("asks for a token before showing anything; an action beyond the token's scope is refused by the server", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${srv.url}/`);
    await page.locator("#token-dialog[open]").waitFor({ timeout: 10_000 });
    await expect(page.locator("[data-tile]").count()).resolves.toBe(0);
    await page.fill("#token-input", TOKENS.reader);
    await page.keyboard.press("Enter");
    await expect
      .poll(() => page.locator('[data-tile="p:queue"]').getAttribute("data-state"), { timeout: 10_000 })
      .toBe("red");
    await expect.poll(() => page.locator("#who").textContent()).toMatch(/signed in as reader/);

    // A dropped connection: the page reconnects, catches up and shows what changed meanwhile.
    await expect.poll(() => page.locator("#conn").textContent()).toBe("live");
    for (const client of srv.app.server.websocketServer.clients) client.terminate();
    await pushSamples(srv.url, [{ probe: "queue", value: 7 }]);
    await expect
      .poll(() => page.locator('[data-tile="p:queue"] .fig').textContent(), { timeout: 10_000 })
      .toBe("7");
    await expect.poll(() => page.locator("#conn").textContent()).toBe("live");
    await page.screenshot({ path: join(ARTIFACTS, "7-private-reconnected.png"), fullPage: true });

    await ackByKeyboard(page);
    await expect
      .poll(() => page.locator("#action-msg").textContent(), { timeout: 10_000 })
      .toMatch(/Acknowledge refused: .*operate/);
    await page.locator("#token-dialog[open]").waitFor();
    await page.screenshot({ path: join(ARTIFACTS, "8-private-refused.png"), fullPage: true });
    await page.click("#token-cancel");
    await expect(page.locator("#incident-state").textContent()).resolves.toBe("open");

    // Policy: drift in the header on every page; the change history in the policy view.
    await expect
      .poll(() => page.locator("#policy").textContent(), { timeout: 10_000 })
      .toMatch(/pack-2026-11-20.*DRIFT/);
    await page.click('nav a[href="/policy"]');
    await expect
      .poll(() => page.locator("#policy-history").textContent(), { timeout: 10_000 })
      .toMatch(/first pack seen.*pack-2026-11-20/);
    await page.screenshot({ path: join(ARTIFACTS, "9-policy.png"), fullPage: true });
    expect(errors).toEqual([]);
  });
});
