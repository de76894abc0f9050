// Schedules each digest with node-cron in its time zone. Every replica schedules them all; the
// DigestRun row claimed in sendDigest's transaction decides which one sends (once per period).
// After `/leads reload` the schedules follow the new playbook within a minute.
import { type ScheduledTask, schedule } from "node-cron";
import type { Deps } from "#src/context.ts";
import { type DigestSchedule, digestSchedules, periodOf } from "#src/domain/digest-schedule.ts";
import type { Worker } from "#src/lib/worker.ts";
import { type SendDigestResult, sendDigest } from "#src/services/send-digest.ts";

export class DigestScheduler implements Worker {
  readonly name = "digests";
  private tasks: ScheduledTask[] = [];
  private signature = "";
  private watcher?: NodeJS.Timeout;
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    private readonly deps: Deps,
    private readonly options: { onSent?: () => void; watchMs?: number } = {},
  ) {}

  start(): void {
    this.reschedule();
    this.watcher = setInterval(() => this.reschedule(), this.options.watchMs ?? 60_000);
    this.watcher.unref();
  }

  async stop(): Promise<void> {
    if (this.watcher) clearInterval(this.watcher);
    this.watcher = undefined;
    await this.clear();
    await Promise.allSettled([...this.running]);
  }

  /** Runs one scheduled digest for the period `scheduledFor` stands for. */
  run(digest: DigestSchedule, scheduledFor: Date): Promise<SendDigestResult | undefined> {
    const log = this.deps.logger.child({ job: "digest", scope: digest.scope });
    const period = periodOf(scheduledFor);
    const work = sendDigest(this.deps, {
      teamKey: digest.teamKey,
      period,
      trigger: "scheduled",
      now: this.deps.clock.now(),
    })
      .then((result) => {
        if (result.sent) {
          log.info({ period, channels: result.channels }, "digest enqueued");
          this.options.onSent?.();
        } else {
          log.debug({ period }, "digest already sent for this period");
        }
        return result;
      })
      .catch((error: unknown) => {
        log.error({ err: error, period }, "digest failed; the next period will try again");
        return undefined;
      });
    this.running.add(work);
    void work.finally(() => this.running.delete(work));
    return work;
  }

  private reschedule(): void {
    const schedules = digestSchedules(this.deps.playbook.current);
    const signature = JSON.stringify(schedules);
    if (signature === this.signature) return;
    this.signature = signature;
    void this.clear();
    this.tasks = schedules.map((digest) =>
      schedule(digest.cron, (context) => void this.run(digest, context.date), {
        name: `digest:${digest.scope}`,
        timezone: digest.timezone,
        noOverlap: true,
      }),
    );
    this.deps.logger.info(
      { digests: schedules.map((s) => `${s.scope} "${s.cron}" ${s.timezone}`) },
      "digests scheduled",
    );
  }

  private async clear(): Promise<void> {
    const tasks = this.tasks;
    this.tasks = [];
    await Promise.all(tasks.map((task) => task.destroy()));
  }
}
