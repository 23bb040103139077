/**
 * The board's live feed: numbered events in a bounded in-memory ring, so a client that lost its
 * connection asks for what it missed by the last id it saw. Board changes arrive as deltas between
 * two snapshots of the read model (never one message per sample), computed at most once per
 * `debounceMs`; domain events (transitions, incident and run-book changes, ...) ride along as they
 * are. Knows nothing of sockets: the server's stream route feeds it from the bus and sends its events.
 */
import { randomUUID } from "node:crypto";
import type { Clock, TimerHandle } from "../core/clock.js";

/** Who may see an event: `public` for the anonymous viewer of a public board, `read` otherwise. */
export type Audience = "public" | "read";

export interface FeedEvent {
  id: number;
  topic: string;
  audience: Audience;
  data: unknown;
}

interface Named {
  name: string;
  [key: string]: unknown;
}

/** What the board shows, keyed by name in `probes` and `slos`; the rest is compared whole. */
export interface BoardSnapshot {
  probes: readonly Named[];
  slos: readonly Named[];
  [key: string]: unknown;
}

export interface BoardDelta {
  probes: unknown[];
  slos: unknown[];
  removed: { probes: string[]; slos: string[] };
  /** Top-level fields that changed (policy, incidents, ...), with their new values. */
  top: Record<string, unknown>;
}

export interface BoardFeedOptions {
  clock: Clock;
  snapshot: () => Promise<BoardSnapshot>;
  /** Events kept for catch-up; older ones mean a resync. */
  capacity?: number;
  debounceMs?: number;
  onError?: (err: unknown) => void;
}

export type Catchup = { kind: "events"; events: FeedEvent[] } | { kind: "resync" };

export class BoardFeed {
  /** Changes each process start, so ids from before a restart are never taken for current ones. */
  readonly epoch = randomUUID();
  private ring: FeedEvent[] = [];
  private seq = 0;
  private board: BoardSnapshot | null = null;
  private listeners = new Set<(e: FeedEvent) => void>();
  private timer: TimerHandle | null = null;
  private dueAt = 0;
  private dirty = false;
  private diffing: Promise<void> | null = null;
  private readonly capacity: number;
  private readonly debounceMs: number;

  constructor(private readonly o: BoardFeedOptions) {
    this.capacity = o.capacity ?? 2000;
    this.debounceMs = o.debounceMs ?? 100;
  }

  get head(): number {
    return this.seq;
  }

  get listening(): number {
    return this.listeners.size;
  }

  /** A domain event: numbered, kept in the ring, handed to every listener. */
  publish(topic: string, data: unknown, audience: Audience): void {
    const event: FeedEvent = { id: ++this.seq, topic, audience, data };
    this.ring.push(event);
    if (this.ring.length > this.capacity) this.ring.splice(0, this.ring.length - this.capacity);
    for (const l of this.listeners) l(event);
  }

  /**
   * The board may have changed: diff it within `withinMs` (default `debounceMs`), coalesced with
   * other touches, unless nobody listens. A transition asks for soon; a sample (a latency figure
   * on a tile) can wait longer, so a busy ingest does not recompute the board ten times a second.
   */
  touch(withinMs = this.debounceMs): void {
    if (this.listeners.size === 0) {
      // Nobody to tell now: diff once someone comes back (`settle`), against the last board the
      // ring describes, so a client catching up by id also gets what changed meanwhile.
      this.dirty = true;
      return;
    }
    const due = this.o.clock.now() + withinMs;
    if (this.timer && this.dueAt <= due) return;
    this.timer?.cancel();
    this.dueAt = due;
    this.timer = this.o.clock.setTimer(withinMs, () => {
      this.timer = null;
      void this.diff();
    });
  }

  /** Runs a diff that touches asked for while nobody listened (or one still pending). */
  async settle(): Promise<void> {
    if (this.dirty || this.timer) {
      this.timer?.cancel();
      this.timer = null;
      await this.diff();
    }
  }

  /** Events after `after`, or a resync when they left the ring (or come from another epoch). */
  since(after: number, epoch: string): Catchup {
    if (epoch !== this.epoch || after > this.seq) return { kind: "resync" };
    const oldest = this.ring[0]?.id ?? this.seq + 1;
    if (after < oldest - 1) return { kind: "resync" };
    return { kind: "events", events: this.ring.filter((e) => e.id > after) };
  }

  /**
   * Brings the snapshot up to date and returns it with the id it reflects. Call `listen` right
   * after (no await in between) so no event falls between the snapshot and the live feed.
   */
  async current(): Promise<{ id: number; board: BoardSnapshot }> {
    await this.diff();
    // A failed snapshot was reported through onError; the caller closes its socket.
    if (!this.board) throw new Error("the board could not be read");
    return { id: this.seq, board: this.board };
  }

  listen(fn: (e: FeedEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  close(): void {
    this.timer?.cancel();
    this.timer = null;
    this.listeners.clear();
  }

  /** One diff at a time; a request during one runs another after it (it may have missed changes). */
  private async diff(): Promise<void> {
    while (this.diffing) await this.diffing;
    this.diffing = this.diffOnce()
      .catch((err: unknown) => this.o.onError?.(err))
      .finally(() => {
        this.diffing = null;
      });
    await this.diffing;
  }

  private async diffOnce(): Promise<void> {
    this.dirty = false;
    const next = await this.o.snapshot();
    const before = this.board;
    this.board = next;
    if (!before) return;
    const delta = boardDelta(before, next);
    if (delta) this.publish("board.delta", delta, "public");
  }
}

/** What changed between two snapshots, or null when nothing did. */
export function boardDelta(before: BoardSnapshot, after: BoardSnapshot): BoardDelta | null {
  const delta: BoardDelta = { probes: [], slos: [], removed: { probes: [], slos: [] }, top: {} };
  let changed = false;
  for (const kind of ["probes", "slos"] as const) {
    const old = new Map(before[kind].map((x) => [x.name, JSON.stringify(x)]));
    for (const item of after[kind]) {
      if (old.get(item.name) !== JSON.stringify(item)) {
        delta[kind].push(item);
        changed = true;
      }
      old.delete(item.name);
    }
    for (const name of old.keys()) {
      delta.removed[kind].push(name);
      changed = true;
    }
  }
  for (const key of Object.keys(after)) {
    if (key === "probes" || key === "slos") continue;
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) {
      delta.top[key] = after[key];
      changed = true;
    }
  }
  return changed ? delta : null;
}
