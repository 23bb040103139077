/**
 * `GET /api/v1/stream` over a real socket: the token as a sub-protocol (never the URL), a public
 * board without one (board deltas only), live events after a transition, catch-up by last id
 * after a dropped connection, a resync snapshot when the client comes from another process.
 */
import { writeFile } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { pushSamples, type Running, startApp, TOKENS, TOKENS_YAML, waitFor } from "./helpers.js";

interface Msg {
  type: string;
  id?: number;
  epoch?: string;
  topic?: string;
  data?: Record<string, unknown>;
  board?: { probes: { name: string; state: string }[] };
  resync?: boolean;
  viewer?: { name: string; scopes: string[] };
}

const config = (publicBoard: boolean) => `server:
  data: ./data
${TOKENS_YAML}    public_board: ${publicBoard}
probes:
  - { name: queue, type: push, labels: { agency: SSA } }
slos:
  - { name: queue-deep, probe: queue, when: "value > 100", severity: page }
`;

const b64 = (s: string) => Buffer.from(s).toString("base64url");

/** A client that records every message; `opened` rejects with the HTTP status of a refused upgrade. */
function connect(url: string, token?: string, hello: unknown = { type: "hello" }) {
  const protocols = token ? ["hms-ops.v1", `hms-ops.bearer.${b64(token)}`] : ["hms-ops.v1"];
  const ws = new WebSocket(`${url.replace("http", "ws")}/api/v1/stream`, protocols);
  const messages: Msg[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  const opened = new Promise<void>((resolve, reject) => {
    ws.on("open", () => {
      ws.send(JSON.stringify(hello));
      resolve();
    });
    ws.on("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.on("error", reject);
  });
  ws.on("message", (raw) => messages.push(JSON.parse(String(raw)) as Msg));
  return { ws, messages, opened, closed, protocol: () => ws.protocol };
}

describe("board stream", () => {
  let srv: Running | undefined;
  const sockets: WebSocket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.terminate();
    await srv?.stop();
    srv = undefined;
  });
  const open = (...args: Parameters<typeof connect>) => {
    const c = connect(...args);
    sockets.push(c.ws);
    return c;
  };
  const push = (url: string, value: number) => pushSamples(url, [{ probe: "queue", value }]);

  it("refuses an upgrade without a valid token on a private board, accepts one offered as a sub-protocol", async () => {
    srv = await startApp(config(false));
    await expect(open(srv.url).opened).rejects.toThrow("HTTP 401");
    await expect(open(srv.url, "not-a-token-000000000000").opened).rejects.toThrow("HTTP 401");
    await expect(open(srv.url, TOKENS.sensor).opened).rejects.toThrow("HTTP 403");
    const reader = open(srv.url, TOKENS.reader);
    await reader.opened;
    // The chosen protocol is the plain one: the token is never echoed back.
    expect(reader.protocol()).toBe("hms-ops.v1");
    await waitFor(() => reader.messages.some((m) => m.type === "snapshot"), "the snapshot");
    expect(reader.messages[0]).toMatchObject({
      type: "welcome",
      viewer: { name: "reader", scopes: ["read"] },
    });
    const snapshot = reader.messages.find((m) => m.type === "snapshot");
    expect(snapshot?.board?.probes.map((p) => p.name)).toContain("queue");
  });

  it("streams a transition live: readers get the domain event and the delta, the public only the delta", async () => {
    srv = await startApp(config(true));
    const url = srv.url;
    const anon = open(url);
    const reader = open(url, TOKENS.reader);
    await Promise.all([anon.opened, reader.opened]);
    await waitFor(() => anon.messages.some((m) => m.type === "snapshot"), "the public snapshot");
    await waitFor(() => reader.messages.some((m) => m.type === "snapshot"), "the reader's snapshot");
    expect(anon.messages[0]).toMatchObject({ type: "welcome", viewer: { name: "public", scopes: [] } });

    await push(url, 500);
    const redQueue = (m: Msg) =>
      m.topic === "board.delta" &&
      ((m.data?.probes ?? []) as { name: string; state: string }[]).some(
        (p) => p.name === "queue" && p.state === "red",
      );
    await waitFor(() => reader.messages.some(redQueue), "the reader's red delta");
    await waitFor(() => anon.messages.some(redQueue), "the public red delta");
    expect(reader.messages.some((m) => m.topic === "alerts.transition" && m.data?.kind === "firing")).toBe(
      true,
    );
    expect(anon.messages.filter((m) => m.type === "event").map((m) => m.topic)).toEqual(
      expect.arrayContaining(["board.delta"]),
    );
    expect(anon.messages.some((m) => m.type === "event" && m.topic !== "board.delta")).toBe(false);
    const ids = reader.messages.filter((m) => m.type === "event").map((m) => m.id ?? 0);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });

  it("catches up after a dropped connection by the last id, and resyncs a client from another process", async () => {
    srv = await startApp(config(true));
    const url = srv.url;
    const first = open(url, TOKENS.reader);
    await first.opened;
    await waitFor(() => first.messages.some((m) => m.type === "snapshot"), "the snapshot");
    const welcome = first.messages[0] as Msg;
    const last = (first.messages.find((m) => m.type === "snapshot") as Msg).id ?? 0;
    first.ws.close();
    await first.closed;

    await push(url, 500);
    const missed = await waitFor(async () => {
      // Ask until the server has emitted what happened while we were away.
      const probe = open(url, TOKENS.reader, { type: "hello", after: last, epoch: welcome.epoch });
      await probe.opened;
      await waitFor(() => probe.messages.length >= 1, "the welcome");
      const head = probe.messages[0]?.id ?? 0;
      if (head <= last) {
        probe.ws.close();
        return null;
      }
      await waitFor(
        () => probe.messages.filter((m) => m.type === "event").length >= head - last,
        "the replay",
      );
      return probe;
    }, "events after the drop");
    const replay = missed.messages.filter((m) => m.type === "event");
    expect(missed.messages.some((m) => m.type === "snapshot")).toBe(false);
    expect(replay[0]?.id).toBe(last + 1);
    expect(replay.some((m) => m.topic === "alerts.transition")).toBe(true);

    const stranger = open(url, TOKENS.reader, { type: "hello", after: 3, epoch: "some-earlier-process" });
    await stranger.opened;
    await waitFor(() => stranger.messages.some((m) => m.type === "snapshot"), "the resync");
    expect(stranger.messages.find((m) => m.type === "snapshot")).toMatchObject({ resync: true });
  });

  it("closes a socket whose first message is not a hello", async () => {
    srv = await startApp(config(true));
    const bad = open(srv.url, undefined, { type: "subscribe", after: -1 });
    await bad.opened;
    expect(await bad.closed).toMatchObject({ code: 4400, reason: expect.stringMatching(/hello/) });
  });

  it("closes a socket whose token was removed from ops.yml, keeps one whose rights did not change", async () => {
    srv = await startApp(config(false));
    const reader = open(srv.url, TOKENS.reader);
    const admin = open(srv.url, TOKENS.admin);
    await Promise.all([reader.opened, admin.opened]);
    await waitFor(() => reader.messages.some((m) => m.type === "snapshot"), "the snapshot");
    const withoutReader = config(false)
      .split("\n")
      .filter((l) => !l.includes("name: reader"))
      .join("\n");
    await writeFile(srv.configFile, withoutReader);
    expect(await srv.app.reload()).toBe("applied");
    expect(await reader.closed).toMatchObject({ code: 4401 });
    expect(admin.ws.readyState).toBe(WebSocket.OPEN);
    await expect(open(srv.url, TOKENS.reader).opened).rejects.toThrow("HTTP 401");
  });

  it("marks a probe under an active maintenance window 🔧 and one whose run-book waits ⚡", async () => {
    const now = Date.now();
    srv = await startApp(`server:
  data: ./data
${TOKENS_YAML}    public_board: true
probes:
  - { name: db, type: push, labels: { service: db } }
  - { name: web, type: push, labels: { service: web } }
slos:
  - { name: db-slow, probe: db, when: "value > 1", severity: page, runbook: fix-db }
  - { name: web-slow, probe: web, when: "value > 1", severity: page }
runbooks:
  fix-db:
    approval: true
    steps:
      - run: node -e "0"
maintenance:
  - { name: web-upgrade, match: { probe: web }, start: ${now - 60_000}, end: ${now + 3_600_000} }
`);
    await pushSamples(srv.url, [
      { probe: "db", value: 5 },
      { probe: "web", value: 5 },
    ]);
    const anon = open(srv.url);
    await anon.opened;
    type Tile = { name: string; runbook: string | null; maintenance: boolean };
    const tiles = await waitFor(async () => {
      const snap = anon.messages.find((m) => m.type === "snapshot");
      const probes = (snap?.board?.probes ?? []) as unknown as Tile[];
      return probes.some((p) => p.runbook) ? probes : null;
    }, "a snapshot with the run-book waiting");
    expect(tiles.find((p) => p.name === "db")).toMatchObject({
      runbook: "waiting_approval",
      maintenance: false,
    });
    expect(tiles.find((p) => p.name === "web")).toMatchObject({ runbook: null, maintenance: true });
  });

  it("sends the samples of watched probes to readers only; a malformed watch closes the socket", async () => {
    srv = await startApp(config(true));
    const reader = open(srv.url, TOKENS.reader);
    const anon = open(srv.url);
    await Promise.all([reader.opened, anon.opened]);
    for (const c of [reader, anon]) c.ws.send(JSON.stringify({ type: "watch", probes: ["queue"] }));
    await waitFor(() => reader.messages.some((m) => m.type === "snapshot"), "the snapshot");
    await waitFor(() => anon.messages.some((m) => m.type === "snapshot"), "the public snapshot");
    await push(srv.url, 42);
    const got = await waitFor(() => reader.messages.find((m) => m.type === "samples"), "the watched sample");
    expect(got).toMatchObject({
      samples: [{ metric: "value", labels: expect.objectContaining({ probe: "queue" }), value: 42 }],
    });
    // The public socket got the board delta for the same push, and no samples.
    await waitFor(() => anon.messages.some((m) => m.topic === "board.delta"), "the public delta");
    expect(anon.messages.some((m) => m.type === "samples")).toBe(false);

    reader.ws.send(JSON.stringify({ type: "watch", probes: "queue" }));
    expect(await reader.closed).toMatchObject({ code: 4400, reason: expect.stringMatching(/watch/) });
  });
});
