import type { Bus, BusTopics, Handler, Topic } from "./index.js";

export interface MemoryBusOptions {
  /**
   * Told about every handler that throws or rejects; the bus itself never logs (the app wires
   * this to its logger). Default: ignore.
   */
  onError?: (err: unknown, topic: string) => void;
}

type AnyHandler = (event: unknown) => void | Promise<void>;

interface Delivery {
  topic: string;
  event: unknown;
  done: () => void;
}

/**
 * The in-process bus. Handlers are invoked in subscription order, one event at a time, in publish
 * order: a handler that publishes while being called only queues its event behind the current one,
 * so every subscriber of a topic sees its events in the same order. A failing handler is reported
 * and skipped; it never fails `publish` nor starves the other handlers.
 */
export class MemoryBus implements Bus {
  private readonly handlers = new Map<string, Set<AnyHandler>>();
  private readonly queue: Delivery[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private dispatching = false;
  private closed = false;
  private readonly onError: (err: unknown, topic: string) => void;

  constructor(options: MemoryBusOptions = {}) {
    this.onError = options.onError ?? (() => {});
  }

  /** Resolves once every handler has been called and the async ones have settled. */
  publish<K extends Topic>(topic: K, event: BusTopics[K]): Promise<void> {
    // Late events from work still finishing at shutdown are dropped rather than thrown at the publisher.
    if (this.closed || !this.handlers.get(topic)?.size) return Promise.resolve();
    return new Promise<void>((done) => {
      this.queue.push({ topic, event, done });
      if (!this.dispatching) this.dispatch();
    });
  }

  subscribe<K extends Topic>(topic: K, handler: Handler<K>): () => void {
    const h = handler as AnyHandler;
    let set = this.handlers.get(topic);
    if (!set) {
      set = new Set();
      this.handlers.set(topic, set);
    }
    // A Set would merge two subscriptions of one function; wrap so each unsubscribe removes its own.
    const own: AnyHandler = (event) => h(event);
    set.add(own);
    return () => {
      set.delete(own);
    };
  }

  /** Stops delivering, then waits for handlers still running. */
  async close(): Promise<void> {
    this.closed = true;
    this.handlers.clear();
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  private dispatch(): void {
    this.dispatching = true;
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) this.deliver(next);
    } finally {
      this.dispatching = false;
    }
  }

  private deliver({ topic, event, done }: Delivery): void {
    const set = this.handlers.get(topic);
    const pending: Promise<void>[] = [];
    for (const handler of set ? [...set] : []) {
      if (!set?.has(handler)) continue; // unsubscribed by an earlier handler of this same event
      try {
        const result = handler(event);
        if (result && typeof result.then === "function") {
          pending.push(Promise.resolve(result).then(undefined, (err: unknown) => this.report(err, topic)));
        }
      } catch (err) {
        this.report(err, topic);
      }
    }
    if (pending.length === 0) {
      done();
      return;
    }
    const settled = Promise.all(pending).then(() => {
      this.inFlight.delete(settled);
      done();
    });
    this.inFlight.add(settled);
  }

  private report(err: unknown, topic: string): void {
    try {
      this.onError(err, topic);
    } catch {
      // A broken error reporter must not break delivery either.
    }
  }
}
