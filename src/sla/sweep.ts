// The SLA sweep: reads only leads whose next step is due (indexed Lead.slaDueAt) and nurture
// leads whose resurface date has come. Each lead is one transaction: lock it (SKIP LOCKED, so
// replicas sweeping at once share the work), record the step in SlaNotice (unique per lead,
// cycle and stage, so it fires once even across restarts and replicas), act, write the
// messages to the outbox, and store the next step. A crash leaves each lead done or untouched.
import type { Deps } from "#src/context.ts";
import { businessDurationBetween } from "#src/domain/business-hours.ts";
import { formatDuration } from "#src/domain/duration.ts";
import { enqueueWebhooks } from "#src/outbox/webhooks.ts";
import type { Playbook } from "#src/playbook/schema.ts";
import { handOff } from "#src/services/hand-off-lead.ts";
import { enqueue, recordLeadEvent, type Tx } from "#src/services/lead-journal.ts";
import { offerToNext } from "#src/services/offer-to-next.ts";
import { returnToPool } from "#src/services/release-lead.ts";
import {
  loadSlaLead,
  nextStepFor,
  type SlaLeadRow,
  scheduleSla,
  slaContext,
} from "#src/sla/schedule.ts";
import { leadName } from "#src/slack/blocks/disposition-feed.ts";
import {
  claimNudge,
  followUpNudge,
  type GhostReason,
  ghostAlert,
  offerReminder,
  releasedBySla,
  type SlaLeadView,
} from "#src/slack/blocks/sla-messages.ts";

export type SweepDeps = Pick<Deps, "db" | "playbook" | "config" | "logger">;

export interface SweepResult {
  /** Leads looked at. */
  examined: number;
  /** Steps fired, by stage ("offered.remind": 3). */
  fired: Record<string, number>;
  resurfaced: number;
}

const BATCH = 50;

export async function runSweep(deps: SweepDeps, now: Date, maxLeads = 5_000): Promise<SweepResult> {
  const result: SweepResult = { examined: 0, fired: {}, resurfaced: 0 };
  const seen = new Set<string>();
  while (seen.size < maxLeads) {
    const due = await deps.db.prisma.$queryRaw<{ id: string }[]>`
      (SELECT "id" FROM "Lead" WHERE "slaDueAt" <= ${now} ORDER BY "slaDueAt" LIMIT ${BATCH + seen.size})
      UNION
      (SELECT "id" FROM "Lead" WHERE "status" = 'NURTURE' AND "resurfaceAt" <= ${now}
        ORDER BY "resurfaceAt" LIMIT ${BATCH + seen.size})`;
    const fresh = due.filter((row) => !seen.has(row.id));
    if (fresh.length === 0) break;
    for (const { id } of fresh) {
      seen.add(id);
      try {
        const outcome = await sweepLead(deps, id, now);
        if (!outcome) continue;
        result.examined += 1;
        if (outcome === "resurfaced") result.resurfaced += 1;
        else if (outcome !== "rescheduled") {
          for (const stage of outcome) result.fired[stage] = (result.fired[stage] ?? 0) + 1;
        }
      } catch (error) {
        // One bad lead must not stop the others; it stays due and is tried next sweep.
        deps.logger.error({ err: error, leadId: id }, "SLA step failed");
      }
    }
  }
  return result;
}

/** One lead's due work: the stages fired, "rescheduled", "resurfaced", or undefined if skipped. */
async function sweepLead(
  deps: SweepDeps,
  leadId: string,
  now: Date,
): Promise<string[] | "rescheduled" | "resurfaced" | undefined> {
  const playbook = deps.playbook.current;
  return deps.db.prisma.$transaction(
    async (tx) => {
      const [locked] = await tx.$queryRaw<{ status: string; resurfaceAt: Date | null }[]>`
        SELECT "status", "resurfaceAt" FROM "Lead"
         WHERE "id" = ${leadId}::uuid
           AND ("slaDueAt" <= ${now} OR ("status" = 'NURTURE' AND "resurfaceAt" <= ${now}))
         FOR UPDATE SKIP LOCKED`;
      if (!locked) return undefined; // another replica has it, or it is no longer due
      if (locked.status === "NURTURE" && locked.resurfaceAt && locked.resurfaceAt <= now) {
        await resurface(tx, deps, playbook, leadId, now);
        return "resurfaced";
      }
      // Catching up (after downtime, or a short policy): every step that is due, in order.
      const fired: string[] = [];
      for (let i = 0; i < 8; i++) {
        const lead = await loadSlaLead(tx, leadId);
        if (!lead) break;
        const step = await nextStepFor(tx, playbook, lead);
        if (!step || step.dueAt > now) break;
        const { count } = await tx.slaNotice.createMany({
          data: [{ leadId, cycle: lead.slaCycle, stage: step.stage, createdAt: now }],
          skipDuplicates: true,
        });
        if (count === 1) {
          await act(tx, deps, playbook, lead, step.stage, now);
          fired.push(step.stage);
        }
      }
      await scheduleSla(tx, playbook, leadId);
      return fired.length > 0 ? fired : "rescheduled";
    },
    { timeout: 30_000 },
  );
}

async function act(
  tx: Tx,
  deps: SweepDeps,
  playbook: Playbook,
  lead: SlaLeadRow,
  stage: string,
  now: Date,
): Promise<void> {
  const view = await leadView(tx, playbook, lead, now);
  const { team } = slaContext(playbook, lead.teamKey);
  const managers = team?.managers ?? [];
  const options = { db: deps.db, playbook, webhooks: deps.config.webhooks, leadId: lead.id, now };

  switch (true) {
    case stage === "offered.timeout":
      await offerToNext(tx, options, lead.offeredToId, "offer_timed_out", "the offer timed out");
      return;
    case stage === "offered.remind": {
      await threadReply(tx, now, lead.id, view.channelId, offerReminder(view));
      if (view.offeredToSlackId)
        await dm(tx, now, lead.id, view.offeredToSlackId, offerReminder(view));
      return;
    }
    case stage === "offered.escalate":
      await alertManagers(tx, now, lead.id, managers, view, "unclaimed");
      return;
    case stage === "offered.reassign": {
      const overflow = team?.overflow;
      if (overflow && overflow !== lead.teamKey) {
        await tx.lead.update({
          where: { id: lead.id },
          data: { status: "QUALIFIED", offeredToId: null },
        });
        await recordLeadEvent(tx, {
          leadId: lead.id,
          type: "reassigned",
          actor: { type: "SLA", id: "sla" },
          fromStatus: "OFFERED",
          toStatus: "QUALIFIED",
          reason: `nobody took it in ${view.age}: overflow to ${overflow}`,
          data: { fromTeam: lead.teamKey, toTeam: overflow },
          at: now,
        });
        await enqueue(tx, {
          now,
          kind: "lead.card.update",
          payload: { leadId: lead.id },
          orderingKey: lead.id,
        });
        await handOff(tx, { ...options, teamKey: overflow });
        await enqueueWebhooks(
          tx,
          deps.config.webhooks,
          "lead.reassigned",
          lead.id,
          { toTeam: overflow, reason: "sla" },
          now,
        );
        return;
      }
      if (lead.offeredToId) {
        await offerToNext(
          tx,
          options,
          lead.offeredToId,
          "offer_timed_out",
          `nobody took it in ${view.age}`,
        );
        return;
      }
      await alertManagers(tx, now, lead.id, managers, view, "nobody-left");
      return;
    }
    case stage.startsWith("offered.realert."):
      // Nobody took it and nobody answered the alerts: the card comes up again in its
      // channel, and the managers are alerted again, until someone has it.
      await threadReply(tx, now, lead.id, view.channelId, offerReminder(view));
      await alertManagers(tx, now, lead.id, managers, view, "nobody-left");
      return;
    case stage === "claimed.nudge":
      if (view.ownerSlackId) await dm(tx, now, lead.id, view.ownerSlackId, claimNudge(view));
      // An owner who is away cannot act on it: their manager sees it now, not at the escalation.
      if (await ownerAway(tx, lead.id, now))
        await alertManagers(tx, now, lead.id, managers, view, "untouched");
      return;
    case stage === "claimed.escalate":
      await alertManagers(tx, now, lead.id, managers, view, "untouched");
      return;
    case stage === "claimed.release":
      await releaseUnworked(tx, deps, lead, view, managers, options, now, false);
      return;
    case stage.startsWith("working.escalate."): {
      const since = sinceLastTouch(playbook, lead, now);
      await alertManagers(tx, now, lead.id, managers, { ...view, age: since }, "stalled");
      return;
    }
    case stage.startsWith("working.release."): {
      const since = sinceLastTouch(playbook, lead, now);
      await releaseUnworked(tx, deps, lead, { ...view, age: since }, managers, options, now, true);
      return;
    }
    case stage.startsWith("working.followup."): {
      if (!view.ownerSlackId) return;
      const since = sinceLastTouch(playbook, lead, now);
      await dm(tx, now, lead.id, view.ownerSlackId, followUpNudge(view, since));
      if (await ownerAway(tx, lead.id, now)) {
        for (const manager of managers) {
          await dm(
            tx,
            now,
            lead.id,
            manager,
            `(<@${view.ownerSlackId}> is away) ${followUpNudge(view, since)}`,
          );
        }
      }
      return;
    }
    default:
      deps.logger.warn({ stage, leadId: lead.id }, "unknown SLA stage");
  }
}

/** A nurture lead whose resurface date came: back to sales if its score still qualifies. */
async function resurface(tx: Tx, deps: SweepDeps, playbook: Playbook, leadId: string, now: Date) {
  const lead = await tx.lead.findUniqueOrThrow({ where: { id: leadId } });
  const ready = lead.score >= playbook.scoring.threshold;
  await tx.lead.update({
    where: { id: leadId },
    data: { resurfaceAt: null, ...(ready ? { status: "QUALIFIED", qualifiedAt: now } : {}) },
  });
  await recordLeadEvent(tx, {
    leadId,
    type: "resurfaced",
    actor: { type: "SLA", id: "sla" },
    fromStatus: "NURTURE",
    toStatus: ready ? "QUALIFIED" : "NURTURE",
    reason: ready
      ? `resurface date reached with score ${lead.score}: back to sales`
      : `resurface date reached; score ${lead.score} is under ${playbook.scoring.threshold}, it keeps scoring`,
    at: now,
  });
  if (ready)
    await handOff(tx, { db: deps.db, playbook, webhooks: deps.config.webhooks, leadId, now });
}

async function leadView(
  tx: Tx,
  playbook: Playbook,
  lead: SlaLeadRow,
  now: Date,
): Promise<SlaLeadView> {
  const row = await tx.lead.findUniqueOrThrow({
    where: { id: lead.id },
    include: {
      owner: { select: { slackUserId: true } },
      offeredTo: { select: { slackUserId: true } },
      team: { select: { name: true, channelId: true } },
    },
  });
  const card = await tx.slackMessage.findFirst({
    where: { leadId: lead.id, kind: "card" },
    orderBy: { createdAt: "desc" },
  });
  const { calendar } = slaContext(playbook, lead.teamKey);
  const from = lead.status === "OFFERED" ? lead.offeredAt : (lead.claimedAt ?? lead.offeredAt);
  const age = from
    ? formatDuration(businessDurationBetween(from, now, calendar.hours, calendar.timeZone))
    : "a while";
  const name = [row.firstName, row.lastName].filter(Boolean).join(" ") || null;
  return {
    id: lead.id,
    number: row.number,
    name: leadName({ name, email: row.email }),
    company: row.company,
    teamName: row.team?.name ?? "the team",
    channelId: card?.channelId ?? row.team?.channelId ?? null,
    ownerSlackId: row.owner?.slackUserId ?? null,
    offeredToSlackId: row.offeredTo?.slackUserId ?? null,
    touchCount: row.touchCount,
    age,
  };
}

async function ownerAway(tx: Tx, leadId: string, now: Date): Promise<boolean> {
  const [row] = await tx.$queryRaw<{ away: boolean }[]>`
    SELECT (r."paused" OR (r."awayUntil" IS NOT NULL AND r."awayUntil" > ${now})) AS "away"
      FROM "Lead" l JOIN "Rep" r ON r."id" = l."ownerId" WHERE l."id" = ${leadId}::uuid`;
  return row?.away ?? false;
}

async function threadReply(
  tx: Tx,
  now: Date,
  leadId: string,
  channel: string | null,
  text: string,
) {
  if (!channel) return;
  await enqueue(tx, {
    now,
    kind: "slack.post",
    payload: { channel, text, threadOf: { leadId, kind: "card" } },
    orderingKey: leadId,
    target: channel,
  });
}

async function dm(tx: Tx, now: Date, leadId: string, user: string, text: string) {
  await enqueue(tx, {
    now,
    kind: "slack.dm",
    payload: { user, text },
    orderingKey: leadId,
    target: `dm:${user}`,
  });
}

/** Takes an owned lead nobody works back to the pool (owner and managers told). */
async function releaseUnworked(
  tx: Tx,
  deps: SweepDeps,
  lead: SlaLeadRow,
  view: SlaLeadView,
  managers: string[],
  options: {
    db: SweepDeps["db"];
    playbook: Playbook;
    webhooks: SweepDeps["config"]["webhooks"];
    leadId: string;
    now: Date;
  },
  now: Date,
  stalled: boolean,
): Promise<void> {
  const owner = view.ownerSlackId;
  const [row] = await tx.$queryRaw<{ ownerId: string | null }[]>`
        SELECT "ownerId" FROM "Lead" WHERE "id" = ${lead.id}::uuid`;
  await tx.lead.update({
    where: { id: lead.id },
    data: {
      status: "QUALIFIED",
      ownerId: null,
      claimedAt: null,
      offeredToId: null,
      version: { increment: 1 },
    },
  });
  const text = releasedBySla(view, owner ?? "nobody", stalled);
  await recordLeadEvent(tx, {
    leadId: lead.id,
    type: "released",
    actor: { type: "SLA", id: "sla" },
    fromStatus: lead.status,
    toStatus: "QUALIFIED",
    reason: stalled
      ? `no touch in ${view.age} after ${view.touchCount} touches`
      : `no touch logged in ${view.age}`,
    data: { repId: row?.ownerId ?? null, owner },
    at: now,
  });
  await enqueueWebhooks(
    tx,
    deps.config.webhooks,
    "lead.released",
    lead.id,
    { by: "sla", owner, reason: "no touch" },
    now,
  );
  if (owner) await dm(tx, now, lead.id, owner, text);
  for (const manager of managers) await dm(tx, now, lead.id, manager, text);
  await returnToPool(tx, options, {
    number: view.number,
    teamKey: lead.teamKey,
    announce: text,
  });
}

/** "3d 2h" of business time since the lead's last touch. */
function sinceLastTouch(playbook: Playbook, lead: SlaLeadRow, now: Date): string {
  if (!lead.lastTouchAt) return "a while";
  const { calendar } = slaContext(playbook, lead.teamKey);
  return formatDuration(
    businessDurationBetween(lead.lastTouchAt, now, calendar.hours, calendar.timeZone),
  );
}

async function alertManagers(
  tx: Tx,
  now: Date,
  leadId: string,
  managers: string[],
  view: SlaLeadView,
  reason: GhostReason,
) {
  const alert = ghostAlert(view, reason);
  for (const manager of managers) {
    await enqueue(tx, {
      now,
      kind: "slack.dm",
      payload: JSON.parse(
        JSON.stringify({ user: manager, ...alert, record: { leadId, kind: "ghost_alert" } }),
      ),
      orderingKey: leadId,
      target: `dm:${manager}`,
    });
  }
}
