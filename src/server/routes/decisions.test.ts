/**
 * `POST /api/v1/decisions` through the real app on a loopback port: a good batch is counted and its
 * figures are queryable as series; a bad batch is refused whole with 400 naming index and field.
 */
import { afterEach, describe, expect, it } from "vitest";
import { api, type Running, startApp, TOKENS, TOKENS_YAML } from "../../../test/helpers.js";
import { MAX_BATCH, MAX_MODELS } from "../../sensors/bias/index.js";

let srv: Running | undefined;
afterEach(async () => {
  await srv?.stop();
  srv = undefined;
});

const PROBES = `probes:
  - { name: loans, type: bias, window: 10m, groups: [A, B], labels: { agency: HUD } }
  - { name: hiring, type: bias, min_decisions: 1 }
  - { name: waits, type: push }
`;

async function start(probes = PROBES): Promise<Running> {
  srv = await startApp(`server:\n  data: ./data\n${TOKENS_YAML}${probes}`);
  return srv;
}

const post = (s: Running, body: unknown, token: string = TOKENS.sensor) =>
  api(s.url, "/api/v1/decisions", { method: "POST", token, body });

describe("POST /api/v1/decisions", () => {
  it("counts a batch (outcome 0/1/true/false) and the figures are series of the probe", async () => {
    const s = await start();
    const now = Date.now();
    const decisions = [
      { probe: "hiring", model: "cv-rank", group: "A", outcome: 1, ts: now },
      { probe: "hiring", model: "cv-rank", group: "A", outcome: true },
      { probe: "hiring", model: "cv-rank", group: "B", outcome: false },
      { probe: "hiring", model: "cv-rank", group: "B", outcome: 1 },
    ];
    expect(await post(s, { decisions })).toMatchObject({ status: 202, body: { accepted: 4 } });
    const res = await api(s.url, "/api/v1/series?metric=disparate_impact&probe=hiring&from=0", {
      token: TOKENS.reader,
    });
    expect(res.body).toMatchObject({
      series: [{ labels: { probe: "hiring", model: "cv-rank" }, points: [{ value: 0.5 }] }],
    });
    expect(s.app.detection.bias).toBeDefined();
  });

  it.each<[string, unknown, { path: string; message: string }]>([
    ["not an object", [], { path: "(body)", message: 'expected an object {"decisions": [...]}' }],
    ["unknown top-level field", { decisions: [], x: 1 }, { path: "x", message: 'unknown field "x"' }],
    ["no array", { decisions: {} }, { path: "decisions", message: "expected an array of decisions" }],
    [
      "unknown field",
      { decisions: [{ probe: "loans", model: "m", group: "A", outcome: 1, score: 0.3 }] },
      {
        path: "decisions[0].score",
        message: 'unknown field "score" (allowed: probe, model, group, outcome, ts)',
      },
    ],
    [
      "outcome not 0/1",
      { decisions: [{ probe: "loans", model: "m", group: "A", outcome: 0.5 }] },
      { path: "decisions[0].outcome", message: "expected 0, 1, true or false, got number" },
    ],
    [
      "missing model",
      { decisions: [{ probe: "loans", group: "A", outcome: 1 }] },
      { path: "decisions[0].model", message: "expected a string, got undefined" },
    ],
    [
      "empty group",
      { decisions: [{ probe: "loans", model: "m", group: "", outcome: 1 }] },
      { path: "decisions[0].group", message: "must not be empty" },
    ],
    [
      "no probe with two bias probes",
      { decisions: [{ model: "m", group: "A", outcome: 1 }] },
      { path: "decisions[0].probe", message: "required: 2 bias probes are configured (hiring, loans)" },
    ],
    [
      "a push probe",
      { decisions: [{ probe: "waits", model: "m", group: "A", outcome: 1 }] },
      {
        path: "decisions[0].probe",
        message: 'probe "waits" is of type push; only bias probes accept decisions',
      },
    ],
    [
      "an unknown probe",
      { decisions: [{ probe: "nope", model: "m", group: "A", outcome: 1 }] },
      { path: "decisions[0].probe", message: 'unknown probe "nope"' },
    ],
    [
      "a group not configured",
      { decisions: [{ probe: "loans", model: "m", group: "C", outcome: 1 }] },
      { path: "decisions[0].group", message: '"C" is not one of probe loans\'s groups (A, B)' },
    ],
    [
      "a ts before the window",
      { decisions: [{ probe: "loans", model: "m", group: "A", outcome: 1, ts: 1_000 }] },
      {
        path: "decisions[0].ts",
        message: "older than probe loans's window (10m): it would count in no figure",
      },
    ],
    [
      "a ts not in ms",
      { decisions: [{ probe: "loans", model: "m", group: "A", outcome: 1, ts: "now" }] },
      {
        path: "decisions[0].ts",
        message: 'expected epoch milliseconds (a positive integer), got string "now"',
      },
    ],
  ])("refuses a batch whole with 400: %s", async (_what, body, detail) => {
    const s = await start();
    const good = { probe: "loans", model: "m", group: "A", outcome: 1 };
    const withGood =
      typeof body === "object" && body !== null && Array.isArray((body as { decisions?: unknown }).decisions)
        ? { ...body, decisions: [good, ...(body as { decisions: unknown[] }).decisions] }
        : body;
    const res = await post(s, withGood);
    expect(res.status).toBe(400);
    const shifted = { ...detail, path: detail.path.replace(/^decisions\[0\]/, "decisions[1]") };
    expect(res.body).toEqual({
      error: { code: "validation_failed", message: "batch refused: nothing was stored", details: [shifted] },
    });
    const stored = await s.app.store.all("SELECT * FROM bias_counts");
    expect(stored).toEqual([]);
  });

  it(`limits: more than ${MAX_BATCH} decisions, or a model beyond ${MAX_MODELS}`, async () => {
    const s = await start();
    const one = { probe: "hiring", model: "m", group: "A", outcome: 1 };
    const big = await post(s, { decisions: Array.from({ length: MAX_BATCH + 1 }, () => one) });
    expect(big.status).toBe(400);
    expect(big.body).toMatchObject({
      error: {
        details: [
          {
            path: "decisions",
            message: `batch of ${MAX_BATCH + 1} exceeds the limit of ${MAX_BATCH}; split it`,
          },
        ],
      },
    });
    const models = Array.from({ length: MAX_MODELS + 1 }, (_, i) => ({ ...one, model: `m${i}` }));
    const many = await post(s, { decisions: models });
    expect(many.status).toBe(400);
    expect(many.body).toMatchObject({
      error: {
        details: [
          {
            path: `decisions[${MAX_MODELS}].model`,
            message: `probe hiring already has ${MAX_MODELS} models with decisions in its window (the limit)`,
          },
        ],
      },
    });
    expect(await post(s, { decisions: models.slice(0, MAX_MODELS) })).toMatchObject({ status: 202 });
  });

  it("a bias probe registered at run time takes decisions at once, and stops when removed", async () => {
    const s = await start("");
    const created = await api(s.url, "/api/v1/probes", {
      method: "POST",
      token: TOKENS.admin,
      body: { name: "benefits", type: "bias", window: "30m", min_decisions: 1 },
    });
    expect(created.status).toBe(201);
    const body = {
      decisions: [
        { probe: "benefits", model: "elig", group: "A", outcome: 1 },
        { probe: "benefits", model: "elig", group: "B", outcome: 0 },
      ],
    };
    expect(await post(s, body)).toMatchObject({ status: 202, body: { accepted: 2 } });
    expect(s.app.detection.bias.report("benefits")?.models[0]).toMatchObject({ disparate_impact: 0 });
    const removed = await api(s.url, "/api/v1/probes/benefits", { method: "DELETE", token: TOKENS.admin });
    expect(removed.status).toBeLessThan(300);
    expect(await post(s, body)).toMatchObject({
      status: 400,
      body: {
        error: {
          details: [0, 1].map((i) => ({
            path: `decisions[${i}].probe`,
            message: 'unknown probe "benefits"',
          })),
        },
      },
    });
    expect(s.app.detection.bias.report("benefits")).toBeUndefined();
  });

  it("the probe may be left out when exactly one bias probe is configured; ingest scope only", async () => {
    const s = await start("probes:\n  - { name: loans, type: bias }\n");
    const body = { decisions: [{ model: "m", group: "A", outcome: 1 }] };
    expect(await post(s, body)).toMatchObject({ status: 202, body: { accepted: 1 } });
    expect((await post(s, body, TOKENS.reader)).status).toBe(403);
    const none = await startApp(`server:\n  data: ./data\n${TOKENS_YAML}`);
    try {
      const res = await post(none, body);
      expect(res.body).toMatchObject({
        error: { details: [{ path: "decisions[0].probe", message: "no probe of type bias is configured" }] },
      });
    } finally {
      await none.stop();
    }
  });
});
