// A Salesforce Lead (the fields an Outbound Message sends, by API name) as Baton's lead request:
// the playbook's mapping (crm.salesforce.fields) over the standard Lead fields, the Lead's id as
// the lead's external id, a LeadSource that asks for sales (crm.salesforce.demoRequestSources)
// as a hand-raise. Pure: the route and the tests call it.
import {
  clean,
  type FieldMap,
  type Mapped,
  mapRecord,
  validateLead,
} from "#src/crm/record-mapping.ts";
import type { SObjectFields } from "#src/crm/salesforce/outbound-message.ts";
import { DEFAULT_SALESFORCE_FIELDS, type SalesforceSettings } from "#src/playbook/crm-schema.ts";

/** Lead field → Lead field API name, the playbook's over the defaults. */
export function salesforceFieldMap(settings: SalesforceSettings): FieldMap {
  return { ...DEFAULT_SALESFORCE_FIELDS, ...settings.fields };
}

/** Kept on the lead whatever the mapping: what a rep reads on the card about the Lead. */
const ALWAYS_KEPT: Record<string, string> = {
  Status: "salesforceStatus",
  Rating: "salesforceRating",
  Description: "salesforceDescription",
};

/** The Lead's lead request, or the issues (by Lead field) that refuse it. */
export function salesforceLeadToRequest(
  fields: SObjectFields,
  settings: SalesforceSettings,
  at: string,
): Mapped {
  const map = salesforceFieldMap(settings);
  const id = clean(fields.Id);
  if (!id || !/^00Q[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$/.test(id)) {
    return {
      ok: false,
      issues: [
        {
          path: `${at}.Id`,
          message:
            "is required: the Lead's record id (00Q...); add the Id field to the outbound message's fields to send",
          code: "invalid_value",
        },
      ],
    };
  }
  const mapped = mapRecord(fields, { map, attributes: settings.attributes });
  const attributes: Record<string, string | number> = mapped.attributes;
  for (const [field, name] of Object.entries(ALWAYS_KEPT)) {
    const value = clean(fields[field]);
    if (value) attributes[name] = value.slice(0, 2000);
  }
  const modified = salesforceDate(fields.LastModifiedDate);
  if (modified) attributes.salesforceModifiedAt = modified.toISOString();
  const raw = {
    ...mapped.fields,
    externalIds: { salesforce: id },
    attributes,
    activities: handRaise(id, fields, settings),
  };
  return validateLead(raw, map, {
    field: (name) => `${at}.${name}`,
    emailRequired: `is required: the Lead's email address (add Email to the outbound message's fields, or map another field with crm.salesforce.fields.email)`,
  });
}

/** A Lead whose source asks for sales is a demo request, once per Lead. */
function handRaise(id: string, fields: SObjectFields, settings: SalesforceSettings) {
  const source = clean(fields.LeadSource);
  if (!source) return [];
  const lower = source.toLowerCase();
  if (!settings.demoRequestSources.some((s) => lower.includes(s.toLowerCase()))) return [];
  const at = salesforceDate(fields.CreatedDate) ?? salesforceDate(fields.LastModifiedDate);
  if (!at) return [];
  return [
    {
      type: "demo_request",
      occurredAt: at.toISOString(),
      title: source.slice(0, 500),
      source: "Salesforce",
      externalId: `salesforce:${id}:source`,
    },
  ];
}

/** Salesforce dateTime values: ISO 8601 ("2026-11-20T15:00:00.000Z"). */
export function salesforceDate(value: string | null | undefined): Date | undefined {
  const text = clean(value);
  if (!text) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Whether the Lead was converted in Salesforce, and into which opportunity. */
export function conversionOf(
  fields: SObjectFields,
): { opportunityId: string | undefined } | undefined {
  if (clean(fields.IsConverted)?.toLowerCase() !== "true") return undefined;
  return { opportunityId: clean(fields.ConvertedOpportunityId) };
}
