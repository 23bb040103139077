/**
 * The stream's keep-alive, on the app's fake clock over a real socket: every interval the server
 * pings; a client that answers stays, one that went silent (a proxy dropped it without a close) is
 * terminated at the next interval, so its feed and watches stop.
 */

import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { FakeClock } from "../src/core/clock.js";
import { PING_INTERVAL_MS } from "../src/server/routes/stream.js";
import { deferAfterEach, startApp, TOKENS, TOKENS_YAML, waitFor } from "./helpers.js";

const b64 = (s: string) => Buffer.from(s).toString("base64url");

describe("board stream keep-alive", () => {
  const defer = deferAfterEach();

  it("terminates a socket that stops answering pings, keeps one that answers", async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 23, 12));
    const srv = await startApp(`server:\n  data: ./data\n${TOKENS_YAML}`, { clock });
    defer(() => srv.stop());
    const url = srv.url.replace("http", "ws");
    const connect = (autoPong: boolean) => {
      const ws = new WebSocket(
        `${url}/api/v1/stream`,
        ["hms-ops.v1", `hms-ops.bearer.${b64(TOKENS.reader)}`],
        {
          autoPong,
        },
      );
      const state = { pings: 0, closed: false, welcomed: false, pongs: 0 };
      ws.on("ping", () => state.pings++);
      ws.on("close", () => (state.closed = true));
      ws.on("message", (raw) => {
        const type = (JSON.parse(String(raw)) as { type: string }).type;
        if (type === "welcome") state.welcomed = true;
        if (type === "pong") state.pongs++;
      });
      ws.on("open", () => ws.send(JSON.stringify({ type: "hello" })));
      defer(() => ws.terminate());
      return Object.assign(state, { ping: () => ws.send(JSON.stringify({ type: "ping" })) });
    };
    const alive = connect(true);
    const silent = connect(false);
    await waitFor(() => alive.welcomed && silent.welcomed, "both sockets greeted");

    clock.advance(PING_INTERVAL_MS);
    await waitFor(() => alive.pings === 1 && silent.pings === 1, "the first pings");
    // Frames are read in order: once the server answers this application ping, it has also read
    // the answering client's pong frame that went before it.
    alive.ping();
    await waitFor(() => alive.pongs === 1, "the application-level pong");
    clock.advance(PING_INTERVAL_MS);
    await waitFor(() => silent.closed, "the silent socket to be terminated");
    await waitFor(() => alive.pings === 2, "the second ping to the answering socket");
    expect(alive.closed).toBe(false);
    expect(silent.pongs).toBe(0);
  });
});
