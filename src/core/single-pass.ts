/**
 * One pass at a time over a table or a queue (the outbox, the dispatch schedule, run-book runs): a
 * request while a pass runs does not start a second one beside it, it makes exactly one more pass
 * run after it, so work that arrived meanwhile is never missed and never raced.
 */
export class SinglePass {
  private current: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly run: () => Promise<void>,
    private readonly o: {
      /** A failed pass is reported here; the next request runs again. */
      onError: (err: unknown) => void;
      /** Requests are ignored while this says no (stopped). Default: always on. */
      enabled?: () => boolean;
    },
  ) {}

  /** Starts a pass now, or once more after the one running. */
  request(): void {
    if (this.o.enabled && !this.o.enabled()) return;
    if (this.current) {
      this.again = true;
      return;
    }
    this.current = this.run()
      .catch((err: unknown) => this.o.onError(err))
      .finally(() => {
        this.current = undefined;
        if (this.again) {
          this.again = false;
          this.request();
        }
      });
  }

  /** The pass running now, if any (never rejects). */
  get running(): Promise<void> | undefined {
    return this.current;
  }
}
