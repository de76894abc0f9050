// Outbox handlers that talk to Salesforce (docs/integrations/salesforce.md). A failure
// Salesforce may recover from is retried: the org's API request limit used up
// (REQUEST_LIMIT_EXCEEDED) holds every Salesforce message for a while; a session jsforce could
// not renew (INVALID_SESSION_ID), Salesforce's side or the network retry with backoff and tell
// the admins once; anything else can never succeed and is kept as DEAD with the reason.
import type { Deps } from "#src/context.ts";
import type { OwnerDirectory } from "#src/crm/owner-directory.ts";
import { convertSalesforceLead } from "#src/crm/salesforce/conversions.ts";
import {
  type LeadUpdate,
  SALESFORCE_BATCH_SIZE,
  type SalesforceApi,
  SalesforceError,
} from "#src/crm/salesforce/salesforce-api.ts";
import { TOUCH_KINDS, type TouchKind } from "#src/domain/touch.ts";
import {
  type CrmCalls,
  countedCall,
  deliverUpdate,
  groupedUpdates,
  type RecordUpdates,
  reportToAdminsOnce,
} from "#src/outbox/crm-calls.ts";
import type { Handlers, Payload } from "#src/outbox/messages.ts";
import type { GroupDelivery } from "#src/outbox/outbox-worker.ts";
import {
  salesforceNoUserAlert,
  salesforceUnauthorizedAlert,
} from "#src/slack/blocks/crm-alerts.ts";

export interface SalesforceConnection {
  api: SalesforceApi;
  users: OwnerDirectory;
}

/**
 * REQUEST_LIMIT_EXCEEDED: the org's daily API allowance (a rolling 24 hours) is spent, or too
 * many long calls run at once. Salesforce gives no Retry-After; a quarter of an hour lets the
 * window roll on without a stream of refused calls eating what frees up.
 */
const REQUEST_LIMIT_WAIT_MS = 15 * 60_000;

const SALESFORCE_CALLS: CrmCalls = {
  crm: "salesforce",
  classify(error) {
    if (!(error instanceof SalesforceError)) return undefined;
    if (error.rateLimited) return { outcome: "rate_limited", waitMs: REQUEST_LIMIT_WAIT_MS };
    if (error.unauthorized) {
      return {
        outcome: "unauthorized",
        unauthorized: {
          log: "Salesforce refused Baton's credentials: check SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET and SALESFORCE_LOGIN_URL (and the flow's user or token); Salesforce work is kept and retried",
          alert: salesforceUnauthorizedAlert(error.errorCode),
        },
      };
    }
    return { outcome: error.retryable ? "unavailable" : "refused" };
  },
};

function counted<T>(deps: Deps, operation: string, call: () => Promise<T>): Promise<T> {
  return countedCall(deps, SALESFORCE_CALLS, operation, call);
}

export function salesforceHandlers(
  deps: Deps,
  connection: SalesforceConnection | undefined,
): Handlers {
  const unset = { skipped: "Salesforce credentials (SALESFORCE_CLIENT_ID...) are not set" };
  return {
    "salesforce.update": async (payload) => {
      if (!connection) return unset;
      const plan = await deliverUpdate(leadUpdates(deps, connection), payload);
      if (!plan || "skipped" in plan) return plan;
      return { leadId: plan.id, fields: Object.keys(plan.fields) };
    },
    "salesforce.task": async (payload) => {
      if (!connection) return unset;
      return createTask(deps, connection, payload);
    },
    "salesforce.convert": async ({ leadId, opportunityId }) => {
      const amount =
        connection && opportunityId
          ? await counted(deps, "read_opportunity", () =>
              connection.api.opportunityAmount(opportunityId),
            )
          : undefined;
      return convertSalesforceLead(deps, leadId, { id: opportunityId, amount });
    },
  };
}

/** Many leads' updates in one sObject Collections call of up to 200 Leads (see groupedUpdates). */
export function salesforceBatch(
  deps: Deps,
  connection: SalesforceConnection | undefined,
): GroupDelivery {
  return groupedUpdates(leadUpdates(deps, connection));
}

function leadUpdates(
  deps: Deps,
  connection: SalesforceConnection | undefined,
): RecordUpdates<"salesforce.update", LeadUpdate> {
  return {
    kind: "salesforce.update",
    batchSize: SALESFORCE_BATCH_SIZE,
    connected: connection !== undefined,
    plan: (payloads) => planUpdates(deps, connection!, payloads),
    write: (writes) => writeUpdates(deps, connection!, writes),
  };
}

/** The Salesforce Lead ids of Baton's leads (those that came from Salesforce). */
async function salesforceIds(deps: Deps, leadIds: string[]): Promise<Map<string, string>> {
  const leads = await deps.db.prisma.lead.findMany({
    where: { id: { in: leadIds } },
    select: { id: true, externalIds: true },
  });
  const ids = new Map<string, string>();
  for (const lead of leads) {
    const id = (lead.externalIds as Record<string, unknown>).salesforce;
    if (typeof id === "string") ids.set(lead.id, id);
  }
  return ids;
}

/** The rep's Salesforce User id, or undefined (told to the admins once). */
async function userOf(deps: Deps, { users }: SalesforceConnection, slackUser: string) {
  const match = await counted(deps, "find_user", () => users.ownerOf(slackUser));
  if ("ownerId" in match) return match.ownerId;
  await reportToAdminsOnce(
    deps,
    `salesforce:no-user:${slackUser}`,
    salesforceNoUserAlert(slackUser, match.missing),
  );
  return undefined;
}

/** What each payload writes to which Lead (in payload order), or why it writes nothing. */
async function planUpdates(
  deps: Deps,
  connection: SalesforceConnection,
  payloads: Payload<"salesforce.update">[],
): Promise<(LeadUpdate | { skipped: string })[]> {
  const ids = await salesforceIds(
    deps,
    payloads.map((p) => p.leadId),
  );
  const settings = deps.playbook.current.crm.salesforce;
  const plans: (LeadUpdate | { skipped: string })[] = [];
  for (const payload of payloads) {
    const id = ids.get(payload.leadId);
    if (!id) {
      plans.push({ skipped: "the lead is not a Salesforce Lead" });
      continue;
    }
    const fields: Record<string, string> = {};
    const owner = payload.owner && (await userOf(deps, connection, payload.owner));
    if (owner) fields.OwnerId = owner;
    const status = payload.status && settings.leadStatus[payload.status];
    if (status) {
      fields.Status = status;
      if (settings.reasonField && payload.reason) fields[settings.reasonField] = payload.reason;
    }
    plans.push(Object.keys(fields).length > 0 ? { id, fields } : { skipped: "nothing to write" });
  }
  return plans;
}

/** One sObject Collections call; two updates of one Lead in it are merged, the later winning. */
async function writeUpdates(deps: Deps, { api }: SalesforceConnection, updates: LeadUpdate[]) {
  if (updates.length === 0) return;
  const merged = new Map<string, Record<string, string>>();
  for (const u of updates) merged.set(u.id, { ...merged.get(u.id), ...u.fields });
  const records = [...merged].map(([id, fields]) => ({ id, fields }));
  const { gone } = await counted(deps, "update_leads", () => api.updateLeads(records));
  if (gone.length > 0)
    deps.logger.info({ leads: gone.length }, "Salesforce Leads deleted: not updated");
}

const SUBTYPE: Partial<Record<TouchKind, "Call" | "Email">> = { call: "Call", email: "Email" };

/** The touch (with the rep's note) as a completed Task on the Lead, owned by the rep. */
async function createTask(
  deps: Deps,
  connection: SalesforceConnection,
  payload: Payload<"salesforce.task">,
) {
  const whoId = (await salesforceIds(deps, [payload.leadId])).get(payload.leadId);
  if (!whoId) return { skipped: "the lead is not a Salesforce Lead" };
  const event = await deps.db.prisma.leadEvent.findFirst({
    where: {
      leadId: payload.leadId,
      type: "touch_logged",
      data: { path: ["touch"], equals: payload.touch },
    },
    select: { createdAt: true, data: true },
    orderBy: { createdAt: "desc" },
  });
  const note = (event?.data as { note?: unknown } | undefined)?.note;
  const kind = TOUCH_KINDS[payload.kind as TouchKind] ?? payload.kind;
  const ownerId = await userOf(deps, connection, payload.by);
  const at = event?.createdAt ?? deps.clock.now();
  const id = await counted(deps, "create_task", () =>
    connection.api.createTask({
      whoId,
      subject: `${kind} (logged in Baton)`,
      description: typeof note === "string" && note ? note : `${kind} logged in Baton, no note.`,
      activityDate: at.toISOString().slice(0, 10),
      ownerId,
      taskSubtype: SUBTYPE[payload.kind as TouchKind] ?? "Task",
    }),
  );
  return id ? { taskId: id } : { skipped: "the Lead is no longer in Salesforce" };
}
