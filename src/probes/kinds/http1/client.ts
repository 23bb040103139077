/**
 * One HTTP/1.1 request/response for a probe, over a pooled or a fresh connection, timed with
 * performance.now() from socket events: lookup → connect → secureConnect → first response byte →
 * end of body. An abort destroys the socket at once.
 *
 * Why not node:http: per request it builds a ClientRequest, an IncomingMessage stream and their
 * listeners; at thousands of probes per second that was 2-3x the CPU of this client (measured:
 * ~0.16-0.29 ms vs ~0.08 ms per kept-alive request on the bench machine).
 */
import { validateHeaderName, validateHeaderValue } from "node:http";
import { performance } from "node:perf_hooks";
import type { TLSSocket } from "node:tls";
import type { HttpRequestSpec } from "../http-request.js";
import {
  type Connection,
  type ConnectionHandler,
  type ConnectionPool,
  type ConnectTarget,
  connectionKey,
  type Grant,
  openConnection,
} from "./connection.js";
import { ResponseParser } from "./parser.js";

export interface ExchangeOptions {
  /** Where idle connections are taken from and returned to; undefined: a fresh connection, closed after. */
  pool: ConnectionPool | undefined;
  insecure: boolean;
  /** Keep up to `bodyLimit` bytes of the body; otherwise it is read and dropped. */
  keepBody: boolean;
  bodyLimit: number;
  signal: AbortSignal;
}

export interface Exchange {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: Buffer | undefined;
  /** The body was longer than bodyLimit; reading stopped there. */
  truncated: boolean;
  dnsMs: number;
  connectMs: number;
  tlsMs: number;
  firstByteMs: number;
  totalMs: number;
  /** When the response's last byte was read (performance.now()): the end of the run's latency. */
  endedAt: number;
  reused: boolean;
  /** https: the certificate's notAfter, epoch ms. */
  certValidTo: number | undefined;
}

/** Thrown when the signal aborted the exchange; `reason` is the signal's. */
export class ExchangeAborted extends Error {
  constructor(readonly reason: unknown) {
    super("aborted");
  }
}

const STALE_CODES = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED"]);

/** A failure; `stale` when a kept-alive connection failed before any response byte (the server had closed it). */
export class ExchangeFailed extends Error {
  constructor(
    override readonly cause: unknown,
    readonly stale: boolean,
  ) {
    super("exchange failed");
  }
}

const MAX_HEAD_BYTES = 64 * 1024;

interface Wire {
  target: ConnectTarget;
  key: string;
  keepAlive: Buffer;
  close: Buffer;
}

// The bytes of a request, serialized once per spec (a spec lives as long as its probe config).
const wires = new WeakMap<HttpRequestSpec, Wire>();

function wireOf(spec: HttpRequestSpec, insecure: boolean): Wire {
  let wire = wires.get(spec);
  if (!wire) {
    const url = spec.url;
    const https = url.protocol === "https:";
    const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
    const target = { https, host, port: Number(url.port) || (https ? 443 : 80), insecure };
    let head = `${spec.method} ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\n`;
    for (const [name, value] of Object.entries(spec.headers)) {
      if (name === "host" || name === "connection") continue;
      // Config text must not smuggle a second header or request into the wire.
      validateHeaderName(name);
      validateHeaderValue(name, value);
      head += `${name}: ${value}\r\n`;
    }
    const body = spec.body ?? Buffer.alloc(0);
    wire = {
      target,
      key: connectionKey(target),
      keepAlive: Buffer.concat([Buffer.from(`${head}\r\n`, "latin1"), body]),
      close: Buffer.concat([Buffer.from(`${head}connection: close\r\n\r\n`, "latin1"), body]),
    };
    wires.set(spec, wire);
  }
  return wire;
}

// A server sends the same Keep-Alive header on every response: parse it once.
let lastHint = "";
let lastHintMs: number | undefined;

function keepAliveHintMs(headers: Record<string, string>): number | undefined {
  const hint = headers["keep-alive"];
  if (hint === undefined) return undefined;
  if (hint !== lastHint) {
    const m = /timeout=(\d+)/i.exec(hint);
    lastHint = hint;
    lastHintMs = m ? Number(m[1]) * 1000 : undefined;
  }
  return lastHintMs;
}

export function exchange(spec: HttpRequestSpec, opts: ExchangeOptions): Promise<Exchange> {
  return new Promise<Exchange>((resolve, reject) => {
    const { signal, pool } = opts;
    if (signal.aborted) {
      reject(new ExchangeAborted(signal.reason));
      return;
    }
    let wire: Wire;
    try {
      wire = wireOf(spec, opts.insecure);
    } catch (err) {
      reject(new ExchangeFailed(err, false));
      return;
    }
    const transfer = new Transfer(spec, wire, opts, resolve, reject);
    if (!pool) transfer.granted(undefined);
    else transfer.withdraw = pool.acquire(wire.key, transfer);
    // Time waiting for a connection (only when many are being opened to this origin) is not latency.
    if (transfer.withdraw) signal.addEventListener("abort", transfer, { once: true });
  });
}

/**
 * One request/response. A class rather than closures: at thousands of runs per second, fewer
 * allocations mean fewer and shorter GC pauses, and a GC pause is latency error.
 */
class Transfer implements ConnectionHandler, Grant {
  withdraw: (() => void) | undefined;
  private conn: Connection | undefined;
  private t0 = 0;
  private reused = false;
  private tLookup = -1;
  private tConnect = -1;
  private tSecure = -1;
  private tFirstByte = -1;
  private settled = false;
  /** A new pooled connection holds one of the pool's connect slots for this origin until it is up or failed. */
  private connectSlot = false;
  private readonly parser: ResponseParser;

  constructor(
    spec: HttpRequestSpec,
    private readonly wire: Wire,
    private readonly opts: ExchangeOptions,
    private readonly resolve: (e: Exchange) => void,
    private readonly reject: (err: unknown) => void,
  ) {
    this.parser = new ResponseParser({
      head: spec.method === "HEAD",
      keepBody: opts.keepBody,
      bodyLimit: opts.bodyLimit,
      maxHeadBytes: MAX_HEAD_BYTES,
    });
  }

  /** From the pool (or at once without one): `pooled` to reuse, or undefined to connect afresh. */
  granted(pooled: Connection | undefined): void {
    const { signal, pool } = this.opts;
    if (this.withdraw) {
      this.withdraw = undefined;
      signal.removeEventListener("abort", this);
    }
    this.t0 = performance.now();
    this.reused = pooled !== undefined;
    const conn = pooled ?? openConnection(this.wire.target, this.wire.key);
    this.conn = conn;
    if (!pooled) {
      this.connectSlot = pool !== undefined;
      const socket = conn.socket;
      socket.once("lookup", () => {
        this.tLookup = performance.now();
      });
      socket.once("connect", () => {
        this.tConnect = performance.now();
        if (!this.wire.target.https) this.releaseSlot();
      });
      if (this.wire.target.https) {
        socket.once("secureConnect", () => {
          this.tSecure = performance.now();
          const validTo = Date.parse((socket as TLSSocket).getPeerCertificate().valid_to ?? "");
          if (!Number.isNaN(validTo)) conn.certValidTo = validTo;
          this.releaseSlot();
        });
      }
    }
    conn.handler = this;
    signal.addEventListener("abort", this, { once: true });
    // A connecting socket queues the write until it is connected (and, for TLS, until the handshake).
    conn.socket.write(pool ? this.wire.keepAlive : this.wire.close);
  }

  /** The abort signal (an EventListener object: no closure per request). */
  handleEvent(): void {
    const reason = this.opts.signal.reason;
    if (this.withdraw) {
      // Still waiting for a connection.
      this.withdraw();
      this.withdraw = undefined;
      this.settled = true;
      this.reject(new ExchangeAborted(reason));
      return;
    }
    this.fail(new ExchangeAborted(reason));
  }

  onData(chunk: Buffer): void {
    if (this.tFirstByte < 0) this.tFirstByte = performance.now();
    try {
      if (this.parser.push(chunk)) this.complete();
    } catch (err) {
      this.fail(err);
    }
  }

  onEnd(): void {
    if (this.parser.end()) this.complete();
    else this.fail(this.closedEarly());
  }

  onError(err: Error): void {
    this.fail(err);
  }

  onClose(): void {
    this.onEnd();
  }

  private releaseSlot(): void {
    if (!this.connectSlot) return;
    this.connectSlot = false;
    this.opts.pool?.connectDone(this.wire.key);
  }

  private closedEarly(): Error {
    const err = new Error("connection closed before the response ended") as Error & { code?: string };
    if (this.tFirstByte < 0) err.code = "ECONNRESET";
    return err;
  }

  private fail(err: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.opts.signal.removeEventListener("abort", this);
    this.conn?.destroy();
    this.releaseSlot();
    if (err instanceof ExchangeAborted) {
      this.reject(err);
      return;
    }
    const code = (err as { code?: unknown } | null)?.code;
    const stale = this.reused && this.tFirstByte < 0 && typeof code === "string" && STALE_CODES.has(code);
    this.reject(new ExchangeFailed(err, stale));
  }

  private complete(): void {
    const conn = this.conn;
    if (this.settled || !conn) return;
    this.settled = true;
    const { signal, pool, keepBody } = this.opts;
    signal.removeEventListener("abort", this);
    const tEnd = performance.now();
    const { t0, tLookup, tConnect, tSecure, parser } = this;
    const ready = this.reused ? t0 : tSecure >= 0 ? tSecure : tConnect >= 0 ? tConnect : t0;
    const certValidTo = conn.certValidTo;
    this.releaseSlot();
    if (pool && parser.reusable) pool.give(conn, keepAliveHintMs(parser.headers));
    else if (parser.truncated) conn.destroy();
    else conn.retire();
    resolveLater(this.resolve, {
      status: parser.status,
      headers: parser.headers,
      body: keepBody ? Buffer.concat(parser.body) : undefined,
      truncated: parser.truncated,
      dnsMs: tLookup >= 0 ? tLookup - t0 : 0,
      connectMs: tConnect >= 0 ? tConnect - (tLookup >= 0 ? tLookup : t0) : 0,
      tlsMs: tSecure >= 0 && tConnect >= 0 ? tSecure - tConnect : 0,
      firstByteMs: Math.max(0, this.tFirstByte - ready),
      totalMs: tEnd - t0,
      endedAt: tEnd,
      reused: this.reused,
      certValidTo,
    });
  }
}

/**
 * Exchanges completed in this turn of the event loop, resolved after it (setImmediate runs once
 * the loop has read every socket that was ready). What a resolved exchange sets off — the kind's
 * result, the scheduler, on the main thread storage and rules — then no longer delays reading the
 * other responses that arrived together, whose end times would read late by that much. Each end
 * time is taken when its bytes are read, as before; only the work after it waits.
 */
let later: ((e: Exchange) => void)[] = [];
let laterValues: Exchange[] = [];

function resolveLater(resolve: (e: Exchange) => void, value: Exchange): void {
  if (later.length === 0) setImmediate(resolveCompleted);
  later.push(resolve);
  laterValues.push(value);
}

function resolveCompleted(): void {
  const resolves = later;
  const values = laterValues;
  later = [];
  laterValues = [];
  for (let i = 0; i < resolves.length; i++) (resolves[i] as (e: Exchange) => void)(values[i] as Exchange);
}
