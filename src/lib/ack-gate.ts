/**
 * Slack wants every request acknowledged within 3 seconds, and a burst of clicks (a team
 * racing for a lead, a review meeting) arrives within milliseconds. Work done after an ack, and
 * the outbox deliveries it wakes, would otherwise run between the burst's requests and delay
 * their acks. The gate holds such work until no Slack request has arrived for `quietMs`, for at
 * most `maxWaitMs`, so the burst is acknowledged first and worked through right after.
 */
export class AckGate {
  private lastArrival = 0;

  constructor(
    private readonly quietMs = 15,
    private readonly maxWaitMs = 250,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** A Slack request arrived. */
  arrived(): void {
    this.lastArrival = this.now();
  }

  /** Resolves once requests have been quiet for `quietMs`, or after `maxWaitMs`. */
  async quiet(): Promise<void> {
    const started = this.now();
    for (;;) {
      const now = this.now();
      const quietFor = now - this.lastArrival;
      if (quietFor >= this.quietMs || now - started >= this.maxWaitMs) return;
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(this.quietMs - quietFor, this.maxWaitMs - (now - started))),
      );
    }
  }
}
