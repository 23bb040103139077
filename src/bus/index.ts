/**
 * The event bus between stages. Modules declare their topics by augmenting `BusTopics`:
 *
 *   declare module "../bus/index.js" { interface BusTopics { "audit.appended": AuditEntry } }
 *
 * Events must be plain JSON-serializable data: the Redis Streams implementation carries them
 * between nodes. Handlers must not assume they run synchronously with `publish`.
 */
// biome-ignore lint/suspicious/noEmptyInterface: augmented by each module that publishes.
export interface BusTopics {}

export type Topic = keyof BusTopics & string;
export type Handler<K extends Topic> = (event: BusTopics[K]) => void | Promise<void>;

export interface Bus {
  publish<K extends Topic>(topic: K, event: BusTopics[K]): Promise<void>;
  /** Returns the unsubscribe function. */
  subscribe<K extends Topic>(topic: K, handler: Handler<K>): () => void;
  close(): Promise<void>;
}
