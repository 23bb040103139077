import { type ChildProcess, spawn } from "node:child_process";
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { closedPort, startTcp, type TestServer, tcpProbe, withTimeout } from "../testing.case.js";
import { tcpKind } from "./tcp.js";
import { ProbeTimeoutError } from "./types.js";

const signal = () => AbortSignal.timeout(10_000);

/**
 * A listener whose accept queue is full, so a new connection hangs in SYN_SENT: a child process
 * listens with backlog 1 and then blocks its event loop (it never accepts). Non-routable
 * addresses do not time out here (a transparent proxy answers them), so this is the reliable way.
 */
async function fullBacklog(): Promise<{ port: number; fillers: net.Socket[]; child: ChildProcess }> {
  const code = `
    const net = require("node:net");
    const s = net.createServer();
    s.listen({ port: 0, host: "127.0.0.1", backlog: 1 }, () => {
      process.send({ port: s.address().port }, () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20000));
    });`;
  const child = spawn(process.execPath, ["-e", code], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
  const { port } = await withTimeout(
    new Promise<{ port: number }>((r) => child.once("message", (m) => r(m as { port: number }))),
    5_000,
    "the backlog listener",
  );
  const fillers: net.Socket[] = [];
  for (let i = 0; i < 10; i++) {
    const socket = net.connect(port, "127.0.0.1");
    socket.on("error", () => {});
    fillers.push(socket);
    const connected = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 300);
      socket.once("connect", () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!connected) return { port, fillers, child };
  }
  child.kill();
  throw new Error("could not fill the accept queue: 10 connections were all accepted");
}

describe("tcp probe kind", () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it("reports a successful connect with its latency, and closes the connection", async () => {
    const srv: TestServer = await startTcp();
    cleanups.push(() => srv.close());
    const r = await tcpKind.run(tcpProbe({ name: "db", target: `127.0.0.1:${srv.port}` }), signal());
    expect(r).toMatchObject({ probe: "db", ok: true });
    expect(r.error).toBeUndefined();
    expect(r.latencyMs).toBeGreaterThan(0);
    expect(r.latencyMs).toBeLessThan(1_000);
    expect(srv.accepted()).toBe(1);
    await srv.allClosed(2_000);
  });

  it("accepts a host name and an [IPv6]-style target", async () => {
    const srv = await startTcp();
    cleanups.push(() => srv.close());
    expect((await tcpKind.run(tcpProbe({ target: `localhost:${srv.port}` }), signal())).ok).toBe(true);
    const v6 = await tcpKind.run(tcpProbe({ target: `[::1]:${await closedPort()}` }), signal());
    expect(v6.ok).toBe(false);
    expect(v6.error).toMatch(/ECONNREFUSED|EADDRNOTAVAIL|ENETUNREACH/);
  });

  it("reports a refused connection", async () => {
    const port = await closedPort();
    const r = await tcpKind.run(tcpProbe({ target: `127.0.0.1:${port}` }), signal());
    expect(r).toMatchObject({ ok: false, error: "ECONNREFUSED" });
  });

  it("times out on a listener that never completes the handshake", async () => {
    const { port, fillers, child } = await fullBacklog();
    cleanups.push(() => {
      for (const f of fillers) f.destroy();
      child.kill();
    });
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new ProbeTimeoutError(250)), 250);
    const r = await withTimeout(
      tcpKind.run(tcpProbe({ target: `127.0.0.1:${port}`, timeout: 250 }), controller.signal),
      5_000,
      "the tcp probe to time out",
    );
    clearTimeout(timer);
    expect(r).toMatchObject({ ok: false, error: "timeout after 250 ms" });
    expect(r.latencyMs).toBeGreaterThanOrEqual(240);
  });

  it("answers at once for an already aborted signal", async () => {
    const controller = new AbortController();
    controller.abort(new ProbeTimeoutError(5));
    const r = await tcpKind.run(tcpProbe({ target: "127.0.0.1:1" }), controller.signal);
    expect(r).toMatchObject({ ok: false, error: "timeout after 5 ms" });
  });
});
