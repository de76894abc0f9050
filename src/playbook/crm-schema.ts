// The playbook's `crm` block: how a CRM's records map to Baton's leads, and what Baton writes
// back. Everything has a default, so a playbook without the block syncs with HubSpot's
// standard properties.
import { z } from "zod";
import { parseDuration } from "#src/domain/duration.ts";
import { LEAD_FIELDS } from "#src/domain/lead-fields.ts";

/** The lead fields a CRM record's field can fill: the email and every capture field. */
export const CRM_LEAD_FIELDS = ["email", ...LEAD_FIELDS] as const;
export type CrmLeadField = (typeof CRM_LEAD_FIELDS)[number];
export type HubSpotLeadField = CrmLeadField;

/**
 * How long a hand-off waits for the CRM to say who owns the lead before the rules route it:
 * "2s" by default, from "1s" to "30s".
 */
const ownerMatchingWait = z
  .union([z.string(), z.number()])
  .default("2s")
  .transform((value, ctx) => {
    const ms = typeof value === "string" ? parseDuration(value) : undefined;
    if (ms === undefined || ms < 1000 || ms > 30_000) {
      ctx.addIssue({ code: "custom", message: 'must be a duration from "1s" to "30s", e.g. "2s"' });
      return z.NEVER;
    }
    return ms;
  });

/**
 * HubSpot's standard contact properties for the lead fields that have one. (A contact has no
 * company domain or LinkedIn URL of its own: map a custom property when your portal has one.)
 */
export const DEFAULT_HUBSPOT_FIELDS: Partial<Record<HubSpotLeadField, string>> = {
  email: "email",
  firstName: "firstname",
  lastName: "lastname",
  title: "jobtitle",
  company: "company",
  companySize: "numemployees",
  industry: "industry",
  country: "country",
  region: "state",
  city: "city",
  phone: "phone",
  website: "website",
  source: "hs_analytics_source",
  campaign: "hs_analytics_source_data_1",
};

const property = z
  .string()
  .regex(
    /^[a-z0-9_]{1,100}$/,
    "must be a HubSpot property's internal name, e.g. jobtitle (Settings → Properties → the property → </> internal name)",
  );

const leadStatus = z
  .string()
  .regex(
    /^[A-Za-z0-9_]{1,100}$/,
    "must be an internal value of hs_lead_status, e.g. UNQUALIFIED (Settings → Properties → Lead Status)",
  );

const leadField = z.enum(CRM_LEAD_FIELDS, { message: leadFieldMessage() });

const hubspot = z
  .object({
    /**
     * Write what happens in Slack back to HubSpot (needs HUBSPOT_ACCESS_TOKEN): the contact's
     * owner when a lead is claimed, assigned or reassigned, hs_lead_status on its decisions.
     */
    sync: z.boolean().default(false),
    /**
     * Before the routing rules, offer a new lead to its owner in HubSpot (the contact's owner,
     * else its company's) when they are a Baton rep, with the usual SLA (needs
     * HUBSPOT_ACCESS_TOKEN). A HubSpot that is slow or fails leaves routing to the rules.
     */
    ownerMatching: z.boolean().default(false),
    /** How long routing waits for HubSpot's answer (ms once parsed; "2s" by default). */
    ownerMatchingWait,
    /** Lead field → contact property, over the defaults: `title: jobtitle`. */
    fields: z.partialRecord(leadField, property).default({}),
    /** Contact properties kept on the lead as attributes (shown on the card's details). */
    attributes: z.array(property).max(40, "must have at most 40 properties").default([]),
    /**
     * A conversion (form) whose name contains one of these (any case) is a hand-raise: a demo
     * request, which qualifies the lead at once. Other conversions are form submissions.
     */
    demoRequestForms: z
      .array(z.string().min(1).max(100))
      .default(["demo", "contact sales", "talk to sales", "pricing"]),
    /** hs_lead_status written when a lead is decided in Slack. */
    leadStatus: z
      .object({
        claimed: leadStatus.optional(),
        /** Released back to the pool (by its owner, the SLA, or its owner leaving). */
        released: leadStatus.optional(),
        disqualified: leadStatus.default("UNQUALIFIED"),
        nurtured: leadStatus.default("BAD_TIMING"),
        converted: leadStatus.default("OPEN_DEAL"),
      })
      .strict()
      .default({ disqualified: "UNQUALIFIED", nurtured: "BAD_TIMING", converted: "OPEN_DEAL" }),
    /** Lifecycle stages that mean the lead converted, when a contact reaches one in HubSpot. */
    conversionStages: z
      .array(z.string().regex(/^[a-z0-9_]{1,100}$/, "must be a lifecycle stage's internal value"))
      .default(["opportunity", "customer"]),
  })
  .strict();

/**
 * Salesforce's standard Lead fields for the lead fields that have one. (A Lead has no company
 * domain, LinkedIn URL or campaign field of its own: map a custom field when your org has one.)
 */
export const DEFAULT_SALESFORCE_FIELDS: Partial<Record<CrmLeadField, string>> = {
  email: "Email",
  firstName: "FirstName",
  lastName: "LastName",
  title: "Title",
  company: "Company",
  companySize: "NumberOfEmployees",
  industry: "Industry",
  country: "Country",
  region: "State",
  city: "City",
  phone: "Phone",
  website: "Website",
  source: "LeadSource",
};

const sfField = z
  .string()
  .regex(
    /^[A-Za-z][A-Za-z0-9_]{0,79}$/,
    "must be a Lead field's API name, e.g. Title or Persona__c (Setup → Object Manager → Lead → Fields & Relationships → Field Name)",
  );

const sfStatus = z
  .string()
  .trim()
  .min(1)
  .max(255, "must be a Lead Status picklist value (at most 255 characters)");

const salesforce = z
  .object({
    /**
     * Write what happens in Slack back to Salesforce (needs the SALESFORCE_* credentials): the
     * Lead's owner when a lead is claimed, assigned or reassigned, its Status (and reason) on
     * its decisions, a Task for each touch a rep logs.
     */
    sync: z.boolean().default(false),
    /**
     * Before the routing rules, offer the lead to its owner in Salesforce (the owner of the
     * Lead or Contact with its email, else of the Account with its email domain) when they are
     * a Baton rep, with the usual SLA (needs the SALESFORCE_* credentials). A Salesforce that
     * is slow or fails leaves routing to the rules.
     */
    ownerMatching: z.boolean().default(false),
    /** How long routing waits for Salesforce's answer (ms once parsed; "2s" by default). */
    ownerMatchingWait,
    /** Lead field → Salesforce Lead field (API name), over the defaults: `title: Title`. */
    fields: z.partialRecord(leadField, sfField).default({}),
    /** Lead fields kept on Baton's lead as attributes (shown on the card's details). */
    attributes: z.array(sfField).max(40, "must have at most 40 fields").default([]),
    /** A Lead whose LeadSource contains one of these (any case) asked for sales: a hand-raise. */
    demoRequestSources: z.array(z.string().min(1).max(100)).default(["demo", "contact sales"]),
    /** Lead.Status written when a lead is decided in Slack (a decision without one: no write). */
    leadStatus: z
      .object({
        claimed: sfStatus.optional(),
        released: sfStatus.optional(),
        disqualified: sfStatus.optional(),
        nurtured: sfStatus.optional(),
        /** Salesforce refuses a converted status outside Convert: leave unset unless yours is not. */
        converted: sfStatus.optional(),
      })
      .strict()
      .default({
        claimed: "Working - Contacted",
        released: "Open - Not Contacted",
        disqualified: "Closed - Not Converted",
        nurtured: "Closed - Not Converted",
      }),
    /**
     * A text field of the Lead that gets the reason with the status ("Disqualified in Baton: No
     * budget. <note>"), e.g. a custom Baton_Reason__c. Unset: the status alone.
     */
    reasonField: sfField.optional(),
  })
  .strict();

export const crmSchema = z
  .object({
    hubspot: hubspot.default(hubspot.parse({})),
    salesforce: salesforce.default(salesforce.parse({})),
  })
  .strict()
  .default({ hubspot: hubspot.parse({}), salesforce: salesforce.parse({}) });

export type HubSpotSettings = z.infer<typeof hubspot>;
export type SalesforceSettings = z.infer<typeof salesforce>;

function leadFieldMessage(): string {
  return `must be a lead field: ${CRM_LEAD_FIELDS.join(", ")}`;
}
