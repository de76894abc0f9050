// Gathers one digest's numbers: the week's summary and dispositions, and conversion by source
// and campaign over the leads received in the last 90 days (a week is too short for leads to
// convert, so conversion looks further back).
import type { Deps } from "#src/context.ts";
import { DIGEST_WINDOW_MS } from "#src/domain/digest-schedule.ts";
import { AppError } from "#src/errors.ts";
import {
  type BreakdownRow,
  breakdown,
  type DigestSummary,
  digestSummary,
  dispositionCounts,
} from "#src/read-models/lead-metrics.ts";

export const CONVERSION_WINDOW_MS = 90 * 24 * 60 * 60 * 1000;

export interface DigestReport {
  /** The team's name, or "All teams" for the marketing digest. */
  title: string;
  teamKey?: string;
  from: Date;
  to: Date;
  timezone: string;
  summary: DigestSummary;
  dispositions: { kind: "disqualified" | "nurtured"; reason: string; count: number }[];
  conversionFrom: Date;
  bySource: BreakdownRow[];
  byCampaign: BreakdownRow[];
}

export async function buildDigestReport(
  deps: Pick<Deps, "db" | "playbook">,
  options: { teamKey?: string; to: Date },
): Promise<DigestReport> {
  const playbook = deps.playbook.current;
  const team = options.teamKey ? playbook.teams.find((t) => t.key === options.teamKey) : undefined;
  if (options.teamKey && !team) {
    throw new AppError("not_found", `There is no team "${options.teamKey}" in the playbook.`);
  }
  let teamId: string | undefined;
  if (team) {
    const row = await deps.db.prisma.team.findUnique({
      where: { key: team.key },
      select: { id: true },
    });
    if (!row) throw new AppError("not_found", `Team "${team.key}" is not in the database yet.`);
    teamId = row.id;
  }
  const to = options.to;
  const from = new Date(to.getTime() - DIGEST_WINDOW_MS);
  const conversionFrom = new Date(to.getTime() - CONVERSION_WINDOW_MS);
  const week = { from, to, teamId };
  const quarter = { from: conversionFrom, to, teamId };
  const summary = await digestSummary(deps.db, week);
  const dispositions = await dispositionCounts(deps.db, week);
  const bySource = await breakdown(deps.db, quarter, "source", 50);
  const byCampaign = await breakdown(deps.db, quarter, "campaign", 50);
  const labels = new Map<string, string>();
  for (const r of playbook.reasons.disqualify) labels.set(`disqualified:${r.key}`, r.label);
  for (const r of playbook.reasons.nurture) labels.set(`nurtured:${r.key}`, r.label);
  return {
    title: team?.name ?? "All teams",
    teamKey: team?.key,
    from,
    to,
    timezone:
      team?.digest?.timezone ?? team?.timezone ?? playbook.digest.timezone ?? playbook.timezone,
    summary,
    dispositions: dispositions.map((d) => ({
      kind: d.kind,
      reason: labels.get(`${d.kind}:${d.reasonKey}`) ?? d.reasonKey,
      count: d.count,
    })),
    conversionFrom,
    bySource,
    byCampaign,
  };
}
