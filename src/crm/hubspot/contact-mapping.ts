// A HubSpot contact as Baton's lead request: the playbook's field mapping (crm.hubspot) over
// HubSpot's standard properties, its conversions (form submissions) as activities, its record
// id as the lead's external id. Pure: the routes and the outbox handler call it.
//
// HubSpot lets people type almost anything into optional properties (a website without
// https://, "50-100" employees): such a value is converted where it can be, and otherwise kept
// on the lead as an attribute rather than refusing the lead, which HubSpot would not resend.
// Only what makes a lead (its record id and a valid email) refuses the request, naming the field.
import type { z } from "zod";
import { parseCountry } from "#src/import/value-formats.ts";
import { type LeadRequest, leadRequestSchema } from "#src/intake/schemas.ts";
import {
  DEFAULT_HUBSPOT_FIELDS,
  HUBSPOT_LEAD_FIELDS,
  type HubSpotLeadField,
  type HubSpotSettings,
} from "#src/playbook/crm-schema.ts";

/** A contact as HubSpot's CRM API returns it: its id and its properties as text. */
export interface HubSpotContact {
  id: string;
  properties: Record<string, string | null | undefined>;
}

export interface FieldIssue {
  path: string;
  message: string;
  code: string;
}

export type Mapped = { ok: true; request: LeadRequest } | { ok: false; issues: FieldIssue[] };

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
  const fields: Record<string, unknown> = {};
  const attributes: Record<string, string | number> = {};
  for (const field of HUBSPOT_LEAD_FIELDS) {
    const property = map[field];
    const value = property ? clean(props[property]) : undefined;
    if (property && value !== undefined) fields[field] = convert(field, value);
  }
  for (const property of settings.attributes) {
    const value = clean(props[property]);
    if (value !== undefined) attributes[property] = value;
  }
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
  return validate(raw, map);
}

/**
 * Validates the request; an optional field HubSpot holds in a form Baton cannot read is kept as
 * an attribute instead. The email (and a broken activity) refuse the request.
 */
function validate(raw: Record<string, unknown>, map: Partial<Record<HubSpotLeadField, string>>) {
  const attributes = raw.attributes as Record<string, unknown>;
  let result = leadRequestSchema.safeParse(raw);
  for (let pass = 0; pass < 2 && !result.success; pass++) {
    const movable = result.error.issues.filter((issue) => isOptionalField(issue.path[0]));
    if (movable.length === 0 || movable.length < result.error.issues.length) break;
    for (const issue of movable) {
      const field = issue.path[0] as HubSpotLeadField;
      attributes[map[field] ?? field] = String(raw[field]).slice(0, 2000);
      delete raw[field];
    }
    result = leadRequestSchema.safeParse(raw);
  }
  if (result.success) return { ok: true as const, request: result.data };
  return { ok: false as const, issues: result.error.issues.map((i) => issueOf(i, map)) };
}

function isOptionalField(key: PropertyKey | undefined): boolean {
  return (
    typeof key === "string" &&
    key !== "email" &&
    (HUBSPOT_LEAD_FIELDS as readonly string[]).includes(key)
  );
}

/** A validation issue named by the HubSpot property it came from. */
function issueOf(
  issue: z.core.$ZodIssue,
  map: Partial<Record<HubSpotLeadField, string>>,
): FieldIssue {
  const [head, ...rest] = issue.path.map(String);
  const property = map[head as HubSpotLeadField];
  const path = property ? `properties.${property}` : [head, ...rest].join(".");
  const message =
    head === "email" && issue.code === "invalid_type"
      ? "is required: the contact's email address (map another property with crm.hubspot.fields.email)"
      : issue.message;
  return { path, message, code: issue.code };
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

function clean(value: string | null | undefined): string | undefined {
  const text = value?.trim();
  return text ? text : undefined;
}

function convert(field: HubSpotLeadField, value: string): unknown {
  switch (field) {
    case "companySize":
      return companySize(value) ?? value;
    case "country":
      return parseCountry(value);
    case "website":
    case "linkedinUrl":
      return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `https://${value}`;
    case "source":
      return humanSource(value);
    default:
      return value;
  }
}

/** numemployees: "250", "1,000", or one of HubSpot's bands ("25-50", "1000+"): the band's floor. */
function companySize(value: string): number | undefined {
  const band = /^(\d[\d,]*)\s*(?:[-–]\s*\d[\d,]*|\+)?$/.exec(value);
  return band ? Number(band[1]!.replace(/,/g, "")) : undefined;
}

/** hs_analytics_source's values ("ORGANIC_SEARCH") as people say them ("Organic search"). */
function humanSource(value: string): string {
  if (!/^[A-Z_]+$/.test(value)) return value;
  const words = value.toLowerCase().replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}
