// People change: a rep goes away (or comes back), or leaves (deactivated in Slack, removed from
// the playbook). Round robin already skips away and deactivated reps; here their open offers
// move on at once, and a rep who left loses every open lead to the pool, with the managers told
// which leads went where.
import type { PeopleFact } from "#src/domain/lead-facts.ts";
import { statusSaysAway } from "#src/domain/routing.ts";
import { AppError } from "#src/errors.ts";
import { recordPeopleFact } from "#src/outbox/subscribers.ts";
import { type PoolResult, returnToPool } from "#src/services/hand-off-lead.ts";
import type { Tx } from "#src/services/lead-journal.ts";
import {
  applyChange,
  factBase,
  factContext,
  type LifecycleOptions,
  lockFor,
} from "#src/services/lead-transition.ts";
import { endOffer } from "#src/services/pass-lead.ts";

type PeopleOptions = LifecycleOptions;

export interface AwayResult {
  /** L-numbers of offers that moved on to someone else. */
  movedOffers: number[];
  /** Leads the rep still owns; their SLAs reach the manager while the rep is away. */
  ownedOpen: number;
}

/** `until` undefined: away until they say otherwise; null: back. */
export async function setAway(
  options: PeopleOptions & { userId: string; until: Date | null | undefined },
): Promise<AwayResult> {
  const { db, userId, until, now } = options;
  if (until && until <= now) throw new AppError("bad_request", "Pick a date in the future.");
  return db.prisma.$transaction(
    async (tx) => {
      const rep = await tx.rep.findUnique({ where: { slackUserId: userId } });
      if (!rep || rep.deactivatedAt) {
        throw new AppError("forbidden", "You are not an active rep in Baton's playbook.");
      }
      const back = until === null;
      const wasAway = rep.paused || (rep.awayUntil !== null && rep.awayUntil > now);
      await tx.rep.update({
        where: { id: rep.id },
        data: back
          ? // Back wins over a Slack status that still says "out", until the status changes.
            { paused: false, awayUntil: null, awaySince: null, statusAway: false }
          : {
              paused: until === undefined,
              awayUntil: until ?? null,
              awaySince: wasAway ? (rep.awaySince ?? now) : now,
            },
      });
      if (back) return { movedOffers: [], ownedOpen: 0 };
      const movedOffers = await withdrawOffers(tx, options, rep.id, "the rep is away");
      const ownedOpen = await tx.lead.count({
        where: { ownerId: rep.id, status: { in: ["CLAIMED", "WORKING"] } },
      });
      return { movedOffers, ownedOpen };
    },
    { timeout: 60_000 },
  );
}

/** What Baton reads of a Slack profile (users.info, `user_change`, `user_status_changed`). */
export interface SlackProfile {
  userId: string;
  /** IANA zone (`tz`). */
  tz?: string | null;
  /** Absent when the event carries no profile: the status is left as it is. */
  status?: { emoji?: string | null; text?: string | null; expiration?: number | null };
}

export interface ProfileResult {
  /** Their status now says they are out (true), no longer does (false), or no change. */
  away?: boolean;
  movedOffers: number[];
}

/**
 * Caches a rep's Slack time zone and reads their status: one that says they are out (playbook
 * `availability`) makes them away until it clears or expires, and their offers move on now.
 */
export async function recordSlackProfile(
  options: PeopleOptions & { profile: SlackProfile },
): Promise<ProfileResult | undefined> {
  const { db, profile, now, playbook } = options;
  return db.prisma.$transaction(
    async (tx) => {
      const rep = await tx.rep.findUnique({ where: { slackUserId: profile.userId } });
      if (!rep || rep.deactivatedAt) return undefined;
      const tz = validZone(profile.tz);
      if (tz && tz !== rep.slackTimezone) {
        await tx.rep.update({ where: { id: rep.id }, data: { slackTimezone: tz } });
      }
      if (!profile.status) return { movedOffers: [] };
      const { emoji, text, expiration } = profile.status;
      const until = expiration && expiration > 0 ? new Date(expiration * 1000) : null;
      const away =
        statusSaysAway({ emoji, text }, playbook.availability) && (!until || until > now);
      if (!away) {
        if (!rep.statusAway) return { movedOffers: [] };
        await tx.rep.update({ where: { id: rep.id }, data: { statusAway: false } });
        return { away: false, movedOffers: [] };
      }
      const shown = [emoji, text].filter(Boolean).join(" ").slice(0, 100);
      await tx.rep.update({
        where: { id: rep.id },
        data: {
          statusAway: true,
          statusText: shown,
          statusUntil: until,
          statusSince: rep.statusAway ? (rep.statusSince ?? now) : now,
        },
      });
      if (rep.statusAway) return { movedOffers: [] };
      const why = "the rep's Slack status says they are out";
      return { away: true, movedOffers: await withdrawOffers(tx, options, rep.id, why) };
    },
    { timeout: 60_000 },
  );
}

function validZone(tz: string | null | undefined): string | undefined {
  if (!tz) return undefined;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return tz;
  } catch {
    return undefined;
  }
}

/** A rep who left: deactivated, offers moved on, owned leads back to the pool, managers told. */
export async function deactivateRep(
  options: PeopleOptions & {
    userId: string;
    why: string;
    /** Deactivated in Slack (true) or only out of every team (false: a re-added rep is back). */
    deactivate?: boolean;
  },
): Promise<{ moved: PeopleFact["moved"] } | undefined> {
  const { db, userId, now } = options;
  return db.prisma.$transaction(
    async (tx) => {
      const rep = await tx.rep.findUnique({ where: { slackUserId: userId } });
      if (!rep) return undefined;
      if (options.deactivate !== false && !rep.deactivatedAt) {
        await tx.rep.update({ where: { id: rep.id }, data: { deactivatedAt: now } });
      }
      const moved: PeopleFact["moved"] = [];
      const offered = await tx.lead.findMany({
        where: { offeredToId: rep.id, status: "OFFERED" },
        select: { id: true, number: true, team: { select: { key: true } } },
      });
      for (const lead of offered) {
        const result = await endOffer(
          tx,
          { ...options, leadId: lead.id },
          { system: "SLA" },
          "withdrawn",
          options.why,
        );
        moved.push({ number: lead.number, teamKey: lead.team?.key ?? null, to: where(result) });
      }
      const owned = await tx.lead.findMany({
        where: { ownerId: rep.id, status: { in: ["CLAIMED", "WORKING"] } },
        select: { id: true },
      });
      for (const { id } of owned) {
        const leadOptions = { ...options, leadId: id };
        const { lead } = await lockFor(tx, leadOptions, "unassign", { system: "SYSTEM" });
        const fact = {
          ...factBase(lead, now),
          type: "unassigned" as const,
          owner: userId,
          why: options.why,
        };
        await applyChange(tx, leadOptions, lead, {
          to: "QUALIFIED",
          set: { ownerId: null, claimedAt: null },
          event: {
            type: "released",
            actorType: "SYSTEM",
            actorId: "people",
            reason: options.why,
            data: { repId: rep.id, owner: userId },
          },
          facts: [fact],
        });
        const result = await returnToPool(tx, leadOptions, fact);
        moved.push({ number: lead.number, teamKey: lead.teamKey, to: where(result) });
      }
      // Each team's managers hear which of their leads went where.
      await recordPeopleFact(tx, factContext({ ...options }), {
        type: "rep_left",
        rep: userId,
        why: options.why,
        at: now.toISOString(),
        moved,
      });
      return { moved };
    },
    { timeout: 120_000 },
  );
}

async function withdrawOffers(tx: Tx, options: PeopleOptions, repId: string, why: string) {
  const offered = await tx.lead.findMany({
    where: { offeredToId: repId, status: "OFFERED" },
    select: { id: true, number: true },
  });
  for (const lead of offered) {
    await endOffer(tx, { ...options, leadId: lead.id }, { system: "SLA" }, "withdrawn", why);
  }
  return offered.map((l) => l.number);
}

/** Where a lead went back to. */
function where(result: PoolResult): PeopleFact["moved"][number]["to"] {
  switch (result.outcome) {
    case "offered":
      return { rep: result.repSlackId };
    case "posted":
    case "reopened":
      return { channel: result.channel };
    default:
      return { nobody: true };
  }
}
