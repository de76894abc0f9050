// What HubSpot sends Baton, read into plain data:
// - a workflow's "Send a webhook" action: the enrolled contact as JSON. Depending on the
//   workflow editor and the action's settings the contact comes with its properties as
//   `properties: {name: value}` (the CRM API's shape), as the legacy contact shape
//   (`vid` and `properties: {name: {value}}`), or flat at the top level (a customized body);
//   the record id is `objectId`, `id`, `vid` or the `hs_object_id` property.
// - the Webhooks API: a JSON array of events (`subscriptionType`, `objectId`, `eventId`, ...),
//   ids only.
import { z } from "zod";
import type { FieldIssue, HubSpotContact } from "#src/crm/hubspot/contact-mapping.ts";

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const propertyValue = z.union([scalar, z.object({ value: scalar }).loose()]);
const recordId = z.union([
  z.string().regex(/^\d{1,20}$/, "must be a HubSpot record id (digits)"),
  z.number().int().positive(),
]);

const ID_KEYS = ["objectId", "id", "vid", "canonical-vid", "hs_object_id"] as const;
const ENVELOPE_KEYS = new Set<string>([
  ...ID_KEYS,
  "properties",
  "portal-id",
  "portalId",
  "identity-profiles",
  "form-submissions",
  "list-memberships",
  "merged-vids",
  "is-contact",
  "profile-url",
  "profile-token",
  "createdAt",
  "updatedAt",
  "archived",
  "associations",
]);

export type Parsed<T> = { ok: true; value: T } | { ok: false; issues: FieldIssue[] };

/** The contact a workflow's "Send a webhook" action sent, in any of its shapes. */
export function contactFromWorkflow(body: unknown): Parsed<HubSpotContact> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return failed("", "must be the contact as a JSON object (the workflow's Send a webhook body)");
  }
  const object = body as Record<string, unknown>;
  const source =
    typeof object.properties === "object" && object.properties !== null
      ? (object.properties as Record<string, unknown>)
      : Object.fromEntries(Object.entries(object).filter(([k]) => !ENVELOPE_KEYS.has(k)));
  const prefix = source === object.properties ? "properties." : "";
  const properties: HubSpotContact["properties"] = {};
  const issues: FieldIssue[] = [];
  for (const [name, value] of Object.entries(source)) {
    const parsed = propertyValue.safeParse(value);
    if (!parsed.success) {
      issues.push(issue(`${prefix}${name}`, "must be a property value (text, number or null)"));
      continue;
    }
    const raw =
      typeof parsed.data === "object" && parsed.data !== null ? parsed.data.value : parsed.data;
    properties[name] = raw === null ? null : String(raw);
  }
  const id = idOf(object, properties);
  if (!id.ok) issues.push(...id.issues);
  if (issues.length > 0 || !id.ok) return { ok: false, issues };
  return { ok: true, value: { id: id.value, properties } };
}

function idOf(
  object: Record<string, unknown>,
  properties: HubSpotContact["properties"],
): Parsed<string> {
  for (const key of ID_KEYS) {
    const value = object[key] ?? (key === "hs_object_id" ? properties.hs_object_id : undefined);
    if (value === undefined || value === null) continue;
    const parsed = recordId.safeParse(value);
    if (!parsed.success) return failed(key, parsed.error.issues[0]!.message);
    return { ok: true, value: String(parsed.data) };
  }
  return failed(
    "objectId",
    "is required: the contact's record id (include objectId, or the Record ID property hs_object_id, in the webhook body)",
  );
}

const webhookEvent = z
  .object({
    eventId: z.union([z.number(), z.string()]),
    subscriptionType: z.string().min(1),
    objectId: recordId,
    occurredAt: z.number().optional(),
    propertyName: z.string().optional(),
    propertyValue: z.string().optional(),
    portalId: z.number().optional(),
    attemptNumber: z.number().optional(),
  })
  .loose();

export type WebhookEvent = z.infer<typeof webhookEvent>;

export const webhookBatchSchema = z
  .array(webhookEvent, { message: "must be a JSON array of webhook events" })
  .min(1, "must have at least one event")
  .max(1000, "must have at most 1000 events");

function failed(path: string, message: string): { ok: false; issues: FieldIssue[] } {
  return { ok: false, issues: [issue(path, message)] };
}

function issue(path: string, message: string): FieldIssue {
  return { path, message, code: "invalid_value" };
}
