// The SLA sweep: reads only leads whose next step is due (indexed Lead.slaDueAt) and nurture
// leads whose resurface date has come. Every step is recorded in SlaNotice (unique per lead,
// cycle and stage), in the same transaction as what it does, so it fires once even across
// restarts and replicas; leads are locked with SKIP LOCKED, so replicas sweeping at once share
// the work. A crash leaves each lead done or untouched.
//
// Most due steps only tell people (remind, nudge, ghost alerts, follow-ups). Those are swept a
// batch of leads per transaction, in a few statements whatever the batch size: after a weekend
// thousands come due at once. A lead whose due step moves it (time out, reassign, release) or
// that resurfaces from nurture gets a transaction of its own, through the lifecycle use cases.
import type { Deps } from "#src/context.ts";
import type { SlaStep } from "#src/domain/sla.ts";
import { recordFacts } from "#src/outbox/subscribers.ts";
import type { Playbook } from "#src/playbook/schema.ts";
import { revisitHeldLeads } from "#src/services/fallback.ts";
import { factContext } from "#src/services/lead-transition.ts";
import {
  type DueLead,
  isNoticeStage,
  noticeFacts,
  resurface,
  runSlaStep,
} from "#src/services/sla-steps.ts";
import { doneStages, lockDueLeads, markFired, storeNextSteps } from "#src/sla/due-leads.ts";
import { loadSlaLead, nextStepFor, nextStepOf, scheduleSla } from "#src/sla/schedule.ts";

export type SweepDeps = Pick<Deps, "db" | "playbook" | "config" | "logger">;

export interface SweepResult {
  /** Leads looked at. */
  examined: number;
  /** Steps fired, by stage ("offered.remind": 3). */
  fired: Record<string, number>;
  resurfaced: number;
  /** Held leads offered because a rep can take them now (hours began, an away ended...). */
  revisited: number;
}

/** Leads per transaction of notices: big enough to pay for its statements, short enough to hold. */
const BATCH = 200;
/** Steps one lead may catch up on in one sweep (after downtime, or a short policy). */
const CATCH_UP = 8;

export async function runSweep(deps: SweepDeps, now: Date, maxLeads = 5_000): Promise<SweepResult> {
  const result: SweepResult = { examined: 0, fired: {}, resurfaced: 0, revisited: 0 };
  // Held leads first, oldest first: a rep who is back gets the lead waiting longest.
  result.revisited = await revisitHeldLeads(deps, now);
  const seen = new Set<string>();
  while (seen.size < maxLeads) {
    const due = await deps.db.prisma.$queryRawUnsafe<{ id: string }[]>(
      `SELECT "id" FROM "Lead"
        WHERE "slaDueAt" <= $1::timestamp(3) AND NOT ("id" = ANY($2::uuid[]))
        ORDER BY "slaDueAt" LIMIT $3`,
      now.toISOString(),
      [...seen],
      Math.min(BATCH, maxLeads - seen.size),
    );
    if (due.length === 0) break;
    const ids = due.map((row) => row.id);
    for (const id of ids) seen.add(id);
    const moving = await sweepNotices(deps, ids, now, result).catch((error: unknown) => {
      // Leave the set-based path for this batch: one lead at a time, so one bad lead cannot
      // hold up the others.
      deps.logger.warn(
        { err: error, leads: ids.length },
        "SLA batch failed; sweeping its leads one by one",
      );
      return ids;
    });
    for (const id of moving) await sweepOne(deps, id, now, result);
  }
  const nurture = await deps.db.prisma.$queryRaw<{ id: string }[]>`
    SELECT "id" FROM "Lead" WHERE "status" = 'NURTURE' AND "resurfaceAt" <= ${now}
     ORDER BY "resurfaceAt" LIMIT ${Math.max(maxLeads - seen.size, 0)}`;
  for (const { id } of nurture) {
    if (!seen.has(id)) await sweepOne(deps, id, now, result);
  }
  return result;
}

/** What a sweep does for one lead whose due steps only tell people. */
interface NoticePlan {
  lead: DueLead;
  stages: string[];
  next: SlaStep | undefined;
}

/**
 * Sweeps the leads of `ids` whose due steps only tell people, in one transaction; returns
 * the ones with a due step that moves them, for `sweepOne`.
 */
async function sweepNotices(
  deps: SweepDeps,
  ids: string[],
  now: Date,
  result: SweepResult,
): Promise<string[]> {
  const playbook = deps.playbook.current;
  const { plans, moving } = await deps.db.prisma.$transaction(
    async (tx) => {
      const leads = await lockDueLeads(tx, ids, now);
      const done = await doneStages(tx, leads);
      const plans: NoticePlan[] = [];
      const moving: string[] = [];
      for (const lead of leads) {
        const plan = planNotices(playbook, lead, done.get(lead.id) ?? new Set(), now);
        if (plan) plans.push(plan);
        else moving.push(lead.id);
      }
      const steps = plans.flatMap((p) =>
        p.stages.map((stage) => ({ leadId: p.lead.id, cycle: p.lead.slaCycle, stage })),
      );
      const fired = await markFired(tx, steps, now);
      const options = { playbook, webhooks: deps.config.webhooks, now };
      for (const plan of plans) {
        plan.stages = plan.stages.filter((stage) => fired.has(`${plan.lead.id} ${stage}`));
      }
      await recordFacts(
        tx,
        factContext({ ...options, db: deps.db }),
        ...plans.flatMap((p) => p.stages.flatMap((stage) => noticeFacts(options, p.lead, stage))),
      );
      await storeNextSteps(
        tx,
        plans.map((p) => ({ leadId: p.lead.id, step: p.next })),
      );
      return { plans, moving };
    },
    { timeout: 30_000 },
  );
  for (const plan of plans) {
    result.examined += 1;
    for (const stage of plan.stages) result.fired[stage] = (result.fired[stage] ?? 0) + 1;
  }
  return moving;
}

/**
 * The lead's due steps, in order, if every one only tells people; undefined if one moves it
 * (or it is in nurture), for the per-lead path.
 */
function planNotices(
  playbook: Playbook,
  lead: DueLead,
  done: Set<string>,
  now: Date,
): NoticePlan | undefined {
  if (lead.status === "NURTURE") return undefined;
  const stages: string[] = [];
  for (let i = 0; i < CATCH_UP; i++) {
    const step = nextStepOf(playbook, lead, done);
    if (!step || step.dueAt > now) return { lead, stages, next: step };
    if (!isNoticeStage(step.stage)) return undefined;
    stages.push(step.stage);
    done.add(step.stage);
  }
  return { lead, stages, next: nextStepOf(playbook, lead, done) };
}

/** One lead in a transaction of its own: its due steps, or its resurfacing. */
async function sweepOne(deps: SweepDeps, id: string, now: Date, result: SweepResult) {
  try {
    const outcome = await sweepLead(deps, id, now);
    if (!outcome) return;
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
      const options = { db: deps.db, playbook, webhooks: deps.config.webhooks, leadId, now };
      if (locked.status === "NURTURE" && locked.resurfaceAt && locked.resurfaceAt <= now) {
        await resurface(tx, options);
        return "resurfaced";
      }
      // Catching up (after downtime, or a short policy): every step that is due, in order.
      const fired: string[] = [];
      for (let i = 0; i < CATCH_UP; i++) {
        const lead = await loadSlaLead(tx, leadId);
        if (!lead) break;
        const step = await nextStepFor(tx, playbook, lead);
        if (!step || step.dueAt > now) break;
        const { count } = await tx.slaNotice.createMany({
          data: [{ leadId, cycle: lead.slaCycle, stage: step.stage, createdAt: now }],
          skipDuplicates: true,
        });
        if (count === 1) {
          if (await runSlaStep(tx, options, lead, step.stage)) fired.push(step.stage);
          else deps.logger.warn({ stage: step.stage, leadId }, "unknown SLA stage");
        }
      }
      await scheduleSla(tx, playbook, leadId);
      return fired.length > 0 ? fired : "rescheduled";
    },
    { timeout: 30_000 },
  );
}
