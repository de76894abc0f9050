// The SLA sweep: reads only leads whose next step is due (indexed Lead.slaDueAt) and nurture
// leads whose resurface date has come. Each lead is one transaction: lock it (SKIP LOCKED, so
// replicas sweeping at once share the work), record the step in SlaNotice (unique per lead,
// cycle and stage, so it fires once even across restarts and replicas), act, write the
// messages to the outbox, and store the next step. A crash leaves each lead done or untouched.
import type { Deps } from "#src/context.ts";
import { resurface, runSlaStep } from "#src/services/sla-steps.ts";
import { loadSlaLead, nextStepFor, scheduleSla } from "#src/sla/schedule.ts";

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
      const options = { db: deps.db, playbook, webhooks: deps.config.webhooks, leadId, now };
      if (locked.status === "NURTURE" && locked.resurfaceAt && locked.resurfaceAt <= now) {
        await resurface(tx, options);
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
