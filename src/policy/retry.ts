/**
 * Small building blocks for HTTP backends: a counting semaphore (concurrency limit) and
 * exponential backoff with full jitter that honours a server's Retry-After.
 */

/** Limits how many async jobs run at once; the rest wait in FIFO order. */
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency must be a positive integer, got ${limit}`);
  }

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await job();
    } finally {
      const next = this.waiting.shift();
      if (next) next(); // hand our slot straight to the next waiter
      else this.active--;
    }
  }
}

/**
 * Parses a Retry-After header (delta-seconds or an HTTP date) into milliseconds from `now`;
 * undefined when absent or unparseable.
 */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return undefined;
  const t = v.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  const date = Date.parse(t);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

export interface BackoffOptions {
  /** First delay, ms (doubled each attempt). */
  baseMs: number;
  /** Largest delay, ms. */
  maxMs: number;
}

/**
 * Delay before retry number `attempt` (0-based): full jitter over base*2^attempt, capped; a
 * Retry-After from the server is a lower bound (we never come back earlier than asked).
 */
export function backoffDelay(attempt: number, opts: BackoffOptions, retryAfterMs?: number, random = Math.random): number {
  const ceiling = Math.min(opts.maxMs, opts.baseMs * 2 ** attempt);
  const jittered = random() * ceiling;
  return retryAfterMs === undefined ? jittered : Math.max(retryAfterMs, jittered);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
