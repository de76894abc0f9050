// Locks a claimed lead for a change only its owner or a manager of its team may make
// (Converted, Release), and says clearly why anyone else may not.
import type { LeadStatus } from "#src/db/generated/client.ts";
import { AppError } from "#src/errors.ts";
import type { Playbook } from "#src/playbook/schema.ts";
import type { Tx } from "#src/services/lead-journal.ts";

export interface OwnedLead {
  status: LeadStatus;
  number: number;
  ownerId: string | null;
  ownerSlackId: string | null;
  teamKey: string | null;
  /** The caller acts as a manager of the lead's team, not as its owner. */
  asManager: boolean;
}

export async function lockOwnedLead(
  tx: Tx,
  playbook: Playbook,
  leadId: string,
  userId: string,
  /** "mark converted", "release"... for the refusal message. */
  verb: string,
): Promise<OwnedLead> {
  const [lead] = await tx.$queryRaw<Omit<OwnedLead, "asManager">[]>`
    SELECT l."status", l."number", l."ownerId", o."slackUserId" AS "ownerSlackId", t."key" AS "teamKey"
      FROM "Lead" l LEFT JOIN "Rep" o ON o."id" = l."ownerId" LEFT JOIN "Team" t ON t."id" = l."teamId"
     WHERE l."id" = ${leadId}::uuid FOR UPDATE OF l`;
  if (!lead) throw new AppError("not_found", "This lead no longer exists.");
  const refusal = ownedLeadRefusal(lead, playbook, userId, verb);
  if (refusal) throw refusal;
  return { ...lead, asManager: lead.ownerSlackId !== userId };
}

/** Why `userId` may not change this lead as its owner or manager; undefined when they may. */
export function ownedLeadRefusal(
  lead: { status: LeadStatus; number: number; ownerSlackId: string | null; teamKey: string | null },
  playbook: Playbook,
  userId: string,
  verb: string,
): AppError | undefined {
  if (lead.status !== "CLAIMED" && lead.status !== "WORKING") {
    return new AppError(
      "conflict",
      lead.status === "OFFERED" || lead.status === "QUALIFIED"
        ? `Nobody owns L-${lead.number} yet: claim it first.`
        : `L-${lead.number} is already ${lead.status.toLowerCase()}; there is nothing to ${verb}.`,
    );
  }
  const isManager =
    playbook.teams.find((t) => t.key === lead.teamKey)?.managers.includes(userId) ?? false;
  if (lead.ownerSlackId !== userId && !isManager) {
    return new AppError(
      "forbidden",
      `Only <@${lead.ownerSlackId}>, who owns L-${lead.number}, or a manager of the team can ${verb} it.`,
    );
  }
  return undefined;
}
