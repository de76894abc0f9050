// What every CRM connector's outbox handlers share: each call counted in /metrics by CRM,
// operation and outcome; a failure turned into the outbox's terms (retry after the CRM's wait
// holding every message to that CRM, retry with backoff, or never: DEAD with the reason); and
// problems a person must fix told to the admins once, never once per lead.
import type { Deps } from "#src/context.ts";
import {
  enqueueAll,
  type MessageKind,
  message,
  type Payload,
  parsePayload,
} from "#src/outbox/messages.ts";
import { type GroupDelivery, RetryLater, Undeliverable } from "#src/outbox/outbox-worker.ts";

/** How a CRM's error reads to the outbox. */
export interface CrmFailure {
  outcome: "rate_limited" | "unauthorized" | "unavailable" | "refused";
  /** Rate limited: how long to hold every message to this CRM. */
  waitMs?: number;
  /** Logged, then told to the admins once a day (credentials to fix). */
  unauthorized?: { log: string; alert: { text: string } };
}

export interface CrmCalls {
  /** "hubspot", "salesforce": the metrics label and the admin alerts' dedupe prefix. */
  crm: string;
  /** The CRM's failure, or undefined for an error that is not the CRM's (a bug: counted, rethrown). */
  classify(error: unknown): CrmFailure | undefined;
}

/** Runs one CRM call, counts it, and turns its failure into the outbox's terms. */
export async function countedCall<T>(
  deps: Deps,
  crm: CrmCalls,
  operation: string,
  call: () => Promise<T>,
): Promise<T> {
  const count = (outcome: string) =>
    deps.metrics.crmRequests.inc({ crm: crm.crm, operation, outcome });
  try {
    const result = await call();
    count("ok");
    return result;
  } catch (error) {
    const failure = crm.classify(error);
    if (!failure) {
      count("error");
      throw error;
    }
    count(failure.outcome);
    const why = error instanceof Error ? error.message : String(error);
    if (failure.outcome === "rate_limited") throw new RetryLater(why, failure.waitMs, true);
    if (failure.unauthorized) {
      deps.logger.error({ crm: crm.crm, operation }, failure.unauthorized.log);
      // One alert a day while the credentials stay refused, not one per lead.
      const day = deps.clock.now().toISOString().slice(0, 10);
      await reportToAdminsOnce(deps, `${crm.crm}:unauthorized:${day}`, failure.unauthorized.alert);
    }
    if (failure.outcome === "refused") throw new Undeliverable(why);
    throw new RetryLater(why);
  }
}

/**
 * Tells each admin (playbook `admins`) once: the DM's dedupe key makes a second report of the
 * same problem write nothing, whichever replica or lead finds it.
 */
export async function reportToAdminsOnce(
  deps: Deps,
  problem: string,
  alert: { text: string },
): Promise<void> {
  const now = deps.clock.now();
  const rows = deps.playbook.current.admins.map((admin) =>
    message(
      "slack.dm",
      { user: admin, text: alert.text },
      { now, target: `dm:${admin}`, dedupeKey: `${problem}:${admin}` },
    ),
  );
  if (rows.length === 0) {
    deps.logger.warn({ problem }, "CRM sync problem, and the playbook names no admins to tell");
    return;
  }
  await enqueueAll(deps.db.prisma, rows);
  deps.wakeOutbox?.();
}

/** What a CRM's record updates need to go out one by one, or many in one batch call. */
export interface RecordUpdates<K extends MessageKind, W> {
  kind: K;
  /** The most records the CRM's batch endpoint takes in one call. */
  batchSize: number;
  /** The CRM is configured: grouping on. */
  connected: boolean;
  /** What each payload writes (in payload order), or why it writes nothing. */
  plan(payloads: Payload<K>[]): Promise<(W | { skipped: string })[]>;
  /** One batch call. */
  write(writes: W[]): Promise<void>;
}

/** Delivers one update: its plan, then its write. */
export async function deliverUpdate<K extends MessageKind, W>(
  updates: RecordUpdates<K, W>,
  payload: Payload<K>,
): Promise<W | { skipped: string } | undefined> {
  const [plan] = await updates.plan([payload]);
  if (!plan || isSkipped(plan)) return plan;
  await updates.write([plan]);
  return plan;
}

/**
 * Updates due for many leads at once (a burst of claims) go to the CRM in one batch call: the
 * outbox leases at most one message per lead into a group, so each lead's updates still arrive
 * in order.
 */
export function groupedUpdates<K extends MessageKind, W>(
  updates: RecordUpdates<K, W>,
): GroupDelivery {
  return {
    kind: updates.kind,
    threshold: () => (updates.connected ? 2 : 0),
    max: updates.batchSize,
    partSize: updates.batchSize,
    deliver: async (part) => {
      const payloads = part.map((row) => {
        const parsed = parsePayload(updates.kind, row.payload);
        if (!parsed.success)
          throw new Undeliverable(`a ${updates.kind} that does not fit the contract`);
        return parsed.data;
      });
      const plans = await updates.plan(payloads);
      const writes = plans.filter((p): p is W => !isSkipped(p));
      await updates.write(writes);
      return { records: writes.length, skipped: plans.length - writes.length };
    },
  };
}

function isSkipped(plan: unknown): plan is { skipped: string } {
  return typeof plan === "object" && plan !== null && "skipped" in plan;
}

/** How to create one CRM record that stands for one of Baton's (a touch), and find it again. */
export interface RecordOnce {
  /** What the record stands for: "hubspot:touch:<leadId>:<touch number>". */
  key: string;
  crm: string;
  /** The outbox row's attempts: a retry first looks for what an earlier attempt created. */
  attempts: number;
  /** The record an earlier attempt created, if the CRM has it. */
  find: () => Promise<string | undefined>;
  /** Creates it; undefined when the CRM has nothing to attach it to any more. */
  create: () => Promise<string | undefined>;
}

/**
 * Creates the record at most once, though the CRM's create endpoints take no idempotency key:
 * the id the CRM returns is stored (CrmRecord) under what it stands for, and a delivery that
 * finds it creates nothing. A retry whose earlier attempt may have reached the CRM without Baton
 * hearing back (a timeout, a crash) first looks for it in the CRM, and adopts it.
 */
export async function createOnce(
  deps: Deps,
  record: RecordOnce,
): Promise<{ id: string; known?: true; adopted?: true } | undefined> {
  const { prisma } = deps.db;
  const known = await prisma.crmRecord.findUnique({ where: { key: record.key } });
  if (known) return { id: known.objectId, known: true };
  const found = record.attempts > 1 ? await record.find() : undefined;
  const id = found ?? (await record.create());
  if (!id) return undefined;
  await prisma.crmRecord.createMany({
    data: [{ key: record.key, crm: record.crm, objectId: id, createdAt: deps.clock.now() }],
    skipDuplicates: true,
  });
  return { id, ...(found && { adopted: true as const }) };
}
