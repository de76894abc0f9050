// Polls each connected CRM for conversions on a node-cron schedule (HUBSPOT_POLL_CRON), where
// the CRM's webhooks are not set up. Every replica schedules it; a lease in JobLease (one per
// CRM) lets one replica poll at a time, and a run that finished less than `minGapMs` ago makes
// the others skip, so each interval polls once. The watermark (where the next poll starts) is
// kept on the lease row (lastPeriod, an ISO time) and moves only when a poll succeeds.
import { hostname } from "node:os";
import { type ScheduledTask, schedule } from "node-cron";
import type { Deps } from "#src/context.ts";
import type { ConversionPoll, CrmConversionPoller } from "#src/crm/crm-provider.ts";
import { errorMessage } from "#src/errors.ts";
import type { Worker } from "#src/lib/worker.ts";

/** A replica that dies mid-poll holds the lease this long at most. */
const LEASE_MS = 10 * 60_000;
/** The first poll looks back this far. */
const FIRST_LOOK_BACK_MS = 24 * 60 * 60_000;

export interface CrmPollOptions {
  /** Stable key of the CRM: the lease is "crm-poll:<key>". */
  key: string;
  poller: CrmConversionPoller;
  cron: string;
  /** Another replica's run this recent counts for this interval too. */
  minGapMs?: number;
}

export class CrmPollScheduler implements Worker {
  readonly name: string;
  private task?: ScheduledTask;
  private running?: Promise<ConversionPoll | undefined>;
  private readonly lease: string;
  private readonly holder =
    `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;

  constructor(
    private readonly deps: Deps,
    private readonly options: CrmPollOptions,
  ) {
    this.lease = `crm-poll:${options.key}`;
    this.name = this.lease;
  }

  start(): void {
    this.task = schedule(this.options.cron, () => void this.poll(), {
      name: this.lease,
      noOverlap: true,
    });
  }

  async stop(): Promise<void> {
    await this.task?.destroy();
    this.task = undefined;
    await this.running;
  }

  /** One poll now, if this replica gets the lease; undefined when another one polls or polled. */
  poll(): Promise<ConversionPoll | undefined> {
    if (this.running) return this.running;
    const work = this.pollWithLease()
      .catch((error: unknown) => {
        this.deps.logger.error(
          { crm: this.options.poller.crm, error: errorMessage(error) },
          `${this.options.poller.crm} conversion poll failed; the next one starts from the same point`,
        );
        return undefined;
      })
      .finally(() => {
        this.running = undefined;
      });
    this.running = work;
    return work;
  }

  private async pollWithLease(): Promise<ConversionPoll | undefined> {
    const { db, clock, logger } = this.deps;
    const now = clock.now();
    const until = new Date(now.getTime() + LEASE_MS);
    const recent = new Date(now.getTime() - (this.options.minGapMs ?? 30_000));
    const rows = await db.prisma.$queryRaw<{ lastPeriod: string | null }[]>`
      INSERT INTO "JobLease" ("name", "holder", "leaseUntil", "updatedAt")
      VALUES (${this.lease}, ${this.holder}, ${until}, ${now})
      ON CONFLICT ("name") DO UPDATE
         SET "holder" = EXCLUDED."holder", "leaseUntil" = EXCLUDED."leaseUntil", "updatedAt" = EXCLUDED."updatedAt"
       WHERE ("JobLease"."leaseUntil" IS NULL OR "JobLease"."leaseUntil" < ${now})
         AND ("JobLease"."lastRunAt" IS NULL OR "JobLease"."lastRunAt" < ${recent})
      RETURNING "lastPeriod"`;
    if (rows.length === 0) return undefined;
    const stored = rows[0]!.lastPeriod;
    const since = stored ? new Date(stored) : new Date(now.getTime() - FIRST_LOOK_BACK_MS);
    let result: ConversionPoll | undefined;
    try {
      result = await this.options.poller.pollConversions(since, now);
      if (result.found > 0) {
        logger.info(
          { crm: this.options.poller.crm, found: result.found },
          "conversions polled from the CRM",
        );
      }
      return result;
    } finally {
      const watermark = result ? result.watermark.toISOString() : stored;
      await db.prisma.$executeRaw`
        UPDATE "JobLease" SET "leaseUntil" = NULL, "lastRunAt" = ${result ? now : null},
               "lastPeriod" = ${watermark}, "updatedAt" = ${clock.now()}
         WHERE "name" = ${this.lease} AND "holder" = ${this.holder}`;
    }
  }
}
