// Captures leads (intake API, CSV import): finds each by normalized email or creates it, merges
// its fields and activities, scores it, and qualifies it when it is ready. domain/capture.ts
// decides what a capture does to a lead; db/capture-rows.ts writes it, with the audit trail
// and the outbox messages for sales. A set of requests is written one of two ways:
// - captureLeads: all of them or none, in one transaction (the activities API);
// - captureEach: each all-or-nothing on its own, so one request the database refuses does not
//   fail or half-write the others (the intake batcher, the CSV import).
// New leads, the common case, are created by one statement with everything they write; known
// leads are merged under row locks in a transaction.
import {
  activitiesSince,
  activityRow,
  addActivities,
  createLeads,
  type LockedLead,
  lockLeadsByEmail,
  mergeLeadFields,
  writeMergeOutcomes,
} from "#src/db/capture-rows.ts";
import { isDatabaseUnavailable } from "#src/db/connection-errors.ts";
import type { Database, SqlSession } from "#src/db/database.ts";
import { decideCapture, leadFields, salesNews } from "#src/domain/capture.ts";
import type { LeadRequest } from "#src/intake/schemas.ts";
import {
  type CaptureContext,
  type CaptureLeadResult,
  eventRows,
  type NewLeadPlan,
  outboxRows,
  planNewLead,
  resultOf,
} from "#src/services/new-lead-plan.ts";

export type { CaptureContext, CaptureLeadResult };

export interface CaptureLeadOptions extends CaptureContext {
  db: Database;
  input: LeadRequest;
}

export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

export async function captureLead(options: CaptureLeadOptions): Promise<CaptureLeadResult> {
  const [result] = await captureLeads(options.db, [options.input], options);
  return result!;
}

/** Captures several leads in one transaction: all of them, or none. Results in input order. */
export async function captureLeads(
  db: Database,
  inputs: LeadRequest[],
  context: CaptureContext,
): Promise<CaptureLeadResult[]> {
  // Two first captures of one email (here or on another replica) race to create it; the
  // loser's transaction is rolled back and retried, finding the lead this time.
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction((sql) => captureInOrder(sql, inputs, context));
    } catch (error) {
      if (!(error instanceof CreateRace) || attempt >= 3) throw error;
    }
  }
}

/**
 * Captures each lead on its own. Results in input order; one email's captures run in order.
 * `plans` (by input) are the new leads the caller planned already, for `context.now`.
 */
export async function captureEach(
  db: Database,
  inputs: LeadRequest[],
  context: CaptureContext,
  plans?: (NewLeadPlan | undefined)[],
): Promise<Settled<CaptureLeadResult>[]> {
  const settled = await createEach(db, inputs, context, plans);
  const rest = inputs.flatMap((_, index) => (settled[index] ? [] : [index]));
  const merged = await mergeEach(
    db,
    rest.map((index) => inputs[index]!),
    context,
  );
  for (const [k, index] of rest.entries()) settled[index] = merged[k];
  return settled as Settled<CaptureLeadResult>[];
}

/**
 * captureEach's first step: creates the lead of each input whose email is not stored yet, with
 * everything its capture writes, in one statement. By input: its result, or its failure; or
 * undefined when its lead exists, or an earlier input has its email (mergeEach captures those).
 */
export async function createEach(
  db: Database,
  inputs: LeadRequest[],
  context: CaptureContext,
  plans?: (NewLeadPlan | undefined)[],
): Promise<(Settled<CaptureLeadResult> | undefined)[]> {
  // The first capture of each email may be a new lead; later ones merge into it.
  const firstOf = new Map<string, number>();
  for (const [index, input] of inputs.entries()) {
    if (!firstOf.has(input.email)) firstOf.set(input.email, index);
  }
  const pick = (indexes: number[]) => indexes.map((i) => inputs[i]!);
  // No transaction: the statement is atomic, and a lead that turns out to exist writes nothing.
  const created = await eachOrAlone([...firstOf.values()], (indexes) =>
    db.withSession((sql) =>
      createNew(sql, pick(indexes), context, plans && indexes.map((i) => plans[i])),
    ),
  );
  return inputs.map((_, index) => {
    const outcome = created.get(index);
    if (outcome?.ok === false) return outcome;
    return outcome?.value ? { ok: true, value: outcome.value } : undefined;
  });
}

/**
 * Captures each lead on its own under row locks: known leads merged, unknown ones created, in
 * one transaction for all (one email's captures in order), or alone when that fails.
 */
export async function mergeEach(
  db: Database,
  inputs: LeadRequest[],
  context: CaptureContext,
): Promise<Settled<CaptureLeadResult>[]> {
  const merged = await eachOrAlone([...inputs.keys()], (indexes) =>
    captureLeads(
      db,
      indexes.map((i) => inputs[i]!),
      context,
    ),
  );
  return inputs.map((_, index) => merged.get(index)!);
}

/** Whether this capture queued a message for the outbox (a handoff or a thread reply). */
export function queuedOutbox(result: CaptureLeadResult): boolean {
  return salesNews(result) !== null;
}

class CreateRace extends Error {}

async function captureInOrder(
  sql: SqlSession,
  inputs: LeadRequest[],
  context: CaptureContext,
): Promise<CaptureLeadResult[]> {
  // One email twice in a batch: its captures run one after the other, in order.
  const results: CaptureLeadResult[] = new Array(inputs.length);
  let rest = inputs.map((input, index) => ({ input, index }));
  while (rest.length > 0) {
    const seen = new Set<string>();
    const round = rest.filter(({ input }) => !seen.has(input.email) && seen.add(input.email));
    rest = rest.filter((item) => !round.includes(item));
    const written = await captureRound(
      sql,
      round.map(({ input }) => input),
      context,
    );
    for (const [k, { index }] of round.entries()) results[index] = written[k]!;
  }
  return results;
}

/** Captures requests for distinct emails in the caller's transaction. */
async function captureRound(
  sql: SqlSession,
  inputs: LeadRequest[],
  context: CaptureContext,
): Promise<CaptureLeadResult[]> {
  const emails = inputs.map((input) => input.email);
  const byEmail = new Map((await lockLeadsByEmail(sql, emails)).map((lead) => [lead.email, lead]));
  const fresh = inputs.filter((input) => !byEmail.has(input.email));
  const known = inputs.flatMap((input) => {
    const lead = byEmail.get(input.email);
    return lead ? [{ input, lead }] : [];
  });
  const created = await createNew(sql, fresh, context);
  if (created.includes(undefined)) throw new CreateRace("a lead was created concurrently");
  const merged = await mergeKnown(sql, known, context);
  const results = new Map<string, CaptureLeadResult>();
  for (const [k, input] of fresh.entries()) results.set(input.email, created[k]!);
  for (const [k, { input }] of known.entries()) results.set(input.email, merged[k]!);
  return inputs.map((input) => results.get(input.email)!);
}

/**
 * Creates the leads whose email is not stored yet, each with everything its capture writes, in
 * one statement. Returns each input's result, or undefined for a lead that already exists.
 * `inputs` must not repeat an email.
 */
async function createNew(
  sql: SqlSession,
  inputs: LeadRequest[],
  context: CaptureContext,
  plans?: (NewLeadPlan | undefined)[],
): Promise<(CaptureLeadResult | undefined)[]> {
  if (inputs.length === 0) return [];
  const at = context.now.toISOString();
  const planned = inputs.map((input, k) => {
    const plan = plans?.[k];
    // A plan made for another time would disagree with the rows' times: made again.
    return plan?.at === at ? plan : planNewLead(input, context);
  });
  const numbers = await createLeads(sql, planned, context);
  return planned.map(({ result }) => {
    const number = numbers.get(result.leadId);
    return number === undefined ? undefined : { ...result, number };
  });
}

/** Merges requests into their locked leads, in the caller's transaction. */
async function mergeKnown(
  sql: SqlSession,
  items: { input: LeadRequest; lead: LockedLead }[],
  context: CaptureContext,
): Promise<CaptureLeadResult[]> {
  if (items.length === 0) return [];
  const { now, scoring } = context;
  const stored = await mergeLeadFields(
    sql,
    items.map(({ input, lead }) => ({
      id: lead.id,
      fields: leadFields(input),
      externalIds: input.externalIds ?? {},
      attributes: input.attributes ?? {},
    })),
    now,
  );
  const rows = items.flatMap(({ input, lead }) =>
    (input.activities ?? []).map((a) => activityRow(lead.id, a)),
  );
  const added = groupBy(await addActivities(sql, rows, now), (row) => row.leadId);
  // Scoring needs every activity in the window, those stored before included.
  const windowStart = new Date(now.getTime() - scoring.behavior.window);
  const leadIds = items.map(({ lead }) => lead.id);
  const scored = groupBy(await activitiesSince(sql, leadIds, windowStart), (row) => row.leadId);
  const decided = items.map(({ input, lead }) => {
    const mine = added.get(lead.id) ?? [];
    const facts = {
      lead,
      created: false,
      request: input,
      fields: stored.get(lead.id) ?? leadFields(input),
      scored: scored.get(lead.id) ?? [],
      added: mine.length,
    };
    return { lead, decision: decideCapture(facts, context), addedIds: mine.map((a) => a.id) };
  });
  await writeMergeOutcomes(
    sql,
    {
      scores: decided.map(({ lead, decision }) => ({
        id: lead.id,
        score: decision.score.total,
        fitScore: decision.score.fit,
        behaviorScore: decision.score.behavior,
        scoreBreakdown: decision.score.breakdown,
        status: decision.status,
        qualified: decision.qualified,
        trigger: decision.trigger,
        nurtured: decision.nurtured,
      })),
      events: decided.flatMap(({ lead, decision }) => eventRows(lead.id, decision, context.actor)),
      outbox: decided.flatMap(({ lead, decision, addedIds }) =>
        outboxRows(lead.id, decision.news, addedIds, now),
      ),
    },
    now,
  );
  return decided.map(({ lead, decision }) => resultOf(lead, false, decision));
}

/**
 * Runs `write` for all indexes at once; when it fails, for each index alone, so that one bad
 * request costs only itself. An outage fails them all at once, or all that are left: retrying
 * one by one would only wait for the same timeout again and again.
 */
async function eachOrAlone<T>(
  indexes: number[],
  write: (indexes: number[]) => Promise<T[]>,
): Promise<Map<number, Settled<T>>> {
  const outcomes = new Map<number, Settled<T>>();
  if (indexes.length === 0) return outcomes;
  try {
    const values = await write(indexes);
    for (const [k, index] of indexes.entries())
      outcomes.set(index, { ok: true, value: values[k]! });
    return outcomes;
  } catch (error) {
    if (indexes.length === 1 || isDatabaseUnavailable(error)) {
      for (const index of indexes) outcomes.set(index, { ok: false, error });
      return outcomes;
    }
  }
  let outage: unknown;
  for (const index of indexes) {
    if (outage !== undefined) {
      outcomes.set(index, { ok: false, error: outage });
      continue;
    }
    try {
      const [value] = await write([index]);
      outcomes.set(index, { ok: true, value: value! });
    } catch (error) {
      outcomes.set(index, { ok: false, error });
      if (isDatabaseUnavailable(error)) outage = error;
    }
  }
  return outcomes;
}

function groupBy<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) groups.set(key(row), [...(groups.get(key(row)) ?? []), row]);
  return groups;
}
