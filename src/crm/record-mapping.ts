// A CRM record (a HubSpot contact, a Salesforce lead) as Baton's lead request: the playbook's
// field mapping over the record's values (text), each converted to what the intake expects,
// then validated by the intake's own schema. Shared by every CRM connector; pure.
//
// CRMs let people type almost anything into optional fields (a website without https://,
// "50-100" employees): such a value is converted where it can be, and otherwise kept on the
// lead as an attribute rather than refusing the lead, which the CRM would not resend. Only what
// makes a lead (a valid email, a broken activity) refuses the request, naming the CRM's field.
import type { z } from "zod";
import { parseCountry } from "#src/import/value-formats.ts";
import { type LeadRequest, leadRequestSchema } from "#src/intake/schemas.ts";
import { CRM_LEAD_FIELDS, type CrmLeadField } from "#src/playbook/crm-schema.ts";

export interface FieldIssue {
  path: string;
  message: string;
  code: string;
}

export type Mapped = { ok: true; request: LeadRequest } | { ok: false; issues: FieldIssue[] };

export type FieldMap = Partial<Record<CrmLeadField, string>>;

/** A record's values by the CRM's field names (as text; empty or missing is no value). */
export type RecordValues = Record<string, string | null | undefined>;

export interface RecordMapping {
  /** Lead field → the CRM's field name. */
  map: FieldMap;
  /** CRM fields kept on the lead as attributes, under their own name. */
  attributes: readonly string[];
  /** A CRM's own reading of a value (its source codes, say), before the common conversions. */
  convert?: (field: CrmLeadField, value: string) => string;
}

/** The lead fields and attributes a record's values fill, converted but not yet validated. */
export function mapRecord(values: RecordValues, mapping: RecordMapping) {
  const fields: Record<string, unknown> = {};
  const attributes: Record<string, string | number> = {};
  for (const field of CRM_LEAD_FIELDS) {
    const name = mapping.map[field];
    const value = name ? clean(values[name]) : undefined;
    if (value === undefined) continue;
    fields[field] = convertValue(field, mapping.convert ? mapping.convert(field, value) : value);
  }
  for (const name of mapping.attributes) {
    const value = clean(values[name]);
    if (value !== undefined) attributes[name] = value;
  }
  return { fields, attributes };
}

export interface Naming {
  /** How an issue's path names a mapped field: "properties.jobtitle", "Lead.Title". */
  field: (name: string) => string;
  /** What a missing email says: which field to map instead. */
  emailRequired: string;
}

/**
 * Validates the request; an optional field the CRM holds in a form Baton cannot read is kept as
 * an attribute instead. The email (and a broken activity) refuse the request.
 */
export function validateLead(raw: Record<string, unknown>, map: FieldMap, naming: Naming): Mapped {
  const attributes = (raw.attributes ?? {}) as Record<string, unknown>;
  raw.attributes = attributes;
  let result = leadRequestSchema.safeParse(raw);
  for (let pass = 0; pass < 2 && !result.success; pass++) {
    const movable = result.error.issues.filter((issue) => isOptionalField(issue.path[0]));
    if (movable.length === 0 || movable.length < result.error.issues.length) break;
    for (const issue of movable) {
      const field = issue.path[0] as CrmLeadField;
      attributes[map[field] ?? field] = String(raw[field]).slice(0, 2000);
      delete raw[field];
    }
    result = leadRequestSchema.safeParse(raw);
  }
  if (result.success) return { ok: true, request: result.data };
  return { ok: false, issues: result.error.issues.map((i) => issueOf(i, map, naming)) };
}

function isOptionalField(key: PropertyKey | undefined): boolean {
  return (
    typeof key === "string" &&
    key !== "email" &&
    (CRM_LEAD_FIELDS as readonly string[]).includes(key)
  );
}

/** A validation issue named by the CRM field it came from. */
function issueOf(issue: z.core.$ZodIssue, map: FieldMap, naming: Naming): FieldIssue {
  const [head, ...rest] = issue.path.map(String);
  const name = map[head as CrmLeadField];
  const path = name ? naming.field(name) : [head, ...rest].join(".");
  const message =
    head === "email" && issue.code === "invalid_type" ? naming.emailRequired : issue.message;
  return { path, message, code: issue.code };
}

export function clean(value: string | null | undefined): string | undefined {
  const text = value?.trim();
  return text ? text : undefined;
}

function convertValue(field: CrmLeadField, value: string): unknown {
  switch (field) {
    case "companySize":
      return companySize(value) ?? value;
    case "country":
      return parseCountry(value);
    case "website":
    case "linkedinUrl":
      return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `https://${value}`;
    default:
      return value;
  }
}

/** "250", "1,000", "250.0" (a SOAP double), or a band ("25-50", "1000+"): the band's floor. */
function companySize(value: string): number | undefined {
  const band = /^(\d[\d,]*)(?:\.0+)?\s*(?:[-–]\s*\d[\d,]*|\+)?$/.exec(value);
  return band ? Number(band[1]!.replace(/,/g, "")) : undefined;
}
