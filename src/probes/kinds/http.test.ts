import type http from "node:http";
import net from "node:net";
import { performance } from "node:perf_hooks";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  closedPort,
  httpProbe,
  selfSignedCert,
  startHttp,
  startHttps,
  type TestServer,
  withTimeout,
} from "../testing.case.js";
import { createHttpKind } from "./http.js";
import { BODY_LIMIT } from "./http-expect.js";
import { ProbeTimeoutError } from "./types.js";

const DAY_MS = 86_400_000;

/** Waits at least `ms` by the monotonic clock (a timer alone may fire a fraction of a ms early). */
function sleepAtLeast(ms: number, then: () => void): void {
  const start = performance.now();
  const check = () => {
    const left = ms - (performance.now() - start);
    if (left > 0) setTimeout(check, Math.ceil(left));
    else then();
  };
  setTimeout(check, ms);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (d: string) => {
      text += d;
    });
    req.on("end", () => resolve(text));
  });
}

const signal = () => AbortSignal.timeout(10_000);

describe("http probe kind", () => {
  const kind = createHttpKind();
  const servers: TestServer[] = [];
  const serve = async (handler: http.RequestListener) => {
    const s = await startHttp(handler);
    servers.push(s);
    return s;
  };
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  afterAll(() => kind.close());

  it("reports 200 as ok with every phase measured and the total at least the server's delay", async () => {
    const delay = 60;
    const srv = await serve((_req, res) => sleepAtLeast(delay, () => res.end("ok")));
    const r = await kind.run(httpProbe({ name: "slow", target: `${srv.url}/x` }), signal());
    expect(r).toMatchObject({ probe: "slow", ok: true, status: 200 });
    expect(r.error).toBeUndefined();
    const p = r.phases!;
    for (const v of [p.dnsMs, p.connectMs, p.tlsMs, p.firstByteMs, p.totalMs])
      expect(v).toBeGreaterThanOrEqual(0);
    expect(p.totalMs).toBeGreaterThanOrEqual(delay);
    expect(p.firstByteMs).toBeGreaterThanOrEqual(delay - 1);
    expect(p.dnsMs + p.connectMs + p.tlsMs + p.firstByteMs).toBeLessThanOrEqual(p.totalMs);
    expect(p).toMatchObject({ reused: false, tls: false, dnsMs: 0, tlsMs: 0 });
    expect(p.connectMs).toBeGreaterThan(0);
    expect(r.latencyMs).toBe(p.totalMs);
    expect(r.certDaysLeft).toBeUndefined();
  });

  it("measures name resolution for a host name", async () => {
    const srv = await serve((_req, res) => res.end("ok"));
    const r = await kind.run(httpProbe({ target: `http://localhost:${srv.port}/` }), signal());
    expect(r.ok).toBe(true);
    expect(r.phases!.dnsMs).toBeGreaterThan(0);
  });

  it("fails a status outside expect.status, and outside 200-399 by default", async () => {
    const srv = await serve((_req, res) => res.writeHead(503).end("down"));
    const byDefault = await kind.run(httpProbe({ target: srv.url }), signal());
    expect(byDefault).toMatchObject({ ok: false, status: 503, error: "expected status 200-399, got 503" });
    const listed = await kind.run(httpProbe({ target: srv.url, expect: { status: [200, 204] } }), signal());
    expect(listed).toMatchObject({ ok: false, status: 503, error: "expected status 200 or 204, got 503" });
    const accepted = await kind.run(httpProbe({ target: srv.url, expect: { status: [503] } }), signal());
    expect(accepted).toMatchObject({ ok: true, status: 503 });
  });

  it("checks body_contains", async () => {
    const srv = await serve((_req, res) => res.end("service is healthy"));
    const yes = await kind.run(
      httpProbe({ target: srv.url, expect: { body_contains: "healthy" } }),
      signal(),
    );
    expect(yes.ok).toBe(true);
    const no = await kind.run(
      httpProbe({ target: srv.url, expect: { body_contains: "ok\u00e9" } }),
      signal(),
    );
    expect(no).toMatchObject({ ok: false, status: 200, error: 'body does not contain "ok\u00e9"' });
  });

  it("reads at most BODY_LIMIT bytes of a body", async () => {
    const srv = await serve((_req, res) => {
      res.write(Buffer.alloc(BODY_LIMIT, "a"));
      res.end("needle");
    });
    const r = await kind.run(httpProbe({ target: srv.url, expect: { body_contains: "needle" } }), signal());
    expect(r).toMatchObject({
      ok: false,
      error: `body does not contain "needle" (in the first ${BODY_LIMIT} bytes)`,
    });
  });

  it("checks expected headers: case-insensitive name, substring of the value, presence", async () => {
    const srv = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json; charset=utf-8", "x-version": "1.2.3" });
      res.end("{}");
    });
    const probe = (header: Record<string, string>) => httpProbe({ target: srv.url, expect: { header } });
    expect((await kind.run(probe({ "Content-Type": "json", "x-version": "" }), signal())).ok).toBe(true);
    expect(await kind.run(probe({ "x-version": "2.0" }), signal())).toMatchObject({
      ok: false,
      error: 'header "x-version" is "1.2.3", expected it to contain "2.0"',
    });
    expect(await kind.run(probe({ "X-Missing": "" }), signal())).toMatchObject({
      ok: false,
      error: 'header "X-Missing" missing',
    });
  });

  it("enforces the timeout through the signal and closes the socket", async () => {
    const srv = await serve(() => {
      // never answers
    });
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new ProbeTimeoutError(200)), 200);
    const t0 = performance.now();
    const r = await withTimeout(
      kind.run(httpProbe({ target: srv.url, timeout: 200 }), controller.signal),
      5_000,
      "the probe to give up",
    );
    clearTimeout(timer);
    expect(r).toMatchObject({ ok: false, error: "timeout after 200 ms" });
    expect(r.latencyMs).toBeGreaterThanOrEqual(190);
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(srv.accepted()).toBe(1);
    await srv.allClosed(2_000);
  });

  it("reads AbortSignal.timeout() as the probe's timeout", async () => {
    const srv = await serve(() => {});
    const r = await kind.run(httpProbe({ target: srv.url, timeout: 100 }), AbortSignal.timeout(100));
    expect(r).toMatchObject({ ok: false, error: "timeout after 100 ms" });
    await srv.allClosed(2_000);
  });

  describe("redirects", () => {
    let srv: TestServer;
    const methods: string[] = [];
    beforeAll(async () => {
      srv = await startHttp((req, res) => {
        const url = new URL(req.url ?? "/", "http://x");
        methods.push(`${req.method} ${url.pathname}`);
        const hops = /^\/r\/(\d+)$/.exec(url.pathname);
        if (hops && Number(hops[1]) > 0) {
          res.writeHead(302, { location: `/r/${Number(hops[1]) - 1}` }).end();
        } else if (url.pathname === "/see-other") {
          res.writeHead(303, { location: "/r/0" }).end();
        } else {
          res.end("final");
        }
      });
    });
    afterAll(() => srv.close());

    it("follows them up to max_redirects", async () => {
      const r = await kind.run(
        httpProbe({ target: `${srv.url}/r/3`, max_redirects: 3, expect: { body_contains: "final" } }),
        signal(),
      );
      expect(r).toMatchObject({ ok: true, status: 200 });
    });

    it("fails beyond max_redirects", async () => {
      const r = await kind.run(httpProbe({ target: `${srv.url}/r/3`, max_redirects: 2 }), signal());
      expect(r).toMatchObject({ ok: false, status: 302, error: "too many redirects (more than 2)" });
    });

    it("judges the 3xx itself when follow_redirects is off", async () => {
      const r = await kind.run(httpProbe({ target: `${srv.url}/r/1`, follow_redirects: false }), signal());
      expect(r).toMatchObject({ ok: true, status: 302 });
      const strict = await kind.run(
        httpProbe({ target: `${srv.url}/r/1`, follow_redirects: false, expect: { status: [200] } }),
        signal(),
      );
      expect(strict).toMatchObject({ ok: false, error: "expected status 200, got 302" });
    });

    it("turns a POST into a GET after 303", async () => {
      methods.length = 0;
      const r = await kind.run(
        httpProbe({ target: `${srv.url}/see-other`, method: "POST", body: "x" }),
        signal(),
      );
      expect(r.ok).toBe(true);
      expect(methods).toEqual(["POST /see-other", "GET /r/0"]);
    });
  });

  it("reports a refused connection", async () => {
    const port = await closedPort();
    const r = await kind.run(httpProbe({ target: `http://127.0.0.1:${port}/` }), signal());
    expect(r).toMatchObject({ ok: false, error: "ECONNREFUSED" });
    expect(r.status).toBeUndefined();
    expect(r.phases).toBeUndefined();
  });

  it("sends a mapping body as JSON and a string body as is", async () => {
    const got: { type?: string; body: string; method?: string }[] = [];
    const srv = await serve(async (req, res) => {
      got.push({ type: req.headers["content-type"], body: await readBody(req), method: req.method });
      res.end("ok");
    });
    await kind.run(
      httpProbe({ target: srv.url, method: "POST", body: { workers: "+2", n: [1, 2] } }),
      signal(),
    );
    await kind.run(
      httpProbe({ target: srv.url, method: "PUT", body: "plain", headers: { "Content-Type": "text/plain" } }),
      signal(),
    );
    expect(got).toEqual([
      { type: "application/json", body: '{"workers":"+2","n":[1,2]}', method: "POST" },
      { type: "text/plain", body: "plain", method: "PUT" },
    ]);
  });

  describe("on the wire", () => {
    it("reads chunked and close-delimited bodies, and HEAD responses", async () => {
      const srv = await serve((req, res) => {
        if (req.url === "/close") {
          res.setHeader("connection", "close");
          res.writeHead(200);
          res.write("closing ");
          res.end("body");
          return;
        }
        res.write("part one, ");
        setTimeout(() => res.end("part two"), 5);
      });
      const chunked = await kind.run(
        httpProbe({ target: srv.url, expect: { body_contains: "one, part two" } }),
        signal(),
      );
      expect(chunked).toMatchObject({ ok: true, status: 200 });
      const head = await kind.run(httpProbe({ target: srv.url, method: "HEAD" }), signal());
      expect(head).toMatchObject({ ok: true, status: 200 });
      const closing = await kind.run(
        httpProbe({ target: `${srv.url}/close`, expect: { body_contains: "closing body" } }),
        signal(),
      );
      expect(closing).toMatchObject({ ok: true, status: 200 });
    });

    it("reports a response cut short", async () => {
      const srv = await serve((_req, res) => {
        res.writeHead(200, { "content-length": "100" });
        res.write("only this much");
        setTimeout(() => res.socket?.destroy(), 5);
      });
      const r = await kind.run(httpProbe({ target: srv.url }), signal());
      expect(r).toMatchObject({ ok: false, error: "connection closed before the response ended" });
    });

    it("reports a server that does not speak HTTP", async () => {
      const raw = net.createServer((socket) => socket.end("SSH-2.0-OpenSSH_9.6\r\n\r\n"));
      await new Promise<void>((r) => raw.listen(0, "127.0.0.1", r));
      const port = (raw.address() as net.AddressInfo).port;
      const r = await kind.run(httpProbe({ target: `http://127.0.0.1:${port}/` }), signal());
      raw.close();
      expect(r).toMatchObject({ ok: false, error: 'malformed status line "SSH-2.0-OpenSSH_9.6"' });
    });

    it("refuses a header that would smuggle another line into the request", async () => {
      const srv = await serve((_req, res) => res.end("ok"));
      const r = await kind.run(
        httpProbe({ target: srv.url, headers: { "x-a": "1\r\nx-injected: 2" } }),
        signal(),
      );
      expect(r.ok).toBe(false);
      expect(r.error).toMatch(/ERR_INVALID_CHAR/);
      expect(srv.accepted()).toBe(0);
    });
  });

  describe("connections", () => {
    it("reuses a kept-alive connection, and says so", async () => {
      const srv = await serve((_req, res) => res.end("ok"));
      const probe = httpProbe({ target: srv.url });
      const runs = [];
      for (let i = 0; i < 3; i++) runs.push(await kind.run(probe, signal()));
      expect(runs.map((r) => r.phases?.reused)).toEqual([false, true, true]);
      expect(runs[0]!.phases!.connectMs).toBeGreaterThan(0);
      expect(runs[2]!.phases).toMatchObject({ dnsMs: 0, connectMs: 0, tlsMs: 0 });
      expect(srv.accepted()).toBe(1);
    });

    it("connects afresh once every freshEveryMs even with keep-alive", async () => {
      const always = createHttpKind({ freshEveryMs: 0 });
      const srv = await serve((_req, res) => res.end("ok"));
      const probe = httpProbe({ target: srv.url });
      for (let i = 0; i < 3; i++) expect((await always.run(probe, signal())).phases?.reused).toBe(false);
      expect(srv.accepted()).toBe(3);
      always.close();
    });

    it("connects afresh every run with keepAlive off", async () => {
      const fresh = createHttpKind({ keepAlive: false });
      const srv = await serve((_req, res) => res.end("ok"));
      const probe = httpProbe({ target: srv.url });
      for (let i = 0; i < 3; i++) expect((await fresh.run(probe, signal())).phases?.reused).toBe(false);
      expect(srv.accepted()).toBe(3);
      await srv.allClosed();
      fresh.close();
    });

    it("retries once, afresh, when the server dropped a kept-alive connection", async () => {
      const perSocket = new WeakMap<object, number>();
      const srv = await serve((req, res) => {
        const n = (perSocket.get(req.socket) ?? 0) + 1;
        perSocket.set(req.socket, n);
        if (n >= 2) req.socket.destroy();
        else res.end("ok");
      });
      const probe = httpProbe({ target: srv.url });
      expect((await kind.run(probe, signal())).ok).toBe(true);
      const second = await kind.run(probe, signal());
      expect(second).toMatchObject({ ok: true, status: 200 });
      expect(second.phases?.reused).toBe(false);
      expect(srv.accepted()).toBe(2);
    });
  });

  describe("https", () => {
    const cert = selfSignedCert(30);
    let srv: TestServer;
    beforeAll(async () => {
      srv = await startHttps((_req, res) => res.end("secure"), cert);
    });
    afterAll(() => srv.close());

    it("reports the certificate's days to expiry and the TLS handshake", async () => {
      const probe = httpProbe({ target: srv.url, tls: { insecure: true } });
      const r = await kind.run(probe, signal());
      expect(r).toMatchObject({ ok: true, status: 200 });
      const expected = (cert.validTo - Date.now()) / DAY_MS;
      expect(expected).toBeGreaterThan(29);
      expect(Math.abs((r.certDaysLeft ?? Number.NaN) - expected)).toBeLessThanOrEqual(1);
      expect(r.phases).toMatchObject({ tls: true, reused: false });
      expect(r.phases!.tlsMs).toBeGreaterThan(0);
      // A reused TLS connection still knows its certificate.
      await kind.run(probe, signal());
      const reused = await kind.run(probe, signal());
      expect(reused.phases?.reused).toBe(true);
      expect(Math.abs((reused.certDaysLeft ?? Number.NaN) - expected)).toBeLessThanOrEqual(1);
    });

    it("refuses an untrusted certificate unless tls.insecure", async () => {
      const r = await kind.run(httpProbe({ target: srv.url }), signal());
      expect(r.ok).toBe(false);
      expect(r.error).toMatch(/SELF_SIGNED/);
    });
  });
});
