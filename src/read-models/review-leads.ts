// `/leads review` data: the open leads of a team or a rep as the review shows them, and the
// pages posted to a channel, kept so a lead changed during the meeting updates its page.
import type { Database } from "#src/db/database.ts";
import type { Prisma } from "#src/db/generated/client.ts";
import type { LeadStatus } from "#src/db/generated/enums.ts";
import { leadName } from "#src/read-models/lead-label.ts";

const OPEN = ["QUALIFIED", "OFFERED", "CLAIMED", "WORKING"] as const;

export interface ReviewLead {
  id: string;
  number: number;
  name: string;
  company: string | null;
  status: LeadStatus;
  ownerSlackId: string | null;
  offeredToSlackId: string | null;
  /** When the lead reached sales (offered or qualified). */
  since: Date | null;
  lastTouchAt: Date | null;
  touchCount: number;
  slaStage: string | null;
  slaDueAt: Date | null;
}

export type ReviewScope = { kind: "team"; key: string } | { kind: "rep"; slackUserId: string };

export async function loadReviewLeads(db: Database, scope: ReviewScope): Promise<ReviewLead[]> {
  const where: Prisma.LeadWhereInput =
    scope.kind === "team"
      ? { status: { in: [...OPEN] }, team: { key: scope.key } }
      : {
          status: { in: [...OPEN] },
          OR: [
            { owner: { slackUserId: scope.slackUserId } },
            { offeredTo: { slackUserId: scope.slackUserId }, status: "OFFERED" },
          ],
        };
  return loadLeads(db, where, 2_000);
}

/** The leads of one page as they are now (closed ones included: the page shows what became of them). */
export async function loadLeadsById(db: Database, ids: string[]): Promise<Map<string, ReviewLead>> {
  const leads = await loadLeads(db, { id: { in: ids } }, ids.length);
  return new Map(leads.map((l) => [l.id, l]));
}

async function loadLeads(db: Database, where: Prisma.LeadWhereInput, take: number) {
  const rows = await db.prisma.lead.findMany({
    where,
    take,
    orderBy: { number: "asc" },
    select: {
      id: true,
      number: true,
      firstName: true,
      lastName: true,
      email: true,
      company: true,
      status: true,
      offeredAt: true,
      qualifiedAt: true,
      lastTouchAt: true,
      touchCount: true,
      slaStage: true,
      slaDueAt: true,
      owner: { select: { slackUserId: true } },
      offeredTo: { select: { slackUserId: true } },
    },
  });
  return rows.map(
    (r): ReviewLead => ({
      id: r.id,
      number: r.number,
      name: leadName({
        name: [r.firstName, r.lastName].filter(Boolean).join(" ") || null,
        email: r.email,
      }),
      company: r.company,
      status: r.status,
      ownerSlackId: r.owner?.slackUserId ?? null,
      offeredToSlackId: r.offeredTo?.slackUserId ?? null,
      since: r.offeredAt ?? r.qualifiedAt,
      lastTouchAt: r.lastTouchAt,
      touchCount: r.touchCount,
      slaStage: r.slaStage,
      slaDueAt: r.slaDueAt,
    }),
  );
}

/** One posted page of a review: its groups of leads, a group continued from the page before. */
export interface ReviewPageLayout {
  groups: { key: string; continued: boolean; leads: ReviewLead[] }[];
}

/** What a page stores: its groups by lead id. */
export function storedLayout(layout: ReviewPageLayout) {
  return layout.groups.map((g) => ({
    key: g.key,
    continued: g.continued,
    leadIds: g.leads.map((l) => l.id),
  }));
}

/** Rebuilds a stored page's layout with the leads as they are now. */
export function currentLayout(
  stored: { key: string; continued: boolean; leadIds: string[] }[],
  leads: Map<string, ReviewLead>,
): ReviewPageLayout {
  return {
    groups: stored.map((g) => ({
      key: g.key,
      continued: g.continued,
      leads: g.leadIds.map((id) => leads.get(id)).filter((l): l is ReviewLead => !!l),
    })),
  };
}
