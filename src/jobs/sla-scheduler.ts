// Runs the SLA sweep on a node-cron schedule (SLA_SWEEP_CRON, every minute by default). Every
// replica schedules it; a lease in JobLease lets one of them sweep at a time, and the sweep
// itself stays correct if two overlap (SKIP LOCKED per lead, SlaNotice once per stage).
import { hostname } from "node:os";
import { type ScheduledTask, schedule } from "node-cron";
import type { Deps } from "#src/context.ts";
import type { Worker } from "#src/lib/worker.ts";
import { runSweep, type SweepResult } from "#src/sla/sweep.ts";

const LEASE = "sla-sweep";
/** A replica that dies mid-sweep holds the lease this long at most. */
const LEASE_MS = 5 * 60_000;

export class SlaScheduler implements Worker {
  readonly name = "sla-sweep";
  private task?: ScheduledTask;
  private running?: Promise<SweepResult | undefined>;
  private readonly holder =
    `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;

  constructor(
    private readonly deps: Deps,
    private readonly options: { onFired?: () => void } = {},
  ) {}

  start(): void {
    this.task = schedule(this.deps.config.slaSweepCron, () => void this.sweep(), {
      name: "sla-sweep",
      noOverlap: true,
    });
  }

  async stop(): Promise<void> {
    await this.task?.destroy();
    this.task = undefined;
    await this.running;
  }

  /** One sweep now, if this replica gets the lease; undefined when another one holds it. */
  sweep(): Promise<SweepResult | undefined> {
    if (this.running) return this.running;
    const work = this.sweepWithLease()
      .catch((error: unknown) => {
        this.deps.logger.error({ err: error }, "SLA sweep failed; the next one will try again");
        return undefined;
      })
      .finally(() => {
        this.running = undefined;
      });
    this.running = work;
    return work;
  }

  private async sweepWithLease(): Promise<SweepResult | undefined> {
    const { db, clock, logger } = this.deps;
    const now = clock.now();
    const until = new Date(now.getTime() + LEASE_MS);
    const taken = await db.prisma.$executeRaw`
      INSERT INTO "JobLease" ("name", "holder", "leaseUntil", "updatedAt")
      VALUES (${LEASE}, ${this.holder}, ${until}, ${now})
      ON CONFLICT ("name") DO UPDATE
         SET "holder" = EXCLUDED."holder", "leaseUntil" = EXCLUDED."leaseUntil", "updatedAt" = EXCLUDED."updatedAt"
       WHERE "JobLease"."leaseUntil" IS NULL OR "JobLease"."leaseUntil" < ${now}
          OR "JobLease"."holder" = ${this.holder}`;
    if (taken === 0) return undefined;
    try {
      const result = await runSweep(this.deps, now);
      const fired = Object.values(result.fired).reduce((a, b) => a + b, 0);
      if (fired > 0 || result.resurfaced > 0) {
        logger.info(result, "SLA sweep fired");
        this.options.onFired?.();
      }
      return result;
    } finally {
      await db.prisma.$executeRaw`
        UPDATE "JobLease" SET "leaseUntil" = NULL, "lastRunAt" = ${now}, "updatedAt" = ${clock.now()}
         WHERE "name" = ${LEASE} AND "holder" = ${this.holder}`;
    }
  }
}
