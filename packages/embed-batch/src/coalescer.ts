interface Waiter<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

/**
 * Collects single requests made close together into one batch call: a batch leaves when it reaches `maxBatch`, or
 * `windowMs` after its first request. Every caller gets its own result, or the batch's error.
 */
export class Coalescer<I, O> {
  private queue: Waiter<I, O>[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly runBatch: (items: I[]) => Promise<O[]>,
    private readonly windowMs: number,
    private readonly maxBatch: number,
  ) {}

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.queue.length >= this.maxBatch) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.windowMs);
    });
  }

  /** Sends what is queued now. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    this.runBatch(batch.map((w) => w.item)).then(
      (results) => batch.forEach((w, i) => w.resolve(results[i]!)),
      (error: unknown) => batch.forEach((w) => w.reject(error)),
    );
  }
}
