// The lead as a marketing feed line names it, read when the line is delivered: its number and
// name, and the source and campaign marketing wants to hear about.
import type { Database } from "#src/db/database.ts";

export interface FeedLead {
  number: number;
  name: string | null;
  email: string;
  company: string | null;
  source: string | null;
  campaign: string | null;
}

export async function loadFeedLead(db: Database, leadId: string): Promise<FeedLead | null> {
  const lead = await db.prisma.lead.findUnique({
    where: { id: leadId },
    select: {
      number: true,
      firstName: true,
      lastName: true,
      email: true,
      company: true,
      source: true,
      campaign: true,
    },
  });
  if (!lead) return null;
  return { ...lead, name: [lead.firstName, lead.lastName].filter(Boolean).join(" ") || null };
}
