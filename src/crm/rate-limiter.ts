// Keeps one process's calls to a CRM inside the CRM's rolling limit (HubSpot: a number of
// requests per 10 seconds per app), so a burst of claims queues here instead of being answered
// 429 and retried. Every handler of a process shares one limiter per CRM. A sliding window, not
// a token bucket: HubSpot counts the requests of the last ten seconds, so a full bucket spent at
// once right after a full window would go over. After a 429 (another replica spent the budget,
// or another app of the same account), every call waits out the Retry-After.
export interface RateLimit {
  /** Requests allowed in one window. */
  max: number;
  windowMs: number;
}

export class RateLimiter {
  /** When the calls of the current window started, oldest first. */
  private readonly sent: number[] = [];
  private queue: Promise<void> = Promise.resolve();
  private heldUntil = 0;
  private waiting = 0;

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = Date.now,
  ) {
    if (!(limit.max >= 1) || !(limit.windowMs > 0)) {
      throw new Error(`a rate limit needs max >= 1 and windowMs > 0, got ${JSON.stringify(limit)}`);
    }
  }

  /** Runs `call` when the window has room for it; calls start in the order they were made. */
  async run<T>(call: () => Promise<T>): Promise<T> {
    this.waiting += 1;
    const turn = this.queue.then(() => this.take());
    this.queue = turn;
    try {
      await turn;
    } finally {
      this.waiting -= 1;
    }
    return call();
  }

  /** No call starts before `untilMs` (a 429's Retry-After). */
  hold(untilMs: number): void {
    this.heldUntil = Math.max(this.heldUntil, untilMs);
  }

  /** Calls waiting for room now (for the bench and /metrics). */
  get queued(): number {
    return this.waiting;
  }

  private async take(): Promise<void> {
    for (;;) {
      const now = this.now();
      while (this.sent.length > 0 && this.sent[0]! <= now - this.limit.windowMs) this.sent.shift();
      const roomAt =
        this.sent.length < this.limit.max
          ? now
          : this.sent[this.sent.length - this.limit.max]! + this.limit.windowMs;
      const at = Math.max(roomAt, this.heldUntil);
      if (at <= now) {
        this.sent.push(now);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, at - now)));
    }
  }
}
