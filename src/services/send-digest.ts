// Sends one digest: computes it (reads only), then in one transaction claims the
// (scope, period) row in DigestRun and enqueues the Slack messages. A second replica, or the
// same one after a restart, finds the row taken and sends nothing: once per period.
import type { Deps } from "#src/context.ts";
import { MARKETING_SCOPE, teamScope } from "#src/domain/digest-schedule.ts";
import { AppError } from "#src/errors.ts";
import { enqueue } from "#src/outbox/messages.ts";
import { buildDigestReport, type DigestReport } from "#src/read-models/digest-report.ts";

export interface SendDigestOptions {
  /** A team's key; the marketing digest (all teams) when absent. */
  teamKey?: string;
  /** The period this run stands for (scheduled runs), or a unique one for `/leads digest`. */
  period: string;
  /** "scheduled" runs are once per period; "manual" ones are recorded under their own scope. */
  trigger: "scheduled" | "manual";
  /** End of the digest's window. */
  now: Date;
}

export interface SendDigestResult {
  sent: boolean;
  channels: string[];
  report?: DigestReport;
}

export function digestScope(teamKey: string | undefined, trigger: SendDigestOptions["trigger"]) {
  const scope = teamKey ? teamScope(teamKey) : MARKETING_SCOPE;
  return trigger === "manual" ? `manual:${scope}` : scope;
}

export async function sendDigest(
  deps: Pick<Deps, "db" | "playbook">,
  options: SendDigestOptions,
): Promise<SendDigestResult> {
  const { db } = deps;
  const playbook = deps.playbook.current;
  const scope = digestScope(options.teamKey, options.trigger);
  const done = await db.prisma.digestRun.findUnique({
    where: { scope_period: { scope, period: options.period } },
    select: { id: true },
  });
  if (done) return { sent: false, channels: [] };

  const team = options.teamKey ? playbook.teams.find((t) => t.key === options.teamKey) : undefined;
  if (options.teamKey && !team) {
    throw new AppError("not_found", `There is no team "${options.teamKey}" in the playbook.`);
  }
  const channels = [...new Set([team?.channel, playbook.marketing.channel])].filter(
    (c): c is string => Boolean(c),
  );
  const report = await buildDigestReport(deps, { teamKey: options.teamKey, to: options.now });
  const bars = report.bySource.map((r) => ({
    label: r.key ?? "(no source)",
    received: r.received,
    converted: r.converted,
  }));

  const claimed = await db.prisma.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ id: bigint }[]>`
      INSERT INTO "DigestRun" ("scope", "period", "createdAt")
      VALUES (${scope}, ${options.period}, ${options.now})
      ON CONFLICT ("scope", "period") DO NOTHING
      RETURNING "id"`;
    if (rows.length === 0) return false;
    if (options.trigger === "scheduled") {
      await tx.jobLease.upsert({
        where: { name: `digest:${scope}` },
        create: { name: `digest:${scope}`, lastPeriod: options.period, lastRunAt: options.now },
        update: { lastPeriod: options.period, lastRunAt: options.now },
      });
    }
    for (const channel of channels) {
      const key = `digest:${scope}:${options.period}:${channel}`;
      const at = { now: options.now, orderingKey: key, target: channel };
      await enqueue(tx, "digest.post", { channel, report }, { ...at, dedupeKey: `${key}:post` });
      if (bars.length > 0) {
        await enqueue(
          tx,
          "digest.chart",
          {
            channel,
            title: `Lead-to-opportunity by source: ${report.title}`,
            filename: `baton-conversion-${options.teamKey ?? "all-teams"}-${options.now.toISOString().slice(0, 10)}.png`,
            bars,
          },
          { ...at, dedupeKey: `${key}:chart` },
        );
      }
    }
    return true;
  });
  return claimed ? { sent: true, channels, report } : { sent: false, channels: [] };
}
