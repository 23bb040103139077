import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { HttpStep } from "../../config/types.js";
import { httpStep } from "./http.js";
import { OUTPUT_LIMIT, type StepContext } from "./types.js";

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** A loopback server; `handle` answers each request after its body has been read. */
async function serve(
  handle: (req: Seen, res: ServerResponse) => void,
): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      const s = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body };
      seen.push(s);
      handle(s, res);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

function ctx(over: Partial<StepContext> = {}): StepContext {
  return {
    env: {},
    secrets: [],
    timeoutMs: 30_000,
    signal: new AbortController().signal,
    dryRun: false,
    ...over,
  };
}

const step = (http: Partial<HttpStep["http"]> & { url: string }): HttpStep => ({
  http: { method: "POST", ...http },
});

describe("http step", () => {
  it("sends a mapping body as JSON and succeeds on 2xx", async () => {
    const { url, seen } = await serve((_req, res) => res.writeHead(201).end('{"scaled":true}'));
    const r = await httpStep.run(
      step({ url: `${url}/api/scale`, body: { workers: "+2" }, headers: { "X-Run": "r1" } }),
      ctx(),
    );
    expect(r).toMatchObject({ status: "succeeded", httpStatus: 201, stdout: '{"scaled":true}' });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: "POST", url: "/api/scale", body: '{"workers":"+2"}' });
    expect(seen[0]?.headers["content-type"]).toBe("application/json");
    expect(seen[0]?.headers["x-run"]).toBe("r1");
  });

  it("sends a string body as written, with the step's content type", async () => {
    const { url, seen } = await serve((_req, res) => res.writeHead(204).end());
    const r = await httpStep.run(
      step({
        url,
        method: "PUT",
        body: "a=1&b=2",
        headers: { "content-type": "application/x-www-form-urlencoded" },
      }),
      ctx(),
    );
    expect(r.status).toBe("succeeded");
    expect(seen[0]).toMatchObject({ method: "PUT", body: "a=1&b=2" });
    expect(seen[0]?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
  });

  it("fails on an unexpected status, and honours expect_status", async () => {
    const { url } = await serve((_req, res) => res.writeHead(503).end("busy"));
    const r = await httpStep.run(step({ url }), ctx());
    expect(r).toMatchObject({ status: "failed", httpStatus: 503, stdout: "busy" });
    expect(r.error).toBe("unexpected status 503 (expected 2xx)");
    const expected = await httpStep.run(step({ url, expect_status: [503] }), ctx());
    expect(expected.status).toBe("succeeded");
    const other = await httpStep.run(step({ url, expect_status: [200, 202] }), ctx());
    expect(other.error).toBe("unexpected status 503 (expected 200 or 202)");
  });

  it("never follows a redirect to another host", async () => {
    const elsewhere = await serve((_req, res) => res.writeHead(200).end("followed"));
    const { url } = await serve((_req, res) => res.writeHead(302, { location: `${elsewhere.url}/x` }).end());
    const r = await httpStep.run(step({ url, headers: { authorization: "Bearer abcdefgh" } }), ctx());
    expect(r.status).toBe("failed");
    expect(r.httpStatus).toBe(302);
    expect(r.error).toContain(`redirected (302) to ${elsewhere.url}/x`);
    expect(r.error).toContain("list 302 in expect_status");
    expect(elsewhere.seen).toHaveLength(0);
    const expected = await httpStep.run(step({ url, expect_status: [302] }), ctx());
    expect(expected.status).toBe("succeeded");
    expect(elsewhere.seen).toHaveLength(0);
  });

  it("times out a server that never answers", async () => {
    const { url, seen } = await serve(() => {});
    const r = await httpStep.run(step({ url }), ctx({ timeoutMs: 300 }));
    expect(r.status).toBe("timed_out");
    expect(r.error).toBe("no complete response within 300ms");
    expect(seen).toHaveLength(1);
  });

  it("times out a body that never ends, keeping what arrived", async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(200);
      res.write("partial");
    });
    const r = await httpStep.run(step({ url }), ctx({ timeoutMs: 300 }));
    expect(r).toMatchObject({ status: "timed_out", httpStatus: 200, stdout: "partial" });
  });

  it("is cancelled by the context's signal", async () => {
    const { url } = await serve(() => {});
    const ac = new AbortController();
    const pending = httpStep.run(step({ url }), ctx({ signal: ac.signal }));
    ac.abort();
    expect((await pending).status).toBe("cancelled");
  });

  it("caps the response body", async () => {
    const { url } = await serve((_req, res) => res.writeHead(200).end("x".repeat(OUTPUT_LIMIT * 3)));
    const r = await httpStep.run(step({ url }), ctx());
    expect(r.status).toBe("succeeded");
    expect(r.truncated).toBe(true);
    expect(r.stdout).toHaveLength(OUTPUT_LIMIT);
  });

  it("redacts secrets from the body, errors and dry runs", async () => {
    const secret = "tok-9f8e7d6c5b4a";
    const { url } = await serve((req, res) =>
      res.writeHead(401).end(`bad token ${req.headers.authorization} (${encodeURIComponent(secret)})`),
    );
    const headers = { authorization: `Bearer ${secret}` };
    const r = await httpStep.run(step({ url: `${url}/?key=${secret}`, headers }), ctx({ secrets: [secret] }));
    expect(r).toMatchObject({
      status: "failed",
      httpStatus: 401,
      stdout: "bad token Bearer [redacted] ([redacted])",
    });
    const closed = await serve(() => {});
    await new Promise((r) => servers.pop()?.close(r));
    const refused = await httpStep.run(
      step({ url: closed.url.replace("http://", `http://user:${secret}@`) + `/?key=${secret}` }),
      ctx({ secrets: [secret] }),
    );
    expect(refused.status).toBe("failed");
    expect(refused.error).toContain("ECONNREFUSED");
    expect(refused.error).not.toContain(secret);
    const dry = await httpStep.run(
      step({ url: `${url}/?key=${secret}` }),
      ctx({ secrets: [secret], dryRun: true }),
    );
    expect(dry).toMatchObject({ status: "skipped", wouldRun: `POST ${url}/?key=[redacted]` });
  });

  it("turns credentials in the URL into Basic auth", async () => {
    const { url, seen } = await serve((_req, res) => res.writeHead(200).end());
    const r = await httpStep.run(step({ url: url.replace("http://", "http://ci%40corp:p%3Ass@") }), ctx());
    expect(r.status).toBe("succeeded");
    expect(seen[0]?.headers.authorization).toBe(`Basic ${Buffer.from("ci@corp:p:ss").toString("base64")}`);
  });

  it("dry run sends nothing", async () => {
    const { url, seen } = await serve((_req, res) => res.writeHead(200).end());
    const r = await httpStep.run(step({ url, method: "DELETE" }), ctx({ dryRun: true }));
    expect(r).toMatchObject({ status: "skipped", wouldRun: `DELETE ${url}` });
    expect(seen).toHaveLength(0);
  });
});
