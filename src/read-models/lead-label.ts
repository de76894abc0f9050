// How a message names a lead, read when the message is delivered: its number, name, company,
// team, and the channel its card lives in.
import type { Database } from "#src/db/database.ts";

export interface LeadLabel {
  id: string;
  number: number;
  /** The person's name, else the local part of their email (never the whole address). */
  name: string;
  company: string | null;
  teamName: string;
  /** The team's channel in the playbook's sync (null for a team without one). */
  teamChannel: string | null;
  /** The channel of the lead's card (or its team's channel when it has no card yet). */
  channelId: string | null;
  touchCount: number;
}

export async function loadLeadLabel(db: Database, leadId: string): Promise<LeadLabel | null> {
  const [row] = await db.prisma.$queryRaw<
    {
      id: string;
      number: number;
      firstName: string | null;
      lastName: string | null;
      email: string;
      company: string | null;
      touchCount: number;
      teamName: string | null;
      teamChannel: string | null;
      cardChannel: string | null;
    }[]
  >`SELECT l."id", l."number", l."firstName", l."lastName", l."email", l."company", l."touchCount",
           t."name" AS "teamName", t."channelId" AS "teamChannel",
           (SELECT m."channelId" FROM "SlackMessage" m WHERE m."leadId" = l."id" AND m."kind" = 'card'
             ORDER BY m."createdAt" DESC LIMIT 1) AS "cardChannel"
      FROM "Lead" l LEFT JOIN "Team" t ON t."id" = l."teamId"
     WHERE l."id" = ${leadId}::uuid`;
  if (!row) return null;
  return {
    id: row.id,
    number: row.number,
    name: leadName({
      name: [row.firstName, row.lastName].filter(Boolean).join(" ") || null,
      email: row.email,
    }),
    company: row.company,
    teamName: row.teamName ?? "the team",
    teamChannel: row.teamChannel,
    channelId: row.cardChannel ?? row.teamChannel,
    touchCount: row.touchCount,
  };
}

/** The lead's display name: name, else the email's local part (never the whole address). */
export function leadName(view: { name: string | null; email: string }): string {
  return view.name?.trim() || view.email.split("@")[0] || "Lead";
}

/** The label as it was when the fact happened: the team named is the fact's team. */
export function labelAtFact(
  label: LeadLabel,
  fact: { teamKey: string | null },
  teams: { key: string; name: string }[],
): LeadLabel {
  const team = teams.find((t) => t.key === fact.teamKey);
  return team ? { ...label, teamName: team.name } : label;
}
