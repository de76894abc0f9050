// Outbox handlers that talk to Salesforce (docs/integrations/salesforce.md): owners, statuses
// and reasons on Leads, touches as Tasks, conversions' amounts. How failures are retried, held
// or kept as DEAD: salesforce-calls.ts.
import type { Deps } from "#src/context.ts";
import { convertSalesforceLead } from "#src/crm/salesforce/conversions.ts";
import {
  type LeadUpdate,
  SALESFORCE_BATCH_SIZE,
  type SalesforceApi,
} from "#src/crm/salesforce/salesforce-api.ts";
import { TOUCH_KINDS, type TouchKind } from "#src/domain/touch.ts";
import {
  createOnce,
  deliverUpdate,
  groupedUpdates,
  type RecordUpdates,
  reportToAdminsOnce,
} from "#src/outbox/crm-calls.ts";
import type { Handlers, Payload } from "#src/outbox/messages.ts";
import type { OutboxRow } from "#src/outbox/outbox-store.ts";
import type { GroupDelivery } from "#src/outbox/outbox-worker.ts";
import { counted, type SalesforceConnection } from "#src/outbox/salesforce-calls.ts";
import { salesforceNoUserAlert } from "#src/slack/blocks/crm-alerts.ts";

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
    "salesforce.task": async (payload, row) => {
      if (!connection) return unset;
      return createTask(deps, connection, payload, row);
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

/**
 * The touch (with the rep's note) as a completed Task on the Lead, owned by the rep; created once
 * (createOnce): a retry first looks for the Task by its subject, which names the touch.
 */
async function createTask(
  deps: Deps,
  connection: SalesforceConnection,
  payload: Payload<"salesforce.task">,
  row: Pick<OutboxRow, "attempts">,
) {
  const whoId = (await salesforceIds(deps, [payload.leadId])).get(payload.leadId);
  if (!whoId) return { skipped: "the lead is not a Salesforce Lead" };
  const kind = TOUCH_KINDS[payload.kind as TouchKind] ?? payload.kind;
  const subject = `${kind} (logged in Baton, touch ${payload.touch})`;
  const { api } = connection;
  const created = await createOnce(deps, {
    key: `salesforce:touch:${payload.leadId}:${payload.touch}`,
    crm: "salesforce",
    attempts: row.attempts,
    find: () => counted(deps, "find_task", () => api.findTask(whoId, subject)),
    create: async () => {
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
      const ownerId = await userOf(deps, connection, payload.by);
      const at = event?.createdAt ?? deps.clock.now();
      return counted(deps, "create_task", () =>
        api.createTask({
          whoId,
          subject,
          description:
            typeof note === "string" && note ? note : `${kind} logged in Baton, no note.`,
          activityDate: at.toISOString().slice(0, 10),
          ownerId,
          taskSubtype: SUBTYPE[payload.kind as TouchKind] ?? "Task",
        }),
      );
    },
  });
  if (!created) return { skipped: "the Lead is no longer in Salesforce" };
  if (created.known) return { skipped: "already in Salesforce", taskId: created.id };
  return { taskId: created.id, ...(created.adopted && { adopted: true }) };
}
