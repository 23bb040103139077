/**
 * `GET /api/v1/stream` (DESIGN §4): the board's WebSocket. The token rides in the sub-protocol
 * `hms-ops.bearer.<base64url>` (checked by the auth hook before the upgrade; never in the URL);
 * on a public board no token is needed and the socket carries only board deltas.
 *
 *   client → {"type":"hello","after"?:id,"epoch"?:string}      first message, within 10 s
 *   server → {"type":"welcome","epoch","id","viewer":{name,scopes}}
 *            {"type":"snapshot","id","board","resync"?:true}     fresh start, or too far behind
 *            {"type":"event","id","topic","data"}                replayed after `after`, then live
 *   client → {"type":"watch","probes":[...]}                    then: samples of open views (stream-samples.ts)
 *
 * The bus is subscribed here, not in the domain modules: they never learn sockets exist.
 */
import websocket from "@fastify/websocket";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { WebSocket } from "ws";
import {
  type BoardDelta,
  BoardFeed,
  type BoardSnapshot,
  boardTiles,
  type FeedEvent,
  publicTiles,
  type TileAlert,
} from "../../board/index.js";
import type { Topic } from "../../bus/index.js";
import type { TimerHandle } from "../../core/clock.js";
import { hasScope, type Principal } from "../../core/principal.js";
import { listRuns } from "../../runbooks/index.js";
import type { ServerDeps } from "../app.js";
import type { RouteDoc } from "../route-docs.js";
import { MAX_WATCHED, parseWatch, SampleWatch } from "./stream-samples.js";

export const STREAM_PROTOCOL = "hms-ops.v1";
/** Domain topics forwarded to readers as they are (each also may change the board). */
const FORWARDED: readonly Topic[] = [
  "alerts.transition",
  "incidents.changed",
  "runbooks.run",
  "silences.changed",
  "probes.changed",
  "audit.appended",
];
/** A client this far behind is cut off; it reconnects and catches up (or resyncs). */
const MAX_BUFFERED = 4 * 1024 * 1024;
const HELLO_TIMEOUT_MS = 10_000;
/** How often every socket is pinged; one silent for a whole interval is closed. */
export const PING_INTERVAL_MS = 30_000;
/** Policy and heartbeat silence change without a bus event: look again this often while watched. */
const REFRESH_MS = 5_000;
/** New figures on tiles (no state change) are batched this long; transitions go out within 100 ms. */
const SAMPLE_DELAY_MS = 500;

/** For the OpenAPI document (src/server/route-docs.ts); the messages are in this file's header. */
const doc: RouteDoc = {
  summary: "WebSocket: live transitions, incident and run-book updates, board deltas",
  description:
    "Sub-protocol `hms-ops.v1`; the token rides as the sub-protocol `hms-ops.bearer.<base64url(token)>`. " +
    "First message `{type: hello, after?, epoch?}`; then welcome, snapshot and event messages.",
  responses: { 101: "switching to the WebSocket protocol" },
};

type StreamDeps = Pick<ServerDeps, "detection" | "actions" | "logger" | "board" | "auth">;

/** Registers the WebSocket plugin (before any route, so it sees the stream route being added). */
export async function installWebsocket(app: FastifyInstance): Promise<void> {
  await app.register(websocket, {
    options: {
      maxPayload: 16 * 1024,
      // Browsers fail the handshake unless one offered protocol is chosen; never echo the token.
      handleProtocols: (offered) => (offered.has(STREAM_PROTOCOL) ? STREAM_PROTOCOL : false),
    },
  });
}

export function streamRoutes(app: FastifyInstance, deps: StreamDeps): BoardFeed {
  const feed = new BoardFeed({
    clock: deps.actions.clock,
    snapshot: () => boardSnapshot(deps),
    onError: (err) => deps.logger.error({ err }, "board snapshot failed"),
  });
  const unsubscribe = FORWARDED.map((topic) =>
    deps.actions.bus.subscribe(topic, (event) => {
      feed.publish(topic, event, "read");
      feed.touch();
    }),
  );
  const watch = new SampleWatch();
  unsubscribe.push(
    deps.actions.bus.subscribe("samples.appended", (e) => {
      feed.touch(SAMPLE_DELAY_MS);
      watch.deliver(e.samples);
    }),
  );
  let refresh: { cancel(): void } | null = null;
  const keepFresh = () => {
    refresh = deps.actions.clock.setTimer(REFRESH_MS, () => {
      refresh = null;
      if (feed.listening === 0) return;
      feed.touch();
      keepFresh();
    });
  };
  /** Open sockets with the upgrade request that authorized them (its headers carry the token). */
  const open = new Map<WebSocket, { req: FastifyRequest; canRead: boolean }>();
  // A token removed or narrowed in ops.yml must not keep streaming: re-check every socket.
  unsubscribe.push(
    deps.auth.onUpdate(() => {
      for (const [socket, { req, canRead }] of open) {
        let still: boolean;
        try {
          still = hasScope(deps.auth.authorize(req, "board"), "read") === canRead;
        } catch {
          still = false;
        }
        if (!still) socket.close(4401, "the token's rights changed; reconnect");
      }
    }),
  );
  // Keep-alive: a ping to every socket each interval; one that did not answer the last ping is
  // dead (a proxy or a laptop lid dropped it without a close) and is terminated, so its feed stops.
  const answered = new WeakSet<WebSocket>();
  let pinger: TimerHandle | null = null;
  const pingAll = () => {
    for (const socket of open.keys()) {
      if (!answered.has(socket)) {
        socket.terminate();
        continue;
      }
      answered.delete(socket);
      socket.ping();
    }
    pinger = deps.actions.clock.setTimer(PING_INTERVAL_MS, pingAll);
  };
  pinger = deps.actions.clock.setTimer(PING_INTERVAL_MS, pingAll);
  app.addHook("onClose", async () => {
    pinger?.cancel();
    refresh?.cancel();
    for (const u of unsubscribe) u();
    feed.close();
  });

  app.get("/api/v1/stream", { config: { access: "board", doc }, websocket: true }, (socket, req) => {
    const viewer = req.principal;
    const canRead = hasScope(viewer, "read");
    open.set(socket, { req, canRead });
    answered.add(socket);
    socket.on("pong", () => answered.add(socket));
    let stop: (() => void) | null = null;
    const send = (msg: unknown) => {
      if (socket.readyState !== socket.OPEN) return;
      if (socket.bufferedAmount > MAX_BUFFERED) {
        socket.close(1013, "too far behind; reconnect");
        return;
      }
      socket.send(JSON.stringify(msg));
    };
    /** Readers see everything; the public sees board deltas, without probe error texts. */
    const forward = (e: FeedEvent) => {
      if (canRead) send({ type: "event", id: e.id, topic: e.topic, data: e.data });
      else if (e.audience === "public") {
        send({ type: "event", id: e.id, topic: e.topic, data: publicTiles(e.data as BoardDelta) });
      }
    };
    const helloTimer = deps.actions.clock.setTimer(HELLO_TIMEOUT_MS, () =>
      socket.close(4400, "expected a hello message"),
    );

    let greeted = false;
    socket.on("message", (raw) => {
      if (greeted) return onWatch(raw);
      greeted = true;
      helloTimer.cancel();
      const hello = parseHello(raw);
      if (!hello) {
        socket.close(4400, 'the first message must be {"type":"hello","after"?:number,"epoch"?:string}');
        return;
      }
      void start(hello).catch((err: unknown) => {
        deps.logger.error({ err }, "board stream failed to start");
        socket.close(1011, "could not read the board");
      });
    });
    const onWatch = (raw: unknown) => {
      const message = parseJson(raw);
      // An application-level ping, for clients that want to check the path themselves (a browser
      // answers our ping frames by itself but cannot send its own). Liveness counts pong frames only.
      if ((message as { type?: unknown } | undefined)?.type === "ping") {
        send({ type: "pong" });
        return;
      }
      const probes = parseWatch(message);
      if (!probes) {
        socket.close(4400, `expected {"type":"watch","probes":[...]} naming at most ${MAX_WATCHED} probes`);
        return;
      }
      // Samples are read data: the public viewer watches nothing.
      if (canRead) watch.set(socket, probes, (samples) => send({ type: "samples", samples }));
    };
    socket.on("close", () => {
      open.delete(socket);
      watch.drop(socket);
      helloTimer.cancel();
      stop?.();
    });

    async function start(hello: Hello): Promise<void> {
      send({ type: "welcome", epoch: feed.epoch, id: feed.head, viewer: viewerView(viewer) });
      // What changed while nobody listened becomes a delta in the ring before the replay.
      if (hello.after !== undefined) await feed.settle();
      if (socket.readyState !== socket.OPEN) return;
      const catchup = hello.after === undefined ? null : feed.since(hello.after, hello.epoch ?? "");
      if (catchup?.kind === "events") {
        // Synchronous from here to listen(): no event can slip between the replay and the live feed.
        for (const e of catchup.events) forward(e);
      } else {
        const { id, board } = await feed.current();
        send({
          type: "snapshot",
          id,
          board: canRead ? board : publicTiles(board),
          ...(catchup ? { resync: true } : {}),
        });
        // Events published while the snapshot was taken are already in it or come after `id`.
        for (const e of sinceEvents(feed, id)) forward(e);
      }
      if (socket.readyState !== socket.OPEN) return;
      stop = feed.listen(forward);
      if (!refresh) keepFresh();
    }
  });
  return feed;
}

function sinceEvents(feed: BoardFeed, id: number): FeedEvent[] {
  const c = feed.since(id, feed.epoch);
  return c.kind === "events" ? c.events : [];
}

interface Hello {
  after?: number;
  epoch?: string;
}

function parseJson(raw: unknown): unknown {
  try {
    return JSON.parse(String(raw));
  } catch {
    return null;
  }
}

function parseHello(raw: unknown): Hello | null {
  const msg = parseJson(raw);
  if (typeof msg !== "object" || msg === null || (msg as { type?: unknown }).type !== "hello") return null;
  const { after, epoch } = msg as { after?: unknown; epoch?: unknown };
  if (after !== undefined && (typeof after !== "number" || !Number.isInteger(after) || after < 0))
    return null;
  if (epoch !== undefined && typeof epoch !== "string") return null;
  return { ...(after !== undefined ? { after } : {}), ...(epoch !== undefined ? { epoch } : {}) };
}

function viewerView(p: Principal) {
  return { name: p.name, scopes: [...p.scopes] };
}

/** The status read model decorated for tiles (run-books active, maintenance, SLO probes). */
async function boardSnapshot(deps: StreamDeps): Promise<BoardSnapshot> {
  const status = (await deps.detection.status()) as BoardSnapshot;
  const alerts = deps.detection.alerts() as TileAlert[];
  const runs = (
    await Promise.all(
      (["queued", "running", "waiting_approval"] as const).map((state) =>
        listRuns(deps.actions.store, { state, limit: 1000 }),
      ),
    )
  ).flat();
  return boardTiles(status, {
    alerts,
    runs: runs.map((r) => ({ state: r.state, probe: r.context.probe })),
    inMaintenance: (a) => deps.board?.inMaintenance(a) ?? false,
  });
}
