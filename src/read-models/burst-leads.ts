// What a burst summary lists: the leads that arrived together for one channel, as they are when
// the summary is drawn or redrawn.
import type { Database } from "#src/db/database.ts";
import type { LeadStatus } from "#src/db/generated/enums.ts";
import { type LeadTrigger, parseTrigger } from "#src/read-models/lead-card.ts";
import { leadName } from "#src/read-models/lead-label.ts";

export interface BurstLead {
  id: string;
  number: number;
  name: string;
  title: string | null;
  company: string | null;
  companySize: number | null;
  score: number;
  trigger: LeadTrigger | null;
  source: string | null;
  campaign: string | null;
  status: LeadStatus;
  ownerSlackId: string | null;
}

/** The leads of a burst summary as they are now, in the order given. */
export async function loadBurstLeads(db: Database, ids: string[]): Promise<BurstLead[]> {
  const rows = await db.prisma.lead.findMany({
    where: { id: { in: ids } },
    select: {
      id: true,
      number: true,
      firstName: true,
      lastName: true,
      email: true,
      title: true,
      company: true,
      companySize: true,
      score: true,
      trigger: true,
      source: true,
      campaign: true,
      status: true,
      owner: { select: { slackUserId: true } },
    },
  });
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id): BurstLead[] => {
    const r = byId.get(id);
    if (!r) return [];
    return [
      {
        id: r.id,
        number: r.number,
        name: leadName({
          name: [r.firstName, r.lastName].filter(Boolean).join(" ") || null,
          email: r.email,
        }),
        title: r.title,
        company: r.company,
        companySize: r.companySize,
        score: r.score,
        trigger: parseTrigger(r.trigger),
        source: r.source,
        campaign: r.campaign,
        status: r.status,
        ownerSlackId: r.owner?.slackUserId ?? null,
      },
    ];
  });
}
