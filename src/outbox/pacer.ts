// Keeps each Slack channel within Slack's pace (about one message per second, short bursts
// allowed): a token bucket per channel, waited on before sending. It refills a little slower
// than Slack's limit (0.9 per second): a message's trip to Slack takes a varying few
// milliseconds, so spacing messages exactly one second apart here can land two of them closer
// than that at Slack, and Slack refuses the second.
export class Pacer {
  private readonly buckets = new Map<
    string,
    { tokens: number; at: number; queue: Promise<void> }
  >();

  constructor(
    private readonly perSecond = 0.9,
    private readonly burst = 3,
    private readonly now: () => number = Date.now,
  ) {}

  /** Resolves when one more message may go to `key`. Calls for one key resolve in order. */
  take(key: string): Promise<void> {
    const bucket = this.buckets.get(key) ?? {
      tokens: this.burst,
      at: this.now(),
      queue: Promise.resolve(),
    };
    this.buckets.set(key, bucket);
    const turn = bucket.queue.then(async () => {
      const now = this.now();
      bucket.tokens = Math.min(
        this.burst,
        bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond,
      );
      bucket.at = now;
      if (bucket.tokens < 1) {
        const waitMs = ((1 - bucket.tokens) / this.perSecond) * 1000;
        await new Promise((resolve) => setTimeout(resolve, waitMs));
        bucket.tokens = 1;
        bucket.at = this.now();
      }
      bucket.tokens -= 1;
    });
    bucket.queue = turn;
    return turn;
  }
}
