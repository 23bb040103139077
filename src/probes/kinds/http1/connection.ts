/**
 * One client connection (TCP or TLS) and the pool of idle ones kept alive between probe runs.
 * A connection's socket listeners are attached once; the exchange in progress plugs in as the
 * connection's `handler`, so a reused connection costs no listener churn.
 */
import net from "node:net";
import tls from "node:tls";

export interface ConnectionHandler {
  onData(chunk: Buffer): void;
  onEnd(): void;
  onError(err: Error): void;
  onClose(): void;
}

export class Connection {
  handler: ConnectionHandler | undefined;
  dead = false;
  /** Idle connections past this (epoch-free, performance.now ms) are closed rather than reused. */
  expiresAt = 0;
  /** https: the peer certificate's notAfter, epoch ms (read once at the handshake). */
  certValidTo: number | undefined;

  constructor(
    readonly socket: net.Socket,
    readonly key: string,
  ) {
    socket.on("data", (chunk: Buffer) => (this.handler ? this.handler.onData(chunk) : this.destroy()));
    socket.on("end", () => (this.handler ? this.handler.onEnd() : this.destroy()));
    socket.on("error", (err) => (this.handler ? this.handler.onError(err) : this.destroy()));
    socket.on("close", () => {
      this.dead = true;
      this.handler?.onClose();
    });
  }

  destroy(): void {
    this.dead = true;
    this.handler = undefined;
    this.socket.destroy();
  }

  /**
   * Done with a connection that will not be reused: let the server close first when it is about
   * to (so the TIME_WAIT is on its side, not on our ephemeral ports), for at most a second.
   */
  retire(): void {
    if (this.dead || this.socket.destroyed || this.socket.readableEnded) {
      this.destroy();
      return;
    }
    const timer = setTimeout(() => this.destroy(), 1_000);
    timer.unref();
    const done = () => {
      clearTimeout(timer);
      this.destroy();
    };
    this.handler = { onData: done, onEnd: done, onError: done, onClose: done };
    this.socket.unref();
  }
}

export interface ConnectTarget {
  https: boolean;
  host: string;
  port: number;
  insecure: boolean;
}

export function connectionKey(t: ConnectTarget): string {
  return `${t.https ? "https" : "http"}://${t.host}:${t.port}${t.insecure ? " insecure" : ""}`;
}

export function openConnection(t: ConnectTarget, key: string): Connection {
  const socket = t.https
    ? tls.connect({
        host: t.host,
        port: t.port,
        // SNI carries host names only.
        ...(net.isIP(t.host) ? {} : { servername: t.host }),
        rejectUnauthorized: !t.insecure,
        ALPNProtocols: ["http/1.1"],
      })
    : net.connect({ host: t.host, port: t.port });
  socket.setNoDelay(true);
  return new Connection(socket, key);
}

export interface PoolOptions {
  /** Idle connections close after this long, ms (a shorter `Keep-Alive: timeout` from the server wins). */
  idleTimeoutMs: number;
  /** Idle connections kept per origin at most. */
  maxIdlePerKey: number;
  /** Connection attempts in progress per origin at most; more requests wait for one to finish. */
  maxConnectingPerKey: number;
  now: () => number;
}

/**
 * Told an idle connection to use, or undefined: open a new one (a connect slot is yours; report
 * its end with `connectDone`).
 */
export interface Grant {
  granted(conn: Connection | undefined): void;
}

/**
 * Idle connections by origin, most recently used first (LIFO keeps the warm ones warm), and a cap
 * on simultaneous connection attempts per origin. Without the cap, a burst of runs against one
 * origin (a restart with thousands of probes on one host) opens a connection per run, each slower
 * than the last, and in-flight runs snowball; with it, runs wait briefly for a connection that
 * another run is about to hand back.
 */
export class ConnectionPool {
  private idle = new Map<string, Connection[]>();
  private idleCount = 0;
  private connecting = new Map<string, number>();
  private waiters = new Map<string, Grant[]>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly opts: PoolOptions) {}

  /**
   * Grants at once when it can (an idle connection, or a free connect slot); otherwise queues the
   * grant and returns the function that withdraws it.
   */
  acquire(key: string, grant: Grant): (() => void) | undefined {
    const conn = this.take(key);
    if (conn) {
      grant.granted(conn);
      return undefined;
    }
    const connecting = this.connecting.get(key) ?? 0;
    if (connecting < this.opts.maxConnectingPerKey) {
      this.connecting.set(key, connecting + 1);
      grant.granted(undefined);
      return undefined;
    }
    let queue = this.waiters.get(key);
    if (!queue) {
      queue = [];
      this.waiters.set(key, queue);
    }
    queue.push(grant);
    return () => {
      const q = this.waiters.get(key);
      const i = q ? q.indexOf(grant) : -1;
      if (q && i >= 0) q.splice(i, 1);
      if (q?.length === 0) this.waiters.delete(key);
    };
  }

  /** A connection attempt granted by acquire() has ended (connected or failed): its slot passes on. */
  connectDone(key: string): void {
    const waiter = this.nextWaiter(key);
    if (waiter) {
      waiter.granted(undefined);
      return;
    }
    const n = (this.connecting.get(key) ?? 1) - 1;
    if (n > 0) this.connecting.set(key, n);
    else this.connecting.delete(key);
  }

  private nextWaiter(key: string): Grant | undefined {
    const queue = this.waiters.get(key);
    const waiter = queue?.shift();
    if (queue?.length === 0) this.waiters.delete(key);
    return waiter;
  }

  take(key: string): Connection | undefined {
    const stack = this.idle.get(key);
    if (!stack) return undefined;
    const now = this.opts.now();
    for (let conn = stack.pop(); conn; conn = stack.pop()) {
      this.idleCount--;
      if (!conn.dead && conn.expiresAt > now) {
        conn.socket.ref();
        return conn;
      }
      conn.destroy();
    }
    this.idle.delete(key);
    return undefined;
  }

  /** Keeps `conn` for reuse (a waiting request gets it at once); `hintMs` is the server's Keep-Alive timeout. */
  give(conn: Connection, hintMs: number | undefined): void {
    const life =
      hintMs === undefined ? this.opts.idleTimeoutMs : Math.min(this.opts.idleTimeoutMs, hintMs - 1_000);
    if (!conn.dead && life > 0) {
      const waiter = this.nextWaiter(conn.key);
      if (waiter) {
        conn.handler = undefined;
        waiter.granted(conn);
        return;
      }
    }
    let stack = this.idle.get(conn.key);
    if (conn.dead || life <= 0 || (stack && stack.length >= this.opts.maxIdlePerKey)) {
      conn.retire();
      return;
    }
    if (!stack) {
      stack = [];
      this.idle.set(conn.key, stack);
    }
    conn.handler = undefined;
    conn.expiresAt = this.opts.now() + life;
    conn.socket.unref();
    stack.push(conn);
    this.idleCount++;
    if (!this.sweeper) {
      this.sweeper = setInterval(() => this.sweep(), Math.min(1_000, this.opts.idleTimeoutMs));
      this.sweeper.unref();
    }
  }

  get size(): number {
    return this.idleCount;
  }

  /** Closes every idle connection. */
  close(): void {
    for (const stack of this.idle.values()) for (const conn of stack) conn.destroy();
    this.idle.clear();
    this.idleCount = 0;
    this.stopSweeper();
  }

  private sweep(): void {
    const now = this.opts.now();
    for (const [key, stack] of this.idle) {
      const keep = stack.filter((conn) => {
        if (!conn.dead && conn.expiresAt > now) return true;
        conn.destroy();
        return false;
      });
      this.idleCount -= stack.length - keep.length;
      if (keep.length) this.idle.set(key, keep);
      else this.idle.delete(key);
    }
    if (this.idleCount === 0) this.stopSweeper();
  }

  private stopSweeper(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}
