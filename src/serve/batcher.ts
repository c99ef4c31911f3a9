/**
 * A micro-batcher: requests that arrive within `windowMs` of each other (and while a batch is
 * running) are merged into one call of `run`, one batch at a time -- the model is one resource,
 * and one forward pass over many sequences beats many passes over one. Only items with the same
 * key (same sampling options) share a batch.
 */

export interface MicroBatcherOptions<Item> {
  /** How long the first item of a batch waits for company, ms (default 5). */
  windowMs?: number;
  /** Largest batch, in `sizeOf` units (default 64). An item larger than this runs alone. */
  maxBatch?: number;
  /** Items with different keys never share a batch. */
  keyOf: (item: Item) => string;
  /** Weight of an item (e.g. prompts x n); default 1. */
  sizeOf?: (item: Item) => number;
}

interface Pending<Item, Result> {
  item: Item;
  key: string;
  size: number;
  resolve: (r: Result) => void;
  reject: (e: unknown) => void;
}

export class MicroBatcher<Item, Result> {
  private pending: Array<Pending<Item, Result>> = [];
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly windowMs: number;
  private readonly maxBatch: number;
  /** Batches run so far and items they carried (for metrics and tests). */
  batches = 0;
  batchedItems = 0;

  constructor(
    private readonly run: (key: string, items: Item[]) => Promise<Result[]>,
    private readonly opts: MicroBatcherOptions<Item>,
  ) {
    this.windowMs = opts.windowMs ?? 5;
    this.maxBatch = opts.maxBatch ?? 64;
  }

  /** Items waiting for a batch (not counting the one running). */
  get depth(): number {
    return this.pending.length;
  }

  get busy(): boolean {
    return this.running;
  }

  submit(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      const size = this.opts.sizeOf?.(item) ?? 1;
      this.pending.push({ item, key: this.opts.keyOf(item), size, resolve, reject });
      if (this.running) return; // the running batch schedules the next one when it ends
      const queued = this.pending.filter((p) => p.key === this.pending[0]!.key).reduce((s, p) => s + p.size, 0);
      if (queued >= this.maxBatch) this.flush();
      else if (!this.timer) this.timer = setTimeout(() => this.flush(), this.windowMs);
    });
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running || this.pending.length === 0) return;
    // The oldest item's key decides the batch; take its companions in arrival order.
    const key = this.pending[0]!.key;
    const batch: Array<Pending<Item, Result>> = [];
    let size = 0;
    this.pending = this.pending.filter((p) => {
      if (p.key !== key || (batch.length > 0 && size + p.size > this.maxBatch)) return true;
      batch.push(p);
      size += p.size;
      return false;
    });
    this.running = true;
    this.batches++;
    this.batchedItems += batch.length;
    void this.run(key, batch.map((p) => p.item))
      .then(
        (results) => {
          if (results.length !== batch.length) throw new Error(`batch produced ${results.length} results for ${batch.length} items`);
          batch.forEach((p, i) => p.resolve(results[i]!));
        },
        (err) => batch.forEach((p) => p.reject(err)),
      )
      .catch((err) => batch.forEach((p) => p.reject(err)))
      .finally(() => {
        this.running = false;
        // Items that arrived meanwhile have waited long enough: go at once.
        if (this.pending.length > 0) setImmediate(() => this.flush());
      });
  }
}
