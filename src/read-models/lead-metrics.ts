// The numbers behind digests and `/leads stats`, computed by PostgreSQL (FILTER, GROUP BY,
// percentile_cont), never by looping over leads in JavaScript.
//
// Two kinds of count:
// - a cohort: the leads handed to sales (qualified) in the window, and what has happened to
//   them since (accepted, worked, converted, disqualified). Conversion rates and time to claim
//   come from the cohort, so they compare like with like.
// - events in the window from the audit trail: SLA notices, ghost alerts, reassignments,
//   dispositions with their reasons, touches logged.
// Time to claim is wall-clock time from qualification to claim (business hours would need
// each team's calendar per row, which SQL cannot do cheaply).
import type { Database } from "#src/db/database.ts";

export interface MetricsWindow {
  from: Date;
  to: Date;
  /** Only this team's leads (Lead.teamId); every team when absent. */
  teamId?: string;
}

export interface DigestSummary {
  received: number;
  accepted: number;
  worked: number;
  converted: number;
  disqualified: number;
  nurtured: number;
  /** Seconds from qualification to claim, over the cohort's claimed leads; null if none. */
  medianClaimSeconds: number | null;
  p90ClaimSeconds: number | null;
  slaBreaches: number;
  ghostAlerts: number;
  reassigned: number;
  touches: number;
  leadsTouched: number;
}

export interface DispositionCount {
  kind: "disqualified" | "nurtured";
  reasonKey: string;
  count: number;
}

export const DIMENSIONS = ["source", "campaign", "rep", "team"] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export interface BreakdownRow {
  /** The source, campaign, rep's Slack id or team name; null for none. */
  key: string | null;
  received: number;
  accepted: number;
  converted: number;
  disqualified: number;
  medianClaimSeconds: number | null;
}

function cohortFilter(window: MetricsWindow, alias: string, params: unknown[]): string {
  params.push(window.from.toISOString(), window.to.toISOString());
  let sql = `${alias}."qualifiedAt" >= $${params.length - 1}::timestamp(3) AND ${alias}."qualifiedAt" < $${params.length}::timestamp(3)`;
  if (window.teamId) {
    params.push(window.teamId);
    sql += ` AND ${alias}."teamId" = $${params.length}::uuid`;
  }
  return sql;
}

const CLAIM_SECONDS = `EXTRACT(EPOCH FROM (l."claimedAt" - l."qualifiedAt"))`;
const CLAIMED = `l."claimedAt" IS NOT NULL AND l."claimedAt" >= l."qualifiedAt"`;

export async function digestSummary(db: Database, window: MetricsWindow): Promise<DigestSummary> {
  const cohortParams: unknown[] = [];
  const cohortWhere = cohortFilter(window, "l", cohortParams);
  const eventParams: unknown[] = [window.from.toISOString(), window.to.toISOString()];
  const inWindow = (alias: string) =>
    `${alias}."createdAt" >= $1::timestamp(3) AND ${alias}."createdAt" < $2::timestamp(3)`;
  let teamJoin = "";
  if (window.teamId) {
    eventParams.push(window.teamId);
    teamJoin = `JOIN "Lead" l ON l."id" = x."leadId" AND l."teamId" = $3::uuid`;
  }
  return db.withSession(async (session) => {
    const [cohort] = await session.query<Record<string, number | null>>(
      `SELECT count(*)::int AS "received",
              count(*) FILTER (WHERE l."claimedAt" IS NOT NULL)::int AS "accepted",
              count(*) FILTER (WHERE l."firstTouchAt" IS NOT NULL)::int AS "worked",
              count(*) FILTER (WHERE l."convertedAt" IS NOT NULL)::int AS "converted",
              count(*) FILTER (WHERE l."status" = 'DISQUALIFIED')::int AS "disqualified",
              count(*) FILTER (WHERE l."status" = 'NURTURE')::int AS "nurtured",
              round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ${CLAIM_SECONDS}) FILTER (WHERE ${CLAIMED}))::float8 AS "medianClaimSeconds",
              round(percentile_cont(0.9) WITHIN GROUP (ORDER BY ${CLAIM_SECONDS}) FILTER (WHERE ${CLAIMED}))::float8 AS "p90ClaimSeconds"
         FROM "Lead" l WHERE ${cohortWhere}`,
      cohortParams,
    );
    const [events] = await session.query<Record<string, number>>(
      `SELECT
         (SELECT count(*) FROM "SlaNotice" x ${teamJoin} WHERE ${inWindow("x")})::int AS "slaBreaches",
         (SELECT count(*) FROM "SlaNotice" x ${teamJoin}
           WHERE ${inWindow("x")}
             AND (x."stage" LIKE '%.escalate' OR x."stage" LIKE 'working.escalate.%'
                  OR x."stage" LIKE 'offered.realert.%'))::int AS "ghostAlerts",
         (SELECT count(*) FROM "LeadEvent" x ${teamJoin}
           WHERE x."type" = 'reassigned' AND ${inWindow("x")})::int AS "reassigned",
         t."touches", t."leadsTouched"
         FROM (SELECT count(*)::int AS "touches", count(DISTINCT x."leadId")::int AS "leadsTouched"
                 FROM "LeadEvent" x ${teamJoin}
                WHERE x."type" = 'touch_logged' AND ${inWindow("x")}) t`,
      eventParams,
    );
    return { ...cohort, ...events } as unknown as DigestSummary;
  });
}

/** Dispositions reps and managers made in the window, by reason, most frequent first. */
export async function dispositionCounts(
  db: Database,
  window: MetricsWindow,
): Promise<DispositionCount[]> {
  const params: unknown[] = [window.from.toISOString(), window.to.toISOString()];
  let teamJoin = "";
  if (window.teamId) {
    params.push(window.teamId);
    teamJoin = `JOIN "Lead" l ON l."id" = e."leadId" AND l."teamId" = $3::uuid`;
  }
  return db.withSession((session) =>
    session.query<DispositionCount>(
      `SELECT e."type" AS "kind", COALESCE(e."data"->>'reasonKey', e."reason", 'other') AS "reasonKey",
              count(*)::int AS "count"
         FROM "LeadEvent" e ${teamJoin}
        WHERE e."type" IN ('disqualified', 'nurtured') AND e."actorType" IN ('REP', 'MANAGER')
          AND e."createdAt" >= $1::timestamp(3) AND e."createdAt" < $2::timestamp(3)
        GROUP BY 1, 2
        ORDER BY 3 DESC, 1, 2`,
      params,
    ),
  );
}

const DIMENSION_SQL: Record<Dimension, { key: string; join: string }> = {
  source: { key: `l."source"`, join: "" },
  campaign: { key: `l."campaign"`, join: "" },
  rep: { key: `r."slackUserId"`, join: `LEFT JOIN "Rep" r ON r."id" = l."ownerId"` },
  team: { key: `t."name"`, join: `LEFT JOIN "Team" t ON t."id" = l."teamId"` },
};

/** The cohort by source, campaign, owner or team: biggest first, at most `limit` rows. */
export async function breakdown(
  db: Database,
  window: MetricsWindow,
  by: Dimension,
  limit = 50,
): Promise<BreakdownRow[]> {
  const params: unknown[] = [];
  const where = cohortFilter(window, "l", params);
  params.push(limit);
  const { key, join } = DIMENSION_SQL[by];
  return db.withSession((session) =>
    session.query<BreakdownRow>(
      `SELECT ${key} AS "key",
              count(*)::int AS "received",
              count(*) FILTER (WHERE l."claimedAt" IS NOT NULL)::int AS "accepted",
              count(*) FILTER (WHERE l."convertedAt" IS NOT NULL)::int AS "converted",
              count(*) FILTER (WHERE l."status" = 'DISQUALIFIED')::int AS "disqualified",
              round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ${CLAIM_SECONDS}) FILTER (WHERE ${CLAIMED}))::float8 AS "medianClaimSeconds"
         FROM "Lead" l ${join}
        WHERE ${where}
        GROUP BY 1
        ORDER BY 2 DESC, 1 NULLS LAST
        LIMIT $${params.length}`,
      params,
    ),
  );
}
