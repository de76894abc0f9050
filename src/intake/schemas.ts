// What the intake API and the CSV importer accept. Strict: a misspelled field is an error
// with its path, not silently dropped data. Custom data goes in `attributes`.
import { z } from "zod";

export const ACTIVITY_TYPES = [
  "page_view",
  "pricing_page",
  "form_submit",
  "demo_request",
  "contact_sales",
  "content_download",
  "webinar_registered",
  "webinar_attended",
  "event_scan",
  "email_open",
  "email_click",
  "meeting",
  "call",
  "custom",
] as const;

/** Trimmed text, empty as absent, bounded. */
const noNul = (value: string) => !value.includes("\u0000");
const NUL_MESSAGE = "must not contain NUL characters";

const text = (max: number) =>
  z
    .string()
    .max(max * 4, `must be at most ${max} characters`)
    .refine(noNul, NUL_MESSAGE)
    .transform((value) => value.trim())
    .pipe(z.string().max(max, `must be at most ${max} characters`))
    .transform((value) => (value === "" ? undefined : value))
    .optional()
    .nullable()
    .transform((value) => value ?? undefined);

/**
 * Senders that fill a template (Marketo's webhooks, Zapier) send an empty field as "" and a
 * number as a string: "" is an absent field, "250" is 250.
 */
const blankAsAbsent = (value: unknown) =>
  typeof value === "string" && value.trim() === "" ? undefined : value;
const numericText = (value: unknown) =>
  typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : blankAsAbsent(value);

const url = z
  .preprocess(blankAsAbsent, z.string().optional().nullable())
  .pipe(
    z
      .string()
      .trim()
      .max(2048, "must be at most 2048 characters")
      .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), {
        message: "must be an http(s) URL",
      })
      .optional()
      .nullable(),
  )
  .transform((value) => value ?? undefined);

export const emailSchema = z
  .string({ message: "is required: the lead's email address" })
  .trim()
  .max(254, "must be at most 254 characters")
  .toLowerCase()
  .pipe(z.email({ message: "must be an email address like ana@example.com" }));

const domain = z
  .preprocess(blankAsAbsent, z.string().optional().nullable())
  .pipe(
    z
      .string()
      .trim()
      .toLowerCase()
      .transform((value) =>
        value
          .replace(/^https?:\/\//, "")
          .replace(/^www\./, "")
          .replace(/\/.*$/, ""),
      )
      .pipe(
        z
          .string()
          .max(253)
          .regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, "must be a domain like acme.com"),
      )
      .optional()
      .nullable(),
  )
  .transform((value) => value ?? undefined);

const dateTime = z.iso
  .datetime({ offset: true, message: "must be an ISO 8601 date-time like 2026-11-20T14:30:00Z" })
  .transform((value) => new Date(value));

const scalarRecord = (what: string) =>
  z
    .record(
      z.string().min(1).max(64, "keys must be at most 64 characters"),
      z.union([z.string().max(2000), z.number(), z.boolean(), z.null()]),
      { message: `must be an object of ${what}` },
    )
    .refine((value) => Object.keys(value).length <= 50, { message: "must have at most 50 keys" });

export const activitySchema = z
  .object({
    type: z.enum(ACTIVITY_TYPES, { message: `must be one of ${ACTIVITY_TYPES.join(", ")}` }),
    /** When it happened; absent (or "") when it is happening now: the time Baton receives it. */
    occurredAt: z
      .preprocess(blankAsAbsent, dateTime.optional())
      .transform((value) => value ?? new Date()),
    url,
    title: text(500),
    /** Event or webinar name. */
    eventName: text(200),
    /** The message the lead saw: the booth pitch, the ad, the email subject. */
    message: text(2000),
    /** The colleague who talked to them, and their note. */
    colleague: text(200),
    colleagueNote: text(2000),
    source: text(200),
    campaign: text(200),
    /** The sender's id for this activity: a retried activity is stored once. */
    externalId: text(200),
    data: scalarRecord("strings, numbers or booleans").optional(),
  })
  .strict();

export type ActivityInput = z.infer<typeof activitySchema>;

export const leadFieldsSchema = z
  .object({
    email: emailSchema,
    name: text(200),
    firstName: text(100),
    lastName: text(100),
    title: text(200),
    company: text(200),
    companyDomain: domain,
    companySize: z
      .preprocess(
        numericText,
        z
          .number({ message: "must be a whole number of employees" })
          .int("must be a whole number of employees")
          .min(0)
          .max(10_000_000)
          .optional()
          .nullable(),
      )
      .transform((value) => value ?? undefined),
    industry: text(100),
    country: text(100).transform((value) =>
      value && value.length === 2 ? value.toUpperCase() : value,
    ),
    region: text(100),
    city: text(100),
    phone: text(50),
    linkedinUrl: url,
    website: url,
    source: text(200),
    campaign: text(200),
    /** Ids of this lead in other systems: { "hubspot": "123" }. */
    externalIds: z
      .record(z.string().min(1).max(64), z.string().min(1).max(200), {
        message: "must be an object of system name to id",
      })
      .optional(),
    attributes: scalarRecord("strings, numbers, booleans or null").optional(),
  })
  .strict();

export const leadRequestSchema = leadFieldsSchema
  .extend({
    /** The sender's id for this lead; a retried request with it changes nothing. */
    externalId: text(200),
    activities: z.array(activitySchema).max(1000, "must have at most 1000 activities").optional(),
  })
  .strict();

export type LeadRequest = z.infer<typeof leadRequestSchema>;

export const activitiesRequestSchema = z
  .object({
    activities: z
      .array(
        activitySchema
          .extend({
            /** Which lead: its email, or its id. */
            email: emailSchema.optional(),
            leadId: z.uuid({ message: "must be a lead id" }).optional(),
          })
          .strict()
          .refine((a) => a.email !== undefined || a.leadId !== undefined, {
            message: "needs the lead's email or leadId",
            path: ["email"],
          }),
      )
      .min(1, "must have at least one activity")
      .max(1000, "must have at most 1000 activities per request"),
  })
  .strict();

export type ActivitiesRequest = z.infer<typeof activitiesRequestSchema>;
