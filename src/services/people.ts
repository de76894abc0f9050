// People change: a rep goes away (or comes back), or leaves (deactivated in Slack, removed from
// the playbook). Round robin already skips away and deactivated reps; here their open offers
// move on at once, and a rep who left loses every open lead to the pool, with the managers told
// which leads went where.
import type { Config } from "#src/config.ts";
import type { Database } from "#src/db/database.ts";
import { AppError } from "#src/errors.ts";
import type { Playbook } from "#src/playbook/schema.ts";
import type { HandOffResult } from "#src/services/hand-off-lead.ts";
import { enqueue, recordLeadEvent, type Tx } from "#src/services/lead-journal.ts";
import { offerToNext } from "#src/services/offer-to-next.ts";
import { returnToPool } from "#src/services/release-lead.ts";

interface PeopleOptions {
  db: Database;
  playbook: Playbook;
  webhooks: Config["webhooks"];
  now: Date;
}

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
      await tx.rep.update({
        where: { id: rep.id },
        data: back
          ? { paused: false, awayUntil: null }
          : { paused: until === undefined, awayUntil: until ?? null },
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

/** A rep who left: deactivated, offers moved on, owned leads back to the pool, managers told. */
export async function deactivateRep(
  options: PeopleOptions & {
    userId: string;
    why: string;
    /** Deactivated in Slack (true) or only out of every team (false: a re-added rep is back). */
    deactivate?: boolean;
  },
): Promise<{ moved: { number: number; to: string }[] } | undefined> {
  const { db, playbook, userId, now } = options;
  return db.prisma.$transaction(
    async (tx) => {
      const rep = await tx.rep.findUnique({ where: { slackUserId: userId } });
      if (!rep) return undefined;
      if (options.deactivate !== false && !rep.deactivatedAt) {
        await tx.rep.update({ where: { id: rep.id }, data: { deactivatedAt: now } });
      }
      const moved: { number: number; to: string; team: string | null }[] = [];
      const offered = await tx.lead.findMany({
        where: { offeredToId: rep.id, status: "OFFERED" },
        select: { id: true, number: true, team: { select: { key: true } } },
      });
      for (const lead of offered) {
        const result = await offerToNext(
          tx,
          { ...options, leadId: lead.id },
          rep.id,
          "offer_withdrawn",
          options.why,
        );
        moved.push({ number: lead.number, to: describe(result), team: lead.team?.key ?? null });
      }
      const owned = await tx.lead.findMany({
        where: { ownerId: rep.id, status: { in: ["CLAIMED", "WORKING"] } },
        select: { id: true, number: true, status: true, team: { select: { key: true } } },
      });
      for (const lead of owned) {
        await tx.lead.update({
          where: { id: lead.id },
          data: { status: "QUALIFIED", ownerId: null, claimedAt: null, version: { increment: 1 } },
        });
        await recordLeadEvent(tx, {
          leadId: lead.id,
          type: "released",
          actor: { type: "SYSTEM", id: "people" },
          fromStatus: lead.status,
          toStatus: "QUALIFIED",
          reason: options.why,
          data: { repId: rep.id, owner: userId },
          at: now,
        });
        const result = await returnToPool(
          tx,
          { ...options, leadId: lead.id },
          {
            number: lead.number,
            teamKey: lead.team?.key ?? null,
            announce: `:leftwards_arrow_with_hook: L-${lead.number} was <@${userId}>'s, who ${options.why}. It is open for claims again.`,
          },
        );
        moved.push({
          number: lead.number,
          to:
            "outcome" in result && result.outcome === "reopened"
              ? `the <#${result.channel}> channel`
              : describe(result as HandOffResult),
          team: lead.team?.key ?? null,
        });
      }
      // Each team's managers hear which of their leads went where.
      for (const team of playbook.teams) {
        const mine = moved.filter((m) => m.team === team.key);
        if (mine.length === 0) continue;
        const lines = mine.map((m) => `• L-${m.number} → ${m.to}`).join("\n");
        for (const manager of team.managers) {
          await enqueue(tx, {
            now,
            kind: "slack.dm",
            payload: {
              user: manager,
              text: `:busts_in_silhouette: <@${userId}> ${options.why}. Their open leads in ${team.name} moved:\n${lines}`.slice(
                0,
                3900,
              ),
            },
            target: `dm:${manager}`,
          });
        }
      }
      return { moved: moved.map(({ number, to }) => ({ number, to })) };
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
    await offerToNext(tx, { ...options, leadId: lead.id }, repId, "offer_withdrawn", why);
  }
  return offered.map((l) => l.number);
}

function describe(result: HandOffResult): string {
  switch (result.outcome) {
    case "offered":
      return `<@${result.repSlackId}>`;
    case "posted":
      return `the <#${result.channel}> channel`;
    default:
      return "nobody yet";
  }
}
