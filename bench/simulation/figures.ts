// The quarter's figures, computed the same way for both worlds, when they are read (the close
// of the first business day after the quarter's last arrivals):
//   decided   an outcome is recorded (converted, disqualified, or back to nurture with a
//             reason), or the lead is in active hands: its owner touched it in the last 14
//             days, or claimed it themselves in the last 14 days;
//   ghost     owned (claimed or assigned), not closed, and neither touched nor taken on in the
//             last 14 days;
//   waiting   the rest: in the pool unclaimed, offered to one rep, or owned for under 14 days
//             without a touch (for instance handed over by a manager on the last day).
// Time to claim: from the lead's hand-off to the first time a rep owns it (claims or accepts
// it, or a manager assigns it; without Baton: the assigned rep first opens it), in business
// minutes of the lead's team; a lead nobody ever claimed counts as never.

import { percentile } from "#bench/report.ts";
import type { BaselineLead } from "#bench/simulation/baseline.ts";
import { businessMinutes, type Calendar, teamCalendar } from "#bench/simulation/model.ts";
import type { Database } from "#src/db/database.ts";
import type { Playbook } from "#src/playbook/schema.ts";

const DAY = 24 * 3_600_000;
const GHOST_AFTER = 14 * DAY;

export interface Figures {
  leads: number;
  converted: number;
  disqualified: number;
  nurtured: number;
  /** In active hands: touched, or claimed by its owner, in the last 14 days. */
  worked: number;
  ghosts: number;
  waiting: number;
  /** Business minutes to the first claim, per lead (Infinity: never claimed). */
  claimMinutes: number[];
  touches: number;
}

export const decided = (f: Figures) => f.converted + f.disqualified + f.nurtured + f.worked;

export function timeToClaim(f: Figures): { median: number; p90: number; never: number } {
  const sorted = [...f.claimMinutes].sort((a, b) => a - b);
  return {
    median: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    never: sorted.filter((m) => !Number.isFinite(m)).length,
  };
}

interface LeadRow {
  status: string;
  team: string | null;
  claimedAt: Date | null;
  lastTouchAt: Date | null;
  offeredAt: Date | null;
  firstClaimAt: Date | null;
  ownClaimAt: Date | null;
  touches: number;
}

/** Baton's figures, read from its database: leads, their audit trail and touches. */
export async function batonFigures(
  db: Database,
  playbook: Playbook,
  end: number,
): Promise<Figures> {
  const rows = await db.prisma.$queryRaw<LeadRow[]>`
    SELECT l."status"::text AS "status", t."key" AS "team", l."claimedAt", l."lastTouchAt",
           f."offeredAt", f."firstClaimAt", f."touches"::int AS "touches",
           (SELECT max(e."createdAt") FROM "LeadEvent" e
             WHERE e."leadId" = l."id" AND e."type" = 'claimed' AND e."actorId" = o."slackUserId")
             AS "ownClaimAt"
      FROM "Lead" l
      LEFT JOIN "Team" t ON t."id" = l."teamId"
      LEFT JOIN "Rep" o ON o."id" = l."ownerId"
      LEFT JOIN LATERAL (
        SELECT min(e."createdAt") FILTER (WHERE e."type" = 'offered') AS "offeredAt",
               min(e."createdAt") FILTER (WHERE e."type" = 'claimed'
                 OR (e."type" = 'reassigned' AND e."toStatus" = 'CLAIMED')) AS "firstClaimAt",
               count(*) FILTER (WHERE e."type" = 'touch_logged') AS "touches"
          FROM "LeadEvent" e WHERE e."leadId" = l."id") f ON true`;
  const calendars = new Map<string, Calendar>();
  const calendar = (team: string | null) => {
    const key = team ?? playbook.routing.default;
    if (!calendars.has(key)) calendars.set(key, teamCalendar(playbook, key));
    return calendars.get(key)!;
  };
  const figures = empty(rows.length);
  const since = end - GHOST_AFTER;
  for (const row of rows) {
    figures.touches += row.touches;
    figures.claimMinutes.push(
      row.offeredAt && row.firstClaimAt
        ? businessMinutes(calendar(row.team), row.offeredAt.getTime(), row.firstClaimAt.getTime())
        : Number.POSITIVE_INFINITY,
    );
    const owned = row.status === "CLAIMED" || row.status === "WORKING";
    classify(figures, {
      status: row.status,
      owned,
      lastTouch: row.lastTouchAt?.getTime(),
      ownClaim: row.ownClaimAt?.getTime(),
      ownedSince: row.claimedAt?.getTime(),
      since,
    });
  }
  return figures;
}

/** The baseline's figures, from its model's final state. */
export function baselineFigures(
  results: BaselineLead[],
  calendars: Map<string, Calendar>,
  end: number,
): Figures {
  const figures = empty(results.length);
  const since = end - GHOST_AFTER;
  for (const lead of results) {
    figures.touches += lead.touches;
    figures.claimMinutes.push(
      lead.claimedAt === undefined
        ? Number.POSITIVE_INFINITY
        : businessMinutes(calendars.get(lead.lead.team)!, lead.assignedAt, lead.claimedAt),
    );
    classify(figures, {
      status: lead.decision
        ? { convert: "CONVERTED", disqualify: "DISQUALIFIED", nurture: "NURTURE" }[
            lead.decision.kind
          ]
        : "OWNED",
      owned: true,
      lastTouch: lead.lastTouchAt,
      ownClaim: lead.claimedAt,
      ownedSince: lead.assignedAt,
      since,
    });
  }
  return figures;
}

function classify(
  figures: Figures,
  lead: {
    status: string;
    owned: boolean;
    lastTouch?: number;
    ownClaim?: number;
    ownedSince?: number;
    since: number;
  },
) {
  const { since } = lead;
  if (lead.status === "CONVERTED") figures.converted += 1;
  else if (lead.status === "DISQUALIFIED") figures.disqualified += 1;
  else if (lead.status === "NURTURE") figures.nurtured += 1;
  else if (lead.owned && ((lead.lastTouch ?? 0) >= since || (lead.ownClaim ?? 0) >= since))
    figures.worked += 1;
  else if (lead.owned && Math.max(lead.lastTouch ?? 0, lead.ownedSince ?? 0) < since)
    figures.ghosts += 1;
  else figures.waiting += 1;
}

function empty(leads: number): Figures {
  return {
    leads,
    converted: 0,
    disqualified: 0,
    nurtured: 0,
    worked: 0,
    ghosts: 0,
    waiting: 0,
    claimMinutes: [],
    touches: 0,
  };
}
