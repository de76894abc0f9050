// The one way a lead's state changes, in the caller's short transaction: lock the lead, ask the
// rulebook (domain/lifecycle.ts) whether this actor may make this move now, make the change
// conditional on the status that was read, write the audit event and the facts the
// subscribers deliver (card, people, marketing, webhooks), and reschedule the SLA.
import type { Config } from "#src/config.ts";
import type { Database } from "#src/db/database.ts";
import type { ActorType, Prisma } from "#src/db/generated/client.ts";
import type { LeadFact } from "#src/domain/lead-facts.ts";
import {
  type Action,
  type Actor,
  decide,
  type LeadStatus,
  type Person,
  type Words,
} from "#src/domain/lifecycle.ts";
import { AppError } from "#src/errors.ts";
import { type FactContext, recordFacts } from "#src/outbox/subscribers.ts";
import type { Playbook } from "#src/playbook/schema.ts";
import { recordLeadEvent, type Tx } from "#src/services/lead-journal.ts";
import { scheduleSla } from "#src/sla/schedule.ts";

/** What every lifecycle use case is given. */
export interface LifecycleOptions {
  db: Database;
  playbook: Playbook;
  webhooks: Config["webhooks"];
  now: Date;
  /** How refusals name people and times on the surface that asked (Slack mentions…). */
  words?: Words;
}

/** Names people by id: for callers that show no refusal to a person. */
export const plainWords: Words = {
  person: (id) => id,
  time: (at) => at.toISOString(),
  quote: (text) => JSON.stringify(text.slice(0, 80)),
};

export interface LockedLead {
  id: string;
  number: number;
  status: LeadStatus;
  teamId: string | null;
  teamKey: string | null;
  teamName: string | null;
  ownerId: string | null;
  ownerSlackId: string | null;
  offeredToId: string | null;
  offeredToSlackId: string | null;
  claimedAt: Date | null;
  companyDomain: string | null;
  slaCycle: number;
  touchCount: number;
  firstTouchAt: Date | null;
  lastTouchAt: Date | null;
  score: number;
}

/**
 * Locks the lead for a change (FOR UPDATE), then reads it with the people and team a rule
 * looks at. Two statements on purpose: a locking read that joins other tables and waits for a
 * concurrent change gets the lead's new row but the joined rows of the old one (PostgreSQL
 * re-checks only the locked table), so a click queued behind a claim saw the lead CLAIMED
 * with no owner. The second statement sees the change committed.
 */
export async function lockLead(tx: Tx, leadId: string): Promise<LockedLead | undefined> {
  const locked = await tx.$queryRaw<{ id: string }[]>`
    SELECT "id" FROM "Lead" WHERE "id" = ${leadId}::uuid FOR UPDATE`;
  if (locked.length === 0) return undefined;
  return readLead(tx, leadId);
}

async function readLead(tx: Tx, leadId: string): Promise<LockedLead | undefined> {
  const [lead] = await tx.$queryRaw<LockedLead[]>`
    SELECT l."id", l."number", l."status", l."teamId", t."key" AS "teamKey", t."name" AS "teamName",
           l."ownerId", o."slackUserId" AS "ownerSlackId", l."offeredToId",
           f."slackUserId" AS "offeredToSlackId", l."claimedAt", l."companyDomain", l."slaCycle",
           l."touchCount", l."firstTouchAt", l."lastTouchAt", l."score"
      FROM "Lead" l
      LEFT JOIN "Team" t ON t."id" = l."teamId"
      LEFT JOIN "Rep" o ON o."id" = l."ownerId"
      LEFT JOIN "Rep" f ON f."id" = l."offeredToId"
     WHERE l."id" = ${leadId}::uuid`;
  return lead;
}

/** What the playbook says `userId` is, for the lead's team. */
export function personIn(playbook: Playbook, teamKey: string | null, userId: string): Person {
  const team = playbook.teams.find((t) => t.key === teamKey);
  return {
    id: userId,
    teamRep: team?.reps.some((r) => r.user === userId) ?? false,
    manager: team?.managers.includes(userId) ?? false,
    marketer: playbook.marketing.marketers.includes(userId),
    admin: playbook.admins.includes(userId),
  };
}

export type Mover = { userId: string } | { system: ActorType };

/**
 * Would the rulebook let `userId` make `action` on the lead as it is now? Throws the refusal
 * the person would get. For surfaces that ask before they open a form (a modal); the change
 * itself asks again, under the lead's lock.
 */
export async function assertAllowed(
  options: Pick<LifecycleOptions, "db" | "playbook" | "words"> & { leadId: string },
  action: Action,
  userId: string,
): Promise<LockedLead> {
  const lead = await readLead(options.db.prisma, options.leadId);
  if (!lead) throw new AppError("not_found", "This lead no longer exists.");
  decideOrThrow(options, lead, action, { userId });
  return lead;
}

/**
 * Locks the lead and asks the rulebook; throws the refusal as an AppError the person reads.
 * Returns the lead as it was, and the actor type its audit event records.
 */
export async function lockFor(
  tx: Tx,
  options: LifecycleOptions & { leadId: string },
  action: Action,
  mover: Mover,
): Promise<{ lead: LockedLead; actorType: ActorType; as: ActingAs }> {
  const lead = await lockLead(tx, options.leadId);
  if (!lead) throw new AppError("not_found", "This lead no longer exists.");
  const as = decideOrThrow(options, lead, action, mover);
  const actorType: ActorType = "system" in mover ? mover.system : ACTOR_TYPE[as];
  return { lead, actorType, as };
}

function decideOrThrow(
  options: Pick<LifecycleOptions, "playbook" | "words">,
  lead: LockedLead,
  action: Action,
  mover: Mover,
): ActingAs {
  const actor: Actor =
    "userId" in mover
      ? { kind: "person", person: personIn(options.playbook, lead.teamKey, mover.userId) }
      : { kind: "system" };
  const decision = decide(
    action,
    {
      number: lead.number,
      status: lead.status,
      ownerId: lead.ownerSlackId,
      offeredToId: lead.offeredToSlackId,
      claimedAt: lead.claimedAt,
      teamName: lead.teamName,
    },
    actor,
    options.words ?? plainWords,
  );
  if (!decision.allowed) throw new AppError(decision.code, decision.text);
  return decision.as === "system" ? "owner" : decision.as;
}

/** How a person acted on a lead, for facts and the audit trail. */
export type ActingAs = "rep" | "owner" | "manager" | "marketer" | "admin";

const ACTOR_TYPE = {
  owner: "REP",
  rep: "REP",
  manager: "MANAGER",
  marketer: "MARKETER",
  admin: "MARKETER",
} as const satisfies Record<string, ActorType>;

export interface Change {
  /** The new status and the columns that go with it. */
  to: LeadStatus;
  set?: Omit<Prisma.LeadUncheckedUpdateManyInput, "status" | "version" | "updatedAt">;
  event: {
    type: string;
    actorType: ActorType;
    actorId?: string;
    reason?: string;
    data?: Prisma.InputJsonValue;
  };
  facts: LeadFact[];
}

/**
 * Writes a change decided on a locked lead: the conditional update, the audit event, the facts
 * for their subscribers, and the lead's next SLA step.
 */
export async function applyChange(
  tx: Tx,
  options: LifecycleOptions,
  lead: LockedLead,
  change: Change,
): Promise<void> {
  const { now } = options;
  const { count } = await tx.lead.updateMany({
    where: { id: lead.id, status: lead.status },
    data: { ...change.set, status: change.to, version: { increment: 1 }, updatedAt: now },
  });
  if (count !== 1) {
    throw new AppError("conflict", "This lead changed meanwhile; try again.", {
      message: `lead ${lead.id} was not ${lead.status} any more`,
    });
  }
  await recordLeadEvent(tx, {
    leadId: lead.id,
    type: change.event.type,
    actor: { type: change.event.actorType, id: change.event.actorId },
    fromStatus: lead.status,
    toStatus: change.to,
    reason: change.event.reason,
    data: change.event.data,
    at: now,
  });
  await recordFacts(tx, factContext(options), ...change.facts);
  await scheduleSla(tx, options.playbook, lead.id);
}

export function factContext(options: LifecycleOptions): FactContext {
  return { playbook: options.playbook, webhooks: options.webhooks, now: options.now };
}

/** The fields every fact about this lead carries. */
export function factBase(lead: { id: string; number: number; teamKey: string | null }, now: Date) {
  return { leadId: lead.id, number: lead.number, teamKey: lead.teamKey, at: now.toISOString() };
}
