/**
 * Exact `for` / `clear_for` deadlines for many alerts on one clock timer: a min-heap of
 * (deadline, key) with lazy deletion, and a single timer armed for the earliest deadline. At 10,000
 * pending alerts this is one timer instead of 10,000 (bench/rules.ts measures both), and
 * rescheduling is O(log n) without cancelling anything.
 */
import type { Clock, TimerHandle } from "../core/clock.js";

interface Item<K> {
  at: number;
  key: K;
}

export class DeadlineQueue<K> {
  private readonly heap: Item<K>[] = [];
  /** The live deadline of each key; heap items that disagree with it are stale. */
  private readonly live = new Map<K, number>();
  private timer: TimerHandle | null = null;
  private armedAt = Number.POSITIVE_INFINITY;
  private stopped = false;

  /** `onDue(keys, now)` runs from the timer with every key whose deadline ≤ now, earliest first. */
  constructor(
    private readonly clock: Clock,
    private readonly onDue: (due: { key: K; at: number }[], now: number) => void,
  ) {}

  get size(): number {
    return this.live.size;
  }

  /** Sets (or with null clears) the deadline of `key`. */
  set(key: K, at: number | null): void {
    if (at === null) {
      this.live.delete(key);
      return;
    }
    if (this.live.get(key) === at) return;
    this.live.set(key, at);
    this.push({ at, key });
    if (this.heap.length > 2 * this.live.size + 1024) this.compact();
    if (at < this.armedAt) this.arm();
  }

  get(key: K): number | null {
    return this.live.get(key) ?? null;
  }

  /** Cancels the timer; `set` arms nothing until `resume`. */
  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
    this.armedAt = Number.POSITIVE_INFINITY;
  }

  resume(): void {
    this.stopped = false;
    this.arm();
  }

  private arm(): void {
    if (this.stopped) return;
    this.dropStale();
    const first = this.heap[0];
    if (first === undefined) return;
    if (this.timer !== null && first.at >= this.armedAt) return;
    this.timer?.cancel();
    this.armedAt = first.at;
    this.timer = this.clock.setTimer(first.at - this.clock.now(), () => this.fire());
  }

  private fire(): void {
    this.timer = null;
    this.armedAt = Number.POSITIVE_INFINITY;
    const now = this.clock.now();
    const due: { key: K; at: number }[] = [];
    for (;;) {
      this.dropStale();
      const first = this.heap[0];
      // A timer that woke early finds nothing due and is simply re-armed.
      if (first === undefined || first.at > now) break;
      this.pop();
      this.live.delete(first.key);
      due.push({ key: first.key, at: first.at });
    }
    this.arm();
    if (due.length > 0) this.onDue(due, now);
  }

  private dropStale(): void {
    for (;;) {
      const first = this.heap[0];
      if (first === undefined || this.live.get(first.key) === first.at) return;
      this.pop();
    }
  }

  private compact(): void {
    const keep = this.heap.filter((item) => this.live.get(item.key) === item.at);
    this.heap.length = 0;
    for (const item of keep) this.push(item);
  }

  private push(item: Item<K>): void {
    const h = this.heap;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = h[parent] as Item<K>;
      if (p.at <= item.at) break;
      h[i] = p;
      i = parent;
    }
    h[i] = item;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop() as Item<K>;
    if (h.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const child = r < h.length && (h[r] as Item<K>).at < (h[l] as Item<K>).at ? r : l;
      const c = h[child] as Item<K>;
      if (c.at >= last.at) break;
      h[i] = c;
      i = child;
    }
    h[i] = last;
  }
}
