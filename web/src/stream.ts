/**
 * The live feed from `/api/v1/stream`: reconnects with back-off and asks for what it missed by
 * the last event id it saw (the server replays from its ring, or sends a fresh snapshot when the
 * client is too far behind). The token travels as a WebSocket sub-protocol, never in the URL.
 */
import { token } from "./api.js";

export interface Viewer {
  name: string;
  scopes: string[];
}

export interface StreamHandlers {
  snapshot(board: Board, resync: boolean): void;
  event(topic: string, data: unknown): void;
  welcome(viewer: Viewer): void;
  connection(state: "live" | "down"): void;
  /** The socket closed before the server said welcome: refused (no or bad token) or unreachable. */
  refused(): void;
  /** New samples of the probes named by `watch` (readers only). */
  samples(samples: LiveSample[]): void;
}

export interface LiveSample {
  metric: string;
  labels: Record<string, string>;
  value: number;
  ts: number;
}

export interface Board {
  policy: { id: string | null; approved: string | null; drift: boolean; error?: string };
  probes: ProbeTile[];
  slos: SloTile[];
  incidents: { open: number };
}

export interface ProbeTile {
  name: string;
  type: string;
  labels: Record<string, string>;
  state: "green" | "yellow" | "red";
  last: {
    ts: string;
    ok: boolean;
    latencyMs?: number;
    status?: number;
    value?: number;
    error?: string;
  } | null;
  runbook?: string | null;
  maintenance?: boolean;
}

export interface SloTile {
  name: string;
  state: "ok" | "pending" | "firing";
  since: string;
  value: number | null;
  severity: string;
  probe?: string | null;
  unit?: string;
  labels?: Record<string, string>;
  runbook?: string | null;
  maintenance?: boolean;
}

const PROTOCOL = "hms-ops.v1";

function base64url(s: string): string {
  const bytes = new TextEncoder().encode(s);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export class Stream {
  private ws: WebSocket | null = null;
  private last: number | undefined;
  private epoch: string | undefined;
  private retryMs = 250;
  private stopped = false;
  private welcomed = false;
  private watched: string[] = [];
  private retry: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly on: StreamHandlers) {}

  start(): void {
    this.stopped = false;
    this.connect();
  }

  /** The probes whose samples the open view charts live (sent again after a reconnect). */
  watch(probes: string[]): void {
    this.watched = probes;
    if (this.ws?.readyState === WebSocket.OPEN && this.welcomed) this.sendWatch();
  }

  private sendWatch(): void {
    this.ws?.send(JSON.stringify({ type: "watch", probes: this.watched }));
  }

  /** Reconnect now (after the token changed): same catch-up, new credentials. */
  restart(): void {
    if (this.ws) {
      this.ws.close(1000, "restart");
      return;
    }
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    this.retryMs = 250;
    this.connect();
  }

  private connect(): void {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const t = token.get();
    const protocols = t ? [PROTOCOL, `hms-ops.bearer.${base64url(t)}`] : [PROTOCOL];
    const ws = new WebSocket(`${scheme}//${location.host}/api/v1/stream`, protocols);
    this.ws = ws;
    this.welcomed = false;
    ws.onopen = () => {
      ws.send(
        JSON.stringify({
          type: "hello",
          ...(this.last !== undefined && this.epoch ? { after: this.last, epoch: this.epoch } : {}),
        }),
      );
    };
    ws.onmessage = (m) => this.receive(String(m.data));
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.on.connection("down");
      if (!this.welcomed) this.on.refused();
      if (this.stopped) return;
      this.retry = setTimeout(() => {
        this.retry = null;
        this.connect();
      }, this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 5000);
    };
  }

  private receive(text: string): void {
    const msg = JSON.parse(text) as {
      type: string;
      id?: number;
      epoch?: string;
      topic?: string;
      data?: unknown;
      board?: Board;
      resync?: boolean;
      viewer?: Viewer;
      samples?: LiveSample[];
    };
    switch (msg.type) {
      case "welcome":
        this.welcomed = true;
        this.retryMs = 250;
        if (msg.epoch !== this.epoch) this.last = undefined;
        this.epoch = msg.epoch;
        if (msg.viewer) this.on.welcome(msg.viewer);
        this.on.connection("live");
        if (this.watched.length > 0) this.sendWatch();
        break;
      case "samples":
        if (msg.samples) this.on.samples(msg.samples);
        break;
      case "snapshot":
        this.last = msg.id;
        if (msg.board) this.on.snapshot(msg.board, msg.resync === true);
        break;
      case "event":
        if (msg.id !== undefined) this.last = msg.id;
        if (msg.topic) this.on.event(msg.topic, msg.data);
        break;
    }
  }
}
