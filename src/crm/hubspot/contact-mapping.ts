// A HubSpot contact as Baton's lead request: the playbook's field mapping (crm.hubspot) over
// HubSpot's standard properties, its conversions (form submissions) as activities, its record
// id as the lead's external id. Pure: the routes and the outbox handler call it.
//
// HubSpot lets people type almost anything into optional properties (a website without
// https://, "50-100" employees): such a value is converted where it can be, and otherwise kept
// on the lead as an attribute rather than refusing the lead, which HubSpot would not resend.
// Only what makes a lead (its record id and a valid email) refuses the request, naming the field.
import {
  clean,
  type FieldIssue,
  type Mapped,
  mapRecord,
  validateLead,
} from "#src/crm/record-mapping.ts";
import {
  DEFAULT_HUBSPOT_FIELDS,
  type HubSpotLeadField,
  type HubSpotSettings,
} from "#src/playbook/crm-schema.ts";

export type { FieldIssue, Mapped };

/** A contact as HubSpot's CRM API returns it: its id and its properties as text. */
export interface HubSpotContact {
  id: string;
  properties: Record<string, string | null | undefined>;
}

/** Conversion properties: the most recent and the first form a contact submitted. */
const CONVERSIONS = [
  { name: "recent_conversion_event_name", date: "recent_conversion_date" },
  { name: "first_conversion_event_name", date: "first_conversion_date" },
] as const;

/** Read for every contact, whatever the mapping: conversions, stage, form submission count. */
const ALWAYS_READ = [
  ...CONVERSIONS.flatMap((c) => [c.name, c.date]),
  "num_conversion_events",
  "lifecyclestage",
  "hs_lead_status",
  "hubspot_owner_id",
];

/** Lead field → contact property, the playbook's over the defaults. */
export function fieldMap(settings: HubSpotSettings): Partial<Record<HubSpotLeadField, string>> {
  return { ...DEFAULT_HUBSPOT_FIELDS, ...settings.fields };
}

/** The properties to ask HubSpot for when fetching a contact by id. */
export function propertiesToRead(settings: HubSpotSettings): string[] {
  const mapped = Object.values(fieldMap(settings)).filter((p): p is string => Boolean(p));
  return [...new Set([...mapped, ...ALWAYS_READ, ...settings.attributes])];
}

/** The contact's lead request, or the issues (by HubSpot property) that refuse it. */
export function contactToLead(contact: HubSpotContact, settings: HubSpotSettings): Mapped {
  const props = contact.properties;
  const map = fieldMap(settings);
  const { fields, attributes } = mapRecord(props, {
    map,
    attributes: settings.attributes,
    convert: (field, value) => (field === "source" ? humanSource(value) : value),
  });
  const stage = clean(props.lifecyclestage);
  if (stage) attributes.hubspotLifecycleStage = stage;
  const submissions = Number(clean(props.num_conversion_events));
  if (Number.isFinite(submissions) && submissions > 0)
    attributes.hubspotFormSubmissions = submissions;

  const raw = {
    ...fields,
    externalIds: { hubspot: contact.id },
    attributes,
    activities: conversions(contact, settings),
  };
  return validateLead(raw, map, {
    field: (property) => `properties.${property}`,
    emailRequired:
      "is required: the contact's email address (map another property with crm.hubspot.fields.email)",
  });
}

/** Each conversion (form submission) with a date, once per contact and date. */
function conversions(contact: HubSpotContact, settings: HubSpotSettings) {
  const seen = new Set<number>();
  const activities: Record<string, unknown>[] = [];
  for (const conversion of CONVERSIONS) {
    const name = clean(contact.properties[conversion.name]);
    const at = parseHubSpotDate(clean(contact.properties[conversion.date]));
    if (!name || !at || seen.has(at.getTime())) continue;
    seen.add(at.getTime());
    const lower = name.toLowerCase();
    const handRaise = settings.demoRequestForms.some((f) => lower.includes(f.toLowerCase()));
    activities.push({
      type: handRaise ? "demo_request" : "form_submit",
      occurredAt: at.toISOString(),
      title: name.slice(0, 500),
      source: "HubSpot",
      externalId: `hubspot:${contact.id}:conversion:${at.getTime()}`,
    });
  }
  return activities;
}

/** HubSpot dates: ISO 8601 in the v3 API, milliseconds since the epoch in workflow payloads. */
export function parseHubSpotDate(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const date = /^\d{10,}$/.test(value) ? new Date(Number(value)) : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** hs_analytics_source's values ("ORGANIC_SEARCH") as people say them ("Organic search"). */
function humanSource(value: string): string {
  if (!/^[A-Z_]+$/.test(value)) return value;
  const words = value.toLowerCase().replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}
