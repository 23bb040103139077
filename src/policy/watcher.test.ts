import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../core/clock.js";
import type { PolicyState } from "./types.js";
import { PolicyWatcher } from "./watcher.js";

describe("PolicyWatcher against a real policy server", () => {
  let server: Server;
  let base = "";
  let reply: { status: number; body: string } = { status: 200, body: '{"id":"pack-1"}' };
  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(reply.status, { "content-type": "application/json" });
      res.end(reply.body);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  const watcher = (approved?: string) => {
    const changes: PolicyState[] = [];
    const w = new PolicyWatcher({ clock: systemClock, onChange: (s) => changes.push(s) });
    w.configure({ source: `${base}/policy/version`, interval: 60_000, ...(approved ? { approved } : {}) });
    return { w, changes };
  };

  it("keeps the live id and a digest of the whole document", async () => {
    reply = { status: 200, body: '{"id":"pack-1","rules":42}' };
    const { w } = watcher();
    const s = await w.poll();
    expect(s).toMatchObject({ id: "pack-1", error: null, drift: false });
    expect(s.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it("flags drift when the live id differs from the approved one", async () => {
    reply = { status: 200, body: '{"id":"pack-2"}' };
    const { w } = watcher("pack-1");
    expect(await w.poll()).toMatchObject({ id: "pack-2", approved: "pack-1", drift: true });
  });

  it("a source that fails or answers garbage is an error, never drift, and the last id stays", async () => {
    reply = { status: 200, body: '{"id":"pack-1"}' };
    const { w, changes } = watcher("pack-1");
    await w.poll();
    for (const [status, body, message] of [
      [503, "down", /HTTP 503/],
      [200, "<html>", /not JSON/],
      [200, '{"version":3}', /no string "id"/],
    ] as const) {
      reply = { status, body };
      const s = await w.poll();
      expect(s.error).toMatch(message);
      expect(s).toMatchObject({ id: "pack-1", drift: false });
    }
    expect(changes.map((c) => c.error === null)).toEqual([true, false, false, false]);
  });

  it("a source that does not answer in time is an error (the fetch never outlives min(interval, 10 s))", async () => {
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const port = (silent.address() as AddressInfo).port;
    try {
      const w = new PolicyWatcher({ clock: systemClock });
      w.configure({ source: `http://127.0.0.1:${port}/policy`, interval: 200 });
      expect(await w.poll()).toMatchObject({ id: null, drift: false, error: "no answer within 200 ms" });
    } finally {
      silent.closeAllConnections();
      await new Promise((r) => silent.close(r));
    }
  });

  it("an unreachable source says so", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const w = new PolicyWatcher({ clock: systemClock });
    w.configure({ source: `http://127.0.0.1:${port}/policy`, interval: 1000 });
    expect((await w.poll()).error).toMatch(/unreachable \(ECONNREFUSED\)/);
  });
});
