// The intake API's capture: group commit and idempotency for leads, all-or-none batches of
// activities.
//
// Group commit: requests that arrive while earlier ones are being written are captured
// together (captureEach: new leads in one statement, known ones in one transaction, each
// request all-or-nothing on its own), so throughput grows with load instead of being capped by
// per-query overhead. Under light load a request is written at once, alone: batching adds no
// wait.
//
// Idempotency: a request with a key (the sender's Idempotency-Key, or the lead's externalId)
// gets the answer the first request with that key got, and is not captured again.
import { findAnswer, saveAnswer } from "#src/db/capture-rows.ts";
import type { Database } from "#src/db/database.ts";
import { AppError } from "#src/errors.ts";
import {
  type ActivitiesRequest,
  type LeadRequest,
  leadRequestSchema,
} from "#src/intake/schemas.ts";
import {
  type CaptureContext,
  type CaptureLeadResult,
  captureEach,
  captureLeads,
  queuedOutbox,
} from "#src/services/capture-lead.ts";
import type { Actor } from "#src/services/lead-journal.ts";

/** What the sender is told: kept per idempotency key and replayed to its retries. */
export interface Answer {
  status: number;
  body: unknown;
}

export interface IdempotencyKey {
  /** Scoped to the sender: "<client>:key:<header>" or "<client>:ext:<externalId>". */
  key: string;
  /** A key reused for a different request is refused; an externalId is not a promise of that. */
  strict: boolean;
  /** The request's digest, to tell a retry from a different request with the same key. */
  requestHash: string;
}

export interface IntakeCaptureOptions {
  db: Database;
  /** The scoring model and account matching in force when a batch is written. */
  context: () => Omit<CaptureContext, "actor" | "now">;
  now: () => Date;
  /** Called when a capture queued outbox messages, so the worker delivers them at once. */
  onQueued?: () => void;
  maxBatch?: number;
  /** Batches written at once; PGlite has one connection, so 1 there. */
  maxConcurrent?: number;
}

interface Pending {
  input: LeadRequest;
  actor: Actor;
  resolve: (result: CaptureLeadResult) => void;
  reject: (error: unknown) => void;
}

export class IntakeCapture {
  private queue: Pending[] = [];
  private running = 0;
  private dispatchScheduled = false;
  private readonly maxBatch: number;
  private readonly maxConcurrent: number;
  private readonly keysInFlight = new Map<string, Promise<Answer & { replayed: boolean }>>();

  constructor(private readonly options: IntakeCaptureOptions) {
    this.maxBatch = options.maxBatch ?? 100;
    this.maxConcurrent = options.maxConcurrent ?? (options.db.kind === "pglite" ? 1 : 4);
  }

  /** Captures one lead, written together with the requests that arrive meanwhile. */
  capture(input: LeadRequest, actor: Actor): Promise<CaptureLeadResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ input, actor, resolve, reject });
      this.scheduleDispatch();
    });
  }

  /** Appends activities to their leads, all or none (see captureActivities). */
  async captureActivities(
    activities: ActivitiesRequest["activities"],
    actor: Actor,
  ): Promise<CaptureLeadResult[]> {
    const results = await captureActivities(this.options.db, activities, this.contextFor(actor));
    if (results.some(queuedOutbox)) this.options.onQueued?.();
    return results;
  }

  /**
   * Answers a request with `answer`, once per key: a retry gets the stored answer (`replayed`).
   * Requests with one key run one after the other in this process: a retry sent while the
   * first is still being written (they may even share a batch) waits for it and gets its
   * answer, instead of being captured a second time.
   */
  async once(
    key: IdempotencyKey | undefined,
    answer: () => Promise<Answer>,
  ): Promise<Answer & { replayed: boolean }> {
    if (!key) return { ...(await answer()), replayed: false };
    const before = this.keysInFlight.get(key.key);
    const answered = (async () => {
      await before?.catch(() => {});
      return this.answerOnce(key, answer);
    })();
    this.keysInFlight.set(key.key, answered);
    try {
      return await answered;
    } finally {
      if (this.keysInFlight.get(key.key) === answered) this.keysInFlight.delete(key.key);
    }
  }

  private async answerOnce(
    key: IdempotencyKey,
    answer: () => Promise<Answer>,
  ): Promise<Answer & { replayed: boolean }> {
    const { db } = this.options;
    const previous = await db.withSession((sql) => findAnswer(sql, key.key));
    if (previous) {
      if (previous.requestHash === key.requestHash) {
        return { status: previous.statusCode, body: previous.response, replayed: true };
      }
      if (key.strict) {
        throw new AppError(
          "unprocessable",
          "This Idempotency-Key was already used for a different request. Use a new key for a new request.",
        );
      }
    }
    const fresh = await answer();
    await db.withSession((sql) =>
      saveAnswer(sql, key.key, {
        requestHash: key.requestHash,
        statusCode: fresh.status,
        response: fresh.body,
      }),
    );
    return { ...fresh, replayed: false };
  }

  private contextFor(actor: Actor): CaptureContext {
    return { ...this.options.context(), actor, now: this.options.now() };
  }

  /**
   * Dispatches once the event loop has read what arrived meanwhile. A write on PGlite runs in
   * this thread and may finish without yielding to the event loop (its file I/O is
   * synchronous): dispatching at once would write each request alone while the others wait,
   * unread, in their sockets. setImmediate runs right after the loop's I/O phase, so it adds
   * no timer wait; on PostgreSQL it only gathers the requests read in the same turn.
   */
  private scheduleDispatch(): void {
    if (this.dispatchScheduled) return;
    this.dispatchScheduled = true;
    setImmediate(() => {
      this.dispatchScheduled = false;
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.running < this.maxConcurrent && this.queue.length > 0) {
      // One batch, one actor: the audit trail names who sent each lead.
      const actor = this.queue[0]!.actor;
      const batch: Pending[] = [];
      const rest: Pending[] = [];
      for (const item of this.queue) {
        if (batch.length < this.maxBatch && sameActor(item.actor, actor)) batch.push(item);
        else rest.push(item);
      }
      this.queue = rest;
      this.running += 1;
      void this.write(batch, actor).finally(() => {
        this.running -= 1;
        this.scheduleDispatch();
      });
    }
  }

  private async write(batch: Pending[], actor: Actor): Promise<void> {
    try {
      const outcomes = await captureEach(
        this.options.db,
        batch.map((item) => item.input),
        this.contextFor(actor),
      );
      // Only when there is something to deliver: each wake costs the worker a lease query.
      if (outcomes.some((o) => o.ok && queuedOutbox(o.value))) this.options.onQueued?.();
      for (const [i, item] of batch.entries()) {
        const outcome = outcomes[i]!;
        if (outcome.ok) item.resolve(outcome.value);
        else item.reject(outcome.error);
      }
    } catch (error) {
      for (const item of batch) item.reject(error);
    }
  }
}

/**
 * Appends activities to leads named by email or id, all or none; an email Baton has not seen
 * becomes a new lead, so every lead gets in. An unknown lead id refuses the whole request.
 */
async function captureActivities(
  db: Database,
  activities: ActivitiesRequest["activities"],
  context: CaptureContext,
): Promise<CaptureLeadResult[]> {
  const ids = [...new Set(activities.flatMap((a) => (a.email ? [] : [a.leadId!])))];
  const known = await db.prisma.lead.findMany({
    where: { id: { in: ids } },
    select: { id: true, email: true },
  });
  const emailOf = new Map(known.map((lead) => [lead.id, lead.email]));
  const unknown = activities.flatMap((a, i) =>
    !a.email && !emailOf.has(a.leadId!)
      ? [{ path: `activities.${i}.leadId`, message: "no lead has this id", code: "not_found" }]
      : [],
  );
  if (unknown.length > 0) {
    throw new AppError("unprocessable", "Some activities name leads that do not exist.", {
      details: unknown,
    });
  }
  const byEmail = new Map<string, LeadRequest>();
  for (const { email, leadId, ...activity } of activities) {
    const address = email ?? emailOf.get(leadId!)!;
    const request = byEmail.get(address) ?? {
      ...leadRequestSchema.parse({ email: address }),
      activities: [],
    };
    request.activities!.push(activity);
    byEmail.set(address, request);
  }
  return captureLeads(db, [...byEmail.values()], context);
}

function sameActor(a: Actor, b: Actor): boolean {
  return a.type === b.type && a.id === b.id;
}
