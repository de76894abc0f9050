// Delivers outbox messages: leases due ones, hands each to the handler for its kind, and
// records the outcome. Failures are retried with backoff (or after Slack's Retry-After);
// nothing is dropped unless the message can never be delivered, and then it is kept as DEAD
// with its error.
import { randomBytes } from "node:crypto";
import type { Clock } from "#src/clock.ts";
import { isDatabaseUnavailable } from "#src/db/connection-errors.ts";
import type { Database } from "#src/db/database.ts";
import { errorMessage } from "#src/errors.ts";
import type { Worker } from "#src/lib/worker.ts";
import type { Logger } from "#src/logger.ts";
import {
  holdTarget,
  leaseDue,
  markDead,
  markDone,
  markRetry,
  type OutboxRow,
} from "#src/outbox/outbox-store.ts";

/** Try again later: after `afterMs`, or Slack's Retry-After for the whole target. */
export class RetryLater extends Error {
  constructor(
    message: string,
    readonly afterMs?: number,
    readonly holdWholeTarget = false,
  ) {
    super(message);
    this.name = "RetryLater";
  }
}

/** Can never be delivered (channel gone, blocks invalid): kept as DEAD, not retried. */
export class Undeliverable extends Error {
  override name = "Undeliverable";
}

export type OutboxHandler = (message: OutboxRow) => Promise<unknown>;

export interface OutboxWorkerOptions {
  db: Database;
  logger: Logger;
  clock: Clock;
  handlers: Record<string, OutboxHandler>;
  /** How often to look for work when idle; `wake()` skips the wait. */
  pollMs?: number;
  batchSize?: number;
  leaseMs?: number;
  /** Most time between two attempts of one message. */
  maxBackoffMs?: number;
}

export class OutboxWorker implements Worker {
  readonly name = "outbox";
  readonly id = `outbox-${randomBytes(4).toString("hex")}`;
  private running = false;
  private loop?: Promise<void>;
  /** Messages leased by the background loop and not settled yet (at most batchSize). */
  private inFlight = 0;
  private readonly groups = new Set<Promise<void>>();
  private sleeper?: { timer: NodeJS.Timeout; wake: () => void };
  private readonly pollMs: number;
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private readonly maxBackoffMs: number;

  constructor(private readonly options: OutboxWorkerOptions) {
    this.pollMs = options.pollMs ?? 250;
    this.batchSize = options.batchSize ?? 20;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.maxBackoffMs = options.maxBackoffMs ?? 5 * 60_000;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
  }

  /** New work was enqueued in this process: look now instead of at the next poll. */
  wake(): void {
    this.sleeper?.wake();
  }

  /** Delivers everything due now; resolves with how many messages were handled. */
  async drain(): Promise<number> {
    let handled = 0;
    for (;;) {
      const count = await this.deliverBatch();
      if (count === 0) return handled;
      handled += count;
    }
  }

  /**
   * The background loop keeps up to batchSize messages in flight and leases more as soon as
   * some settle: a Slack call that hangs until its timeout (15 s) holds up only its own
   * target, not every other message leased with it (#7, bench:slack-faults).
   */
  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      const room = this.batchSize - this.inFlight;
      let leased = 0;
      if (room > 0) {
        try {
          leased = await this.leaseAndStart(room);
          if (failures > 0) this.options.logger.info({ failures }, "outbox: leasing again");
          failures = 0;
        } catch (error) {
          failures += 1;
          // While the database is away this fails every poll: say so once, then every 20th.
          if (failures === 1 || failures % 20 === 0) {
            const down = isDatabaseUnavailable(error);
            this.options.logger[down ? "warn" : "error"](
              { err: error, failures },
              down
                ? "outbox: database unavailable; retrying"
                : "outbox: could not lease messages; retrying",
            );
          }
        }
      }
      // Full, or nothing more is due: wait for a settled group, new work (wake) or the poll
      // (longer after failures, up to 2 s).
      const wait =
        failures > 0 ? Math.min(2000, this.pollMs * 2 ** Math.min(failures, 4)) : this.pollMs;
      if ((room <= 0 || leased < room) && this.running) await this.sleep(wait);
    }
    await Promise.all(this.groups);
  }

  private async leaseAndStart(limit: number): Promise<number> {
    const messages = await this.lease(limit);
    for (const group of groupByTarget(messages)) {
      this.inFlight += group.length;
      const running: Promise<void> = this.deliverGroup(group)
        .catch((error: unknown) => {
          // The message stays leased and is taken up again when its lease runs out.
          const down = isDatabaseUnavailable(error);
          this.options.logger[down ? "warn" : "error"](
            { err: error },
            down
              ? "outbox: database unavailable while recording a delivery; retried after the lease"
              : "outbox: delivery failed unexpectedly",
          );
        })
        .finally(() => {
          this.inFlight -= group.length;
          this.groups.delete(running);
          this.wake();
        });
      this.groups.add(running);
    }
    return messages.length;
  }

  private lease(limit: number): Promise<OutboxRow[]> {
    const { db, clock } = this.options;
    return leaseDue(db, {
      kinds: Object.keys(this.options.handlers),
      worker: this.id,
      now: clock.now(),
      leaseMs: this.leaseMs,
      limit,
    });
  }

  private async deliverBatch(): Promise<number> {
    const messages = await this.lease(this.batchSize);
    // Messages for different targets go out side by side; one target's in order.
    await Promise.all(groupByTarget(messages).map((group) => this.deliverGroup(group)));
    return messages.length;
  }

  /** Delivers one target's messages in order; after a rate limit the rest wait with it. */
  private async deliverGroup(group: OutboxRow[]): Promise<void> {
    const { db } = this.options;
    for (const [i, message] of group.entries()) {
      const heldUntil = await this.deliver(message);
      if (heldUntil) {
        // The channel is rate limited: the rest of this group waits with it.
        for (const rest of group.slice(i + 1)) {
          await markRetry(db, rest.id, this.id, heldUntil, "waiting for the channel's rate limit");
        }
        return;
      }
    }
  }

  /** Delivers one message; returns the time its target is held until after a rate limit. */
  private async deliver(message: OutboxRow): Promise<Date | undefined> {
    const { db, clock, logger } = this.options;
    const log = logger.child({ outboxId: String(message.id), kind: message.kind });
    try {
      const result = await this.options.handlers[message.kind]!(message);
      await markDone(db, message.id, this.id, clock.now(), result);
    } catch (error) {
      if (error instanceof Undeliverable) {
        log.error({ err: error }, "outbox: message cannot be delivered; kept as DEAD");
        await markDead(db, message.id, this.id, errorMessage(error));
        return undefined;
      }
      const backoff = Math.min(this.maxBackoffMs, 1000 * 2 ** Math.min(message.attempts - 1, 16));
      const jittered = backoff / 2 + Math.random() * (backoff / 2);
      const afterMs =
        error instanceof RetryLater && error.afterMs !== undefined ? error.afterMs : jittered;
      const until = new Date(clock.now().getTime() + afterMs);
      if (error instanceof RetryLater && error.holdWholeTarget && message.target) {
        await holdTarget(db, message.target, until);
      }
      log.warn(
        { err: error, attempts: message.attempts, retryInMs: Math.round(afterMs) },
        "outbox: delivery failed; will retry",
      );
      await markRetry(db, message.id, this.id, until, errorMessage(error));
      return error instanceof RetryLater && error.holdWholeTarget ? until : undefined;
    }
    return undefined;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleeper = undefined;
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleeper = { timer, wake };
    });
  }
}

/** Groups leased messages by target (messages without one each on their own), in order. */
function groupByTarget(messages: OutboxRow[]): OutboxRow[][] {
  const byTarget = new Map<string, OutboxRow[]>();
  for (const message of messages) {
    const key = message.target ?? `#${message.id}`;
    byTarget.set(key, [...(byTarget.get(key) ?? []), message]);
  }
  return [...byTarget.values()];
}
