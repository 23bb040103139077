/**
 * `POST /api/v1/metrics` through the real app: its own JSON body parser keeps what the default one
 * gave (auth, body limit, clear 400s) and prototype-poisoning bodies are refused, not merged.
 */
import { afterEach, describe, expect, it } from "vitest";
import { api, type Running, startApp, TOKENS, TOKENS_YAML } from "../../../test/helpers.js";

let srv: Running | undefined;

afterEach(async () => {
  await srv?.stop();
  srv = undefined;
});

async function start(): Promise<Running> {
  srv = await startApp(`server:\n  data: ./data\n  body_limit: 2kb\n${TOKENS_YAML}`);
  return srv;
}

const post = (s: Running, body: unknown, token: string = TOKENS.sensor) =>
  api(s.url, "/api/v1/metrics", { method: "POST", token, body });

async function stored(s: Running, metric: string): Promise<unknown[]> {
  const res = await api(s.url, `/api/v1/series?metric=${metric}&from=0`, { token: TOKENS.reader });
  expect(res.status).toBe(200);
  return (res.body as { series: unknown[] }).series;
}

describe("POST /api/v1/metrics body parsing", () => {
  it("accepts a batch, and its samples are queryable", async () => {
    const s = await start();
    const res = await post(s, { samples: [{ metric: "m", value: 1, labels: { host: "a" } }] });
    expect(res).toMatchObject({ status: 202, body: { accepted: 1 } });
    expect(await stored(s, "m")).toMatchObject([{ labels: { host: "a" }, points: [{ value: 1 }] }]);
  });

  it.each([
    [
      '{"samples":[{"metric":"m","value":1,"__proto__":{"polluted":1}}]}',
      "samples[0].__proto__",
      /unknown field/,
    ],
    [
      '{"samples":[{"metric":"m","value":1,"labels":{"__proto__":"x"}}]}',
      "samples[0].labels.__proto__",
      /not allowed/,
    ],
    ['{"__proto__":{"polluted":1},"samples":[]}', "__proto__", /unknown field/],
  ])("refuses the prototype-poisoning body %s at %s, storing nothing", async (raw, path, message) => {
    const s = await start();
    const res = await post(s, raw);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: "validation_failed", details: [{ path }] } });
    const [detail] = (res.body as { error: { details: { message: string }[] } }).error.details;
    expect(detail?.message).toMatch(message);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await stored(s, "m")).toEqual([]);
  });

  it("keeps `constructor` as an ordinary label", async () => {
    const s = await start();
    const res = await post(s, '{"samples":[{"metric":"m","value":1,"labels":{"constructor":"x"}}]}');
    expect(res.status).toBe(202);
    expect(await stored(s, "m")).toMatchObject([{ labels: { constructor: "x" } }]);
  });

  it.each([
    ['{"samples": [', /not valid JSON/],
    ["", /empty/],
  ])("answers 400 bad_request to the body %j", async (raw, message) => {
    const s = await start();
    const res = await post(s, raw);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      error: { code: "bad_request", message: expect.stringMatching(message) },
    });
  });

  it("still demands the ingest scope and honours the body limit", async () => {
    const s = await start();
    expect((await post(s, { samples: [] }, TOKENS.reader)).status).toBe(403);
    expect((await post(s, { samples: [] }, "")).status).toBe(401);
    const big = { samples: Array.from({ length: 100 }, (_, i) => ({ metric: "m", value: i })) };
    expect(await post(s, big)).toMatchObject({ status: 413, body: { error: { code: "payload_too_large" } } });
  });
});
