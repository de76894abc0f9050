// Keeps each Slack channel within Slack's pace (about one message per second, short bursts
// allowed): a token bucket per channel, waited on before sending. It refills a little slower
// than Slack's limit (0.9 per second): a message's trip to Slack takes a varying few
// milliseconds, so spacing messages exactly one second apart here can land two of them closer
// than that at Slack, and Slack refuses the second. After a 429 the channel is
// held until Slack's Retry-After has passed, for every message to it from this process (the
// outbox's holdTarget does the same across replicas for messages with a target). One call per
// channel and lane (posts, updates) is in flight at a time, until it is answered or for at
// most `answerWaitMs`: a call sent while another one's 429 was on its way back would land
// inside the Retry-After (bench:slack-faults, under load).
interface Bucket {
  tokens: number;
  at: number;
  queue: Promise<void>;
  heldUntil: number;
  lanes: Map<Lane, Promise<void>>;
}

/** Posts are paced by tokens; updates only wait out holds. */
export type Lane = "post" | "update";

export class Pacer {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly perSecond = 0.9,
    private readonly burst = 3,
    private readonly now: () => number = Date.now,
    private readonly answerWaitMs = 2000,
  ) {}

  /**
   * Runs `call` to `key` in its turn, in order per lane: a post when a token is free, an
   * update when the channel is not held; the lane's next call waits for this one's answer.
   * `call` should `hold` the key itself when Slack answers 429.
   */
  send<T>(key: string, lane: Lane, call: () => Promise<T>): Promise<T> {
    const bucket = this.bucket(key);
    const previous = bucket.lanes.get(lane) ?? Promise.resolve();
    const turn = previous.then(() => (lane === "post" ? this.take(key) : this.free(key)));
    const result = turn.then(call);
    const answered = result.then(
      () => undefined,
      () => undefined,
    );
    const waited = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
    bucket.lanes.set(
      lane,
      turn.then(
        () => Promise.race([answered, waited(this.answerWaitMs)]),
        () => undefined,
      ),
    );
    return result;
  }

  /** Resolves when one more message may go to `key`. Calls for one key resolve in order. */
  private take(key: string): Promise<void> {
    const bucket = this.bucket(key);
    const turn = bucket.queue.then(async () => {
      // A 429 can arrive while this waits for a token: look at the hold again after waiting
      // (bench:slack-faults saw thread replies sent 1.1 s into a 2 s Retry-After).
      for (;;) {
        await this.waitForHold(bucket);
        const now = this.now();
        bucket.tokens = Math.min(
          this.burst,
          bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond,
        );
        bucket.at = now;
        if (bucket.tokens >= 1 && bucket.heldUntil <= now) break;
        const waitMs = ((1 - bucket.tokens) / this.perSecond) * 1000;
        await new Promise((resolve) => setTimeout(resolve, Math.max(1, waitMs)));
      }
      bucket.tokens -= 1;
    });
    bucket.queue = turn;
    return turn;
  }

  /** Resolves once `key` is not held (a call that is not paced, e.g. an update, still waits). */
  private async free(key: string): Promise<void> {
    const bucket = this.buckets.get(key);
    if (bucket) await this.waitForHold(bucket);
  }

  /** Slack answered 429 for `key`: nothing more goes to it for `ms`. */
  hold(key: string, ms: number): void {
    const bucket = this.bucket(key);
    bucket.heldUntil = Math.max(bucket.heldUntil, this.now() + ms);
  }

  private bucket(key: string): Bucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = {
        tokens: this.burst,
        at: this.now(),
        queue: Promise.resolve(),
        heldUntil: 0,
        lanes: new Map(),
      };
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  private async waitForHold(bucket: Bucket): Promise<void> {
    // A hold may be extended while waiting (another 429): wait again until it has passed.
    for (let wait = bucket.heldUntil - this.now(); wait > 0; wait = bucket.heldUntil - this.now()) {
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
