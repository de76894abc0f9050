// A touch a rep logs in Slack, logged on the lead's HubSpot contact: a call as a call
// engagement, any other kind as a note, with the rep's note, owned by the rep's HubSpot owner,
// at the time it was logged. In order with the lead's other HubSpot updates (its ordering key).
//
// Created once however often it is delivered (createOnce): a retry first searches the
// contact's engagements for one at the touch's exact time, and adopts it.
import type { Deps } from "#src/context.ts";
import type { EngagementInput } from "#src/crm/hubspot/hubspot-api.ts";
import { TOUCH_KINDS, type TouchKind } from "#src/domain/touch.ts";
import { createOnce, reportToAdminsOnce } from "#src/outbox/crm-calls.ts";
import { counted, type HubSpotConnection } from "#src/outbox/hubspot-calls.ts";
import type { Payload } from "#src/outbox/messages.ts";
import type { OutboxRow } from "#src/outbox/outbox-store.ts";
import { hubspotNoOwnerAlert } from "#src/slack/blocks/crm-alerts.ts";

/** HubSpot's limit on hs_note_body and hs_call_body. */
const BODY_LIMIT = 65_536;

export async function logEngagement(
  deps: Deps,
  { api, owners }: HubSpotConnection,
  payload: Payload<"hubspot.engagement">,
  row: Pick<OutboxRow, "attempts">,
) {
  const lead = await deps.db.prisma.lead.findUnique({
    where: { id: payload.leadId },
    select: { externalIds: true },
  });
  const contactId = (lead?.externalIds as Record<string, unknown> | undefined)?.hubspot;
  if (typeof contactId !== "string") return { skipped: "the lead is not a HubSpot contact" };

  const kind: EngagementInput["kind"] = payload.kind === "call" ? "call" : "note";
  const timestamp = new Date(payload.at);
  const created = await createOnce(deps, {
    key: `hubspot:touch:${payload.leadId}:${payload.touch}`,
    crm: "hubspot",
    attempts: row.attempts,
    find: () =>
      counted(deps, "find_engagement", () => api.findEngagement({ kind, contactId, timestamp })),
    create: async () => {
      const owner = await counted(deps, "find_owner", () => owners.ownerOf(payload.by));
      if (!("ownerId" in owner)) {
        await reportToAdminsOnce(
          deps,
          `hubspot:no-owner:${payload.by}`,
          hubspotNoOwnerAlert(payload.by, owner.missing),
        );
      }
      const input: EngagementInput = {
        kind,
        contactId,
        ownerId: "ownerId" in owner ? owner.ownerId : undefined,
        timestamp,
        body: await bodyOf(deps, payload),
        title: `${label(payload.kind)} logged in Slack`,
      };
      return counted(deps, `create_${kind}`, () => api.createEngagement(input));
    },
  });
  if (created?.known) return { skipped: "already in HubSpot", engagement: created.id };
  return { engagement: created!.id, kind, ...(created?.adopted && { adopted: true }) };
}

/** "Email logged in Slack by Priya Shah: left a voicemail", HTML-escaped (HubSpot renders it). */
async function bodyOf(deps: Deps, payload: Payload<"hubspot.engagement">): Promise<string> {
  const { prisma } = deps.db;
  const [rep, event] = await Promise.all([
    prisma.rep.findUnique({ where: { slackUserId: payload.by }, select: { name: true } }),
    prisma.leadEvent.findFirst({
      where: {
        leadId: payload.leadId,
        type: "touch_logged",
        data: { path: ["touch"], equals: payload.touch },
      },
      select: { data: true },
    }),
  ]);
  const note = (event?.data as { note?: unknown } | null)?.note;
  const who = rep?.name ?? "a rep";
  const head = `${label(payload.kind)} logged in Slack by ${who}`;
  const text = typeof note === "string" && note.trim() ? `${head}: ${note.trim()}` : head;
  return escapeHtml(text).slice(0, BODY_LIMIT);
}

function label(kind: string): string {
  return TOUCH_KINDS[kind as TouchKind] ?? "Touch";
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
