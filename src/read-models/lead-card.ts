// What a lead's card shows, read when the card is delivered (never when it is queued, so a
// queued card cannot show a stale state): the lead, its score and trigger parsed from their
// stored JSON, who owns it or has it offered, its last 90 days of activity and its AI brief.
// The card (src/slack/blocks/lead-card.ts) and the AI brief (src/ai/brief.ts) both read it.
import type { Database } from "#src/db/database.ts";
import type { LeadStatus } from "#src/db/generated/enums.ts";
import { describeOpportunity } from "#src/domain/opportunity.ts";
import type { ScoreLine } from "#src/domain/scoring.ts";
import { bookingUrlOf, type Playbook } from "#src/playbook/schema.ts";
import { type LeadActivityView, TIMELINE_WINDOW } from "#src/read-models/lead-activity.ts";
import { type Brief, parseStoredBrief } from "#src/read-models/lead-brief.ts";

/** Why the lead was handed to sales now (`Lead.trigger`, written at qualification). */
export type LeadTrigger =
  | { kind: "hand_raise"; activityType: string; score: number }
  | { kind: "score"; score: number; threshold: number; top: string[] };

/** What the card shows; field names follow the `Lead` model so a row maps over directly. */
export interface LeadCardView {
  id: string;
  /** L-number: "L-1042". */
  number: number;
  email: string;
  firstName?: string | null;
  lastName?: string | null;
  title?: string | null;
  company?: string | null;
  companySize?: number | null;
  industry?: string | null;
  city?: string | null;
  region?: string | null;
  country?: string | null;
  linkedinUrl?: string | null;
  website?: string | null;
  source?: string | null;
  campaign?: string | null;
  status: LeadStatus;
  score: number;
  fitScore?: number;
  behaviorScore?: number;
  scoreBreakdown?: ScoreLine[];
  trigger?: LeadTrigger | null;
  qualifiedAt?: Date | null;
  /** The team's mode; an offer to one rep (offeredToSlackId) always reads as an offer. */
  teamMode: "claim" | "assign";
  ownerSlackId?: string | null;
  offeredToSlackId?: string | null;
  claimedAt?: Date | null;
  touchCount?: number;
  lastTouchAt?: Date | null;
  /** Why it was disqualified or sent back to nurture. */
  dispositionReason?: string | null;
  /** Converted leads: "opportunity 006Qx01 · amount 12,500.00". */
  opportunity?: string | null;
  /** The last 90 days, in any order; older ones are ignored. */
  activities: LeadActivityView[];
  /** The booking link of the rep the lead is with (owner, else offered to), from the playbook. */
  bookingUrl?: string;
  /** Routing's explanation of the last offer: why this rep (or this team) got it. */
  routingWhy?: { rep: string | null; text: string } | null;
}

/** A lead as its card needs it, with its team (whose time zone the card uses) and AI brief. */
export interface LeadCardRead {
  card: LeadCardView;
  teamKey?: string;
  aiBrief?: Brief;
}

/**
 * The card's view; with the playbook, the rep's booking link is filled in (the card and the AI
 * brief offer it in the suggested opener).
 */
export async function loadCardView(
  db: Database,
  leadId: string,
  now: Date,
  playbook?: Playbook,
): Promise<LeadCardRead> {
  const lead = await db.prisma.lead.findUniqueOrThrow({
    where: { id: leadId },
    include: {
      owner: { select: { slackUserId: true } },
      offeredTo: { select: { slackUserId: true } },
      team: { select: { key: true, mode: true } },
      activities: {
        where: { occurredAt: { gte: new Date(now.getTime() - TIMELINE_WINDOW) } },
        orderBy: { occurredAt: "desc" },
        take: 500,
      },
    },
  });
  const offered = await db.prisma.leadEvent.findFirst({
    where: { leadId, type: "offered" },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    select: { data: true },
  });
  return {
    teamKey: lead.team?.key,
    aiBrief: parseStoredBrief(lead.aiBrief),
    card: {
      ...lead,
      scoreBreakdown: parseScoreBreakdown(lead.scoreBreakdown),
      trigger: parseTrigger(lead.trigger),
      teamMode: lead.team?.mode === "ASSIGN" ? "assign" : "claim",
      ownerSlackId: lead.owner?.slackUserId,
      offeredToSlackId: lead.offeredTo?.slackUserId,
      opportunity: describeOpportunity({
        amount: lead.opportunityAmount?.toString(),
        opportunityId: lead.opportunityId ?? undefined,
      }),
      activities: lead.activities,
      routingWhy: parseRoutingWhy(offered?.data),
      bookingUrl: playbook
        ? bookingUrlOf(
            playbook,
            lead.owner?.slackUserId ?? lead.offeredTo?.slackUserId,
            lead.team?.key,
          )
        : undefined,
    },
  };
}

/** The "why" routing wrote into the last `offered` event, when it wrote one. */
function parseRoutingWhy(data: unknown): LeadCardView["routingWhy"] {
  const d = data as { rep?: unknown; routing?: { why?: unknown; teamReason?: unknown } } | null;
  const rep = typeof d?.rep === "string" ? d.rep : null;
  const text = rep ? d?.routing?.why : d?.routing?.teamReason;
  return typeof text === "string" ? { rep, text } : null;
}

/** `Lead.trigger` (JSON) as a trigger, or null when it is absent or not one we know. */
export function parseTrigger(json: unknown): LeadTrigger | null {
  if (!json || typeof json !== "object") return null;
  const t = json as Record<string, unknown>;
  if (t.kind === "hand_raise" && typeof t.activityType === "string") {
    return { kind: "hand_raise", activityType: t.activityType, score: Number(t.score) || 0 };
  }
  if (t.kind === "score" && typeof t.score === "number" && typeof t.threshold === "number") {
    const top = Array.isArray(t.top) ? t.top.filter((l) => typeof l === "string") : [];
    return { kind: "score", score: t.score, threshold: t.threshold, top };
  }
  return null;
}

/** `Lead.scoreBreakdown` (JSON) as score lines; malformed entries are left out. */
export function parseScoreBreakdown(json: unknown): ScoreLine[] {
  if (!Array.isArray(json)) return [];
  return json.flatMap((line): ScoreLine[] => {
    if (!line || typeof line !== "object") return [];
    const { kind, label, points, count } = line as Record<string, unknown>;
    if ((kind !== "fit" && kind !== "behavior") || typeof label !== "string") return [];
    if (typeof points !== "number") return [];
    return [{ kind, label, points, ...(typeof count === "number" ? { count } : {}) }];
  });
}
