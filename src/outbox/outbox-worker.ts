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
  groupStillArriving,
  holdTarget,
  leaseBurst,
  leaseDue,
  markDead,
  markDone,
  markRetry,
  type OutboxRow,
  renewLeases,
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

/**
 * Messages of one kind that are delivered together when many are due for one target at once
 * (a burst of lead cards for a channel becomes one summary). The group is leased as a whole,
 * so no other worker, nor this one, delivers its messages one by one as well.
 */
export interface GroupDelivery {
  kind: string;
  /** Fewest due messages for one target that make a group; 0 turns grouping off. */
  threshold: () => number;
  /** Most messages in one group. */
  max: number;
  /** Messages per part; each part is one delivery, marked done on its own. */
  partSize: number;
  /**
   * Every message of the kind is delivered through this group (threshold 1), and each worker
   * has at most one delivery per target out at a time: messages that come due meanwhile wait
   * in the table and go out together in the next one (the marketing feed, decision 012).
   */
  coalesce?: boolean;
  /**
   * Kinds whose delivery makes more of this group (a hand-off makes a card). While any is
   * due, the group's kind waits, at most `maxWaitMs`, so a burst is gathered whole.
   */
  waitFor?: { kinds: string[]; maxWaitMs: number };
  deliver: (
    part: OutboxRow[],
    position: { index: number; parts: number; total: number },
  ) => Promise<unknown>;
}

export interface OutboxWorkerOptions {
  db: Database;
  logger: Logger;
  clock: Clock;
  handlers: Record<string, OutboxHandler>;
  groups?: GroupDelivery[];
  /** Waited on before each batch in the background loop (see AckGate). */
  gate?: { quiet(): Promise<void> };
  /** How often to look for work when idle; `wake()` skips the wait. */
  pollMs?: number;
  batchSize?: number;
  /**
   * How long a leased message stays this worker's. The worker renews the leases of messages
   * it is still delivering every third of this, so only a dead worker's messages run out
   * and are taken up by another (at most this long after the crash).
   */
  leaseMs?: number;
  /** Most time between two attempts of one message. */
  maxBackoffMs?: number;
}

export class OutboxWorker implements Worker {
  readonly name = "outbox";
  readonly id = `outbox-${randomBytes(4).toString("hex")}`;
  private running = false;
  private loop?: Promise<void>;
  /**
   * Messages leased by the background loop and not settled yet (a burst counts as one), per
   * lane (see laneOf): each lane has batchSize of room, so messages waiting on one service's
   * pace never take the room of another's.
   */
  private readonly inFlight = new Map<Lane, number>();
  private readonly tasks = new Set<Promise<void>>();
  /** Messages leased by this worker and not settled yet: their leases are renewed. */
  private readonly holding = new Set<bigint>();
  /** "kind target" of coalesced deliveries this worker has out (see GroupDelivery.coalesce). */
  private readonly coalescing = new Set<string>();
  private renewer?: NodeJS.Timeout;
  private sleeper?: { timer: NodeJS.Timeout; wake: () => void };
  private readonly pollMs: number;
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private readonly maxBackoffMs: number;

  constructor(private readonly options: OutboxWorkerOptions) {
    this.pollMs = options.pollMs ?? 250;
    this.batchSize = options.batchSize ?? 20;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.maxBackoffMs = options.maxBackoffMs ?? 5 * 60_000;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.renewer = setInterval(() => void this.renew(), this.leaseMs / 3);
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    clearInterval(this.renewer);
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
   * target, not every other message leased with it (#7, bench:slack-faults). A burst (see
   * GroupDelivery) runs alongside as one task.
   */
  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      let idle = true;
      try {
        await this.options.gate?.quiet();
        const { held, bursts } = await this.leaseBursts();
        for (const { group, rows } of bursts) {
          this.track(laneOf(group.kind), 1, rows, this.deliverBurst(group, rows));
        }
        // Full everywhere, or nothing more due anywhere: wait (below). Otherwise lease again.
        let more = false;
        for (const [lane, kinds] of this.lanes()) {
          const room = this.batchSize - (this.inFlight.get(lane) ?? 0);
          if (room <= 0) continue;
          const leased = await this.leaseAndStart(
            lane,
            room,
            kinds.filter((kind) => !held.has(kind)),
          );
          if (leased >= room) more = true;
        }
        idle = !more;
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
      // Full, or nothing more is due: wait for a settled task, new work (wake) or the poll
      // (longer after failures, up to 2 s).
      const wait =
        failures > 0 ? Math.min(2000, this.pollMs * 2 ** Math.min(failures, 4)) : this.pollMs;
      if ((failures > 0 || idle) && this.running) await this.sleep(wait);
    }
    await Promise.all(this.tasks);
  }

  /**
   * Runs delivery work on leased `rows` in the background, counted as `weight` against
   * batchSize while it runs, with the rows' leases renewed until it settles.
   */
  private track(lane: Lane, weight: number, rows: OutboxRow[], work: Promise<unknown>): void {
    this.inFlight.set(lane, (this.inFlight.get(lane) ?? 0) + weight);
    const running: Promise<void> = this.hold(rows, work)
      .then(() => undefined)
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
        this.inFlight.set(lane, (this.inFlight.get(lane) ?? 0) - weight);
        this.tasks.delete(running);
        this.wake();
      });
    this.tasks.add(running);
  }

  private async leaseAndStart(lane: Lane, limit: number, kinds: string[]): Promise<number> {
    if (kinds.length === 0) return 0;
    const messages = await this.lease(limit, kinds);
    for (const group of groupByTarget(messages)) {
      this.track(lane, group.length, group, this.deliverInOrder(group));
    }
    return messages.length;
  }

  /** The handled kinds by lane. */
  private lanes(): Map<Lane, string[]> {
    const lanes = new Map<Lane, string[]>();
    for (const kind of Object.keys(this.options.handlers)) {
      const lane = laneOf(kind);
      lanes.set(lane, [...(lanes.get(lane) ?? []), kind]);
    }
    return lanes;
  }

  private lease(limit: number, kinds: string[]): Promise<OutboxRow[]> {
    const { db, clock } = this.options;
    return leaseDue(db, {
      kinds,
      worker: this.id,
      now: clock.now(),
      leaseMs: this.leaseMs,
      limit,
    });
  }

  private async deliverBatch(): Promise<number> {
    const { held, bursts } = await this.leaseBursts();
    await Promise.all(
      bursts.map(({ group, rows }) => this.hold(rows, this.deliverBurst(group, rows))),
    );
    const messages = await this.lease(
      this.batchSize,
      Object.keys(this.options.handlers).filter((kind) => !held.has(kind)),
    );
    // Messages for different targets go out side by side; one target's in order.
    await Promise.all(
      groupByTarget(messages).map((group) => this.hold(group, this.deliverInOrder(group))),
    );
    return bursts.reduce((n, b) => n + b.rows.length, 0) + messages.length;
  }

  /** Keeps renewing the leases of `rows` until `work` settles. */
  private async hold<T>(rows: OutboxRow[], work: Promise<T>): Promise<T> {
    for (const row of rows) this.holding.add(row.id);
    try {
      return await work;
    } finally {
      for (const row of rows) this.holding.delete(row.id);
    }
  }

  private async renew(): Promise<void> {
    if (this.holding.size === 0) return;
    try {
      await renewLeases(this.options.db, {
        ids: [...this.holding],
        worker: this.id,
        now: this.options.clock.now(),
        leaseMs: this.leaseMs,
      });
    } catch (error) {
      // The next renewal tries again; if none succeeds before the leases run out, another
      // worker may deliver these messages too (the at-least-once window of a database outage).
      this.options.logger.warn({ err: error }, "outbox: could not renew leases; retrying");
    }
  }

  /**
   * Leases each group delivery's burst, if one is due. `held`: kinds that wait because more of
   * their burst is still being made (see GroupDelivery.waitFor), not to be leased one by one.
   */
  private async leaseBursts(): Promise<{
    held: Set<string>;
    bursts: { group: GroupDelivery; rows: OutboxRow[] }[];
  }> {
    const { db, clock } = this.options;
    const held = new Set<string>();
    const bursts: { group: GroupDelivery; rows: OutboxRow[] }[] = [];
    for (const group of this.options.groups ?? []) {
      const threshold = group.threshold();
      if (threshold <= 0) continue;
      if (group.waitFor) {
        const arriving = await groupStillArriving(db, {
          kind: group.kind,
          waitFor: group.waitFor.kinds,
          now: clock.now(),
          maxWaitMs: group.waitFor.maxWaitMs,
        });
        if (arriving) {
          held.add(group.kind);
          continue;
        }
      }
      if (group.coalesce) {
        // Never one by one, and every target due, except those with a delivery still out.
        held.add(group.kind);
        const out = [...this.coalescing]
          .filter((key) => key.startsWith(`${group.kind} `))
          .map((key) => key.slice(group.kind.length + 1));
        for (;;) {
          const rows = await this.leaseGroup(group, threshold, out);
          if (rows.length === 0) break;
          out.push(rows[0]!.target!);
          bursts.push({ group, rows });
        }
        continue;
      }
      const rows = await this.leaseGroup(group, threshold, []);
      if (rows.length > 0) bursts.push({ group, rows });
    }
    return { held, bursts };
  }

  private async leaseGroup(
    group: GroupDelivery,
    threshold: number,
    skipTargets: string[],
  ): Promise<OutboxRow[]> {
    const { db, clock } = this.options;
    const rows = await leaseBurst(db, {
      kind: group.kind,
      threshold,
      worker: this.id,
      now: clock.now(),
      leaseMs: this.leaseMs,
      limit: group.max,
      skipTargets,
    });
    return rows.sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  /** Delivers one target's messages in order; after a rate limit the rest wait with it. */
  private async deliverInOrder(messages: OutboxRow[]): Promise<void> {
    for (const [i, message] of messages.entries()) {
      const heldUntil = await this.deliver(message);
      if (heldUntil) {
        await this.postpone(
          messages.slice(i + 1),
          heldUntil,
          "waiting for the channel's rate limit",
        );
        return;
      }
    }
  }

  /** Delivers a leased burst part by part (or one by one if another worker left too few). */
  private async deliverBurst(group: GroupDelivery, rows: OutboxRow[]): Promise<void> {
    if (!group.coalesce) return this.deliverParts(group, rows);
    const key = `${group.kind} ${rows[0]!.target}`;
    this.coalescing.add(key);
    try {
      await this.deliverParts(group, rows);
    } finally {
      this.coalescing.delete(key);
    }
  }

  private async deliverParts(group: GroupDelivery, rows: OutboxRow[]): Promise<void> {
    const { db, clock } = this.options;
    if (rows.length < group.threshold()) {
      await this.deliverInOrder(rows);
      return;
    }
    const parts: OutboxRow[][] = [];
    for (let i = 0; i < rows.length; i += group.partSize) {
      parts.push(rows.slice(i, i + group.partSize));
    }
    for (const [i, part] of parts.entries()) {
      try {
        const result = await group.deliver(part, {
          index: i + 1,
          parts: parts.length,
          total: rows.length,
        });
        // One statement: a crash leaves the whole part to be delivered again, never half of it.
        await markDone(
          db,
          part.map((row) => row.id),
          this.id,
          clock.now(),
          result,
        );
      } catch (error) {
        const heldUntil = await this.failed(part, error);
        if (heldUntil) {
          await this.postpone(
            parts.slice(i + 1).flat(),
            heldUntil,
            "waiting for the channel's rate limit",
          );
          return;
        }
      }
    }
  }

  private async postpone(messages: OutboxRow[], until: Date, reason: string): Promise<void> {
    for (const message of messages) {
      await markRetry(this.options.db, message.id, this.id, until, reason);
    }
  }

  /** Delivers one message; returns the time its target is held until after a rate limit. */
  private async deliver(message: OutboxRow): Promise<Date | undefined> {
    const { db, clock } = this.options;
    try {
      const result = await this.options.handlers[message.kind]!(message);
      await markDone(db, [message.id], this.id, clock.now(), result);
      return undefined;
    } catch (error) {
      return this.failed([message], error);
    }
  }

  /**
   * Records a failed delivery of these messages (one, or a group's part): DEAD when it can
   * never succeed, otherwise retried with backoff or after Slack's Retry-After. Returns the
   * time the target is held until when Slack rate limited it.
   */
  private async failed(messages: OutboxRow[], error: unknown): Promise<Date | undefined> {
    const { db, clock, logger } = this.options;
    const first = messages[0]!;
    const log = logger.child({
      outboxId: messages.map((m) => String(m.id)).join(","),
      kind: first.kind,
    });
    if (error instanceof Undeliverable) {
      log.error({ err: error }, "outbox: message cannot be delivered; kept as DEAD");
      for (const message of messages) {
        await markDead(db, message.id, this.id, errorMessage(error));
      }
      return undefined;
    }
    const attempts = Math.max(...messages.map((m) => m.attempts));
    const backoff = Math.min(this.maxBackoffMs, 1000 * 2 ** Math.min(attempts - 1, 16));
    const jittered = backoff / 2 + Math.random() * (backoff / 2);
    const afterMs =
      error instanceof RetryLater && error.afterMs !== undefined ? error.afterMs : jittered;
    const until = new Date(clock.now().getTime() + afterMs);
    const holds = error instanceof RetryLater && error.holdWholeTarget && !!first.target;
    if (holds) await holdTarget(db, first.target!, until);
    log.warn(
      { err: error, attempts, retryInMs: Math.round(afterMs) },
      "outbox: delivery failed; will retry",
    );
    for (const message of messages) {
      await markRetry(db, message.id, this.id, until, errorMessage(error));
    }
    return holds ? until : undefined;
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

/**
 * Which outside service a kind of message goes to ("routing": Baton's own work, "ai": OpenAI).
 * The background loop gives each its own room: a channel's card redraws paced at Slack's one
 * a second for minutes (a claim storm) never hold up the lead's CRM updates, webhooks or
 * hand-off, nor a slow CRM Slack's messages (#15, bench:crm: with one shared room HubSpot
 * kept pace with the redraws, 8 minutes for 500).
 */
export type Lane = "routing" | "ai" | "slack" | "hubspot" | "salesforce" | "webhook";

export function laneOf(kind: string): Lane {
  // Routing a new lead is Baton's own work (its database, a CRM owner lookup with its own
  // bounded wait): sharing Slack's room, a claim storm's redraws in one channel held new
  // leads' hand-offs for minutes (#13, bench:claim: "leads were not handed off in 30 s").
  if (kind === "lead.handoff") return "routing";
  if (kind === "lead.brief") return "ai";
  if (kind.startsWith("hubspot.")) return "hubspot";
  if (kind.startsWith("salesforce.")) return "salesforce";
  if (kind === "webhook") return "webhook";
  return "slack";
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
