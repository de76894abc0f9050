// One row of a lead list → the same LeadRequest the intake API accepts, validated by the same
// zod schema, or the reason it is rejected (naming the file's own column).
//
// Re-importing a file must not duplicate anything. Leads are found by normalized email (in
// capture). The booth-scan activity gets a stable externalId made from what identifies one
// scan: the event, the email and the scan time (when the file has one), not the whole row. So a
// corrected row (a fixed company name, a better note) updates the lead and keeps its one scan,
// and a person scanned twice at different times keeps both scans. The stored activity keeps the
// text of its first import: a re-import does not rewrite a scan's message or note.
import { createHash } from "node:crypto";
import type { z } from "zod";
import type { ColumnMapping, EventTarget, LeadTarget } from "#src/import/csv-columns.ts";
import { type LeadRequest, leadRequestSchema } from "#src/intake/schemas.ts";

export interface RowOptions {
  source?: string;
  campaign?: string;
  event?: string;
  /** When the event happened, for rows without a scan time. */
  eventDate?: Date;
  /** The import's start: the scan time of last resort. */
  now: Date;
}

export type RowResult = { ok: true; lead: LeadRequest } | { ok: false; reason: string };

const MAX_ATTRIBUTES = 50;

export function rowToLead(
  record: string[],
  mapping: ColumnMapping,
  options: RowOptions,
): RowResult {
  const lead: Partial<Record<LeadTarget, string>> = {};
  const event: Partial<Record<EventTarget, string>> = {};
  const attributes: Record<string, string> = {};
  const columnOf = new Map<string, string>();
  if (record.length > mapping.header.length && record.slice(mapping.header.length).some(filled)) {
    return {
      ok: false,
      reason: `has ${record.length} fields but the header has ${mapping.header.length} (a stray delimiter or quote?)`,
    };
  }
  mapping.targets.forEach((target, i) => {
    const value = record[i]?.trim() ?? "";
    if (value === "") return;
    const header = mapping.header[i]!;
    if (target.kind === "lead" && lead[target.field] === undefined) {
      lead[target.field] = value;
      columnOf.set(target.field, header);
    } else if (target.kind === "event" && event[target.field] === undefined) {
      event[target.field] = value;
      columnOf.set(target.field, header);
    } else if (target.kind === "attribute" && attributes[target.key] === undefined) {
      attributes[target.key] = value;
      columnOf.set(`attributes.${target.key}`, header);
    }
  });

  const email = lead.email?.trim().toLowerCase();
  const names = splitName(lead);
  const source = options.source ?? lead.source;
  const campaign = options.campaign ?? lead.campaign;

  // A scan only when the row speaks of an event: a named event, or a booth column filled in.
  // A note alone (a "Notes" column on a plain list) stays an attribute.
  const eventName = options.event ?? event.eventName;
  const boothColumns = event.message ?? event.colleague ?? event.scannedAt;
  const hasScan = eventName !== undefined || boothColumns !== undefined;
  if (!hasScan && event.colleagueNote !== undefined) {
    attributes[columnOf.get("colleagueNote") ?? "Notes"] = event.colleagueNote;
  }
  let scannedAt: Date | string | undefined;
  if (event.scannedAt !== undefined) {
    scannedAt = parseDateTime(event.scannedAt) ?? event.scannedAt;
  }

  const body: Record<string, unknown> = {
    email: lead.email,
    ...names,
    title: lead.title,
    company: lead.company,
    companyDomain: lead.companyDomain,
    companySize: lead.companySize === undefined ? undefined : parseSize(lead.companySize),
    industry: lead.industry,
    country: lead.country,
    region: lead.region,
    city: lead.city,
    phone: lead.phone,
    linkedinUrl: lead.linkedinUrl === undefined ? undefined : withScheme(lead.linkedinUrl),
    website: lead.website === undefined ? undefined : withScheme(lead.website),
    source,
    campaign,
  };
  const attributeKeys = Object.keys(attributes);
  if (attributeKeys.length > MAX_ATTRIBUTES) {
    return {
      ok: false,
      reason: `has ${attributeKeys.length} unmapped columns with values; at most ${MAX_ATTRIBUTES} fit in custom attributes (map or ignore some with --map "Column=ignore")`,
    };
  }
  if (attributeKeys.length > 0) body.attributes = attributes;
  if (hasScan) {
    const at = scannedAt instanceof Date ? scannedAt : (options.eventDate ?? options.now);
    const name = eventName ?? source;
    body.activities = [
      {
        type: "event_scan",
        occurredAt: typeof scannedAt === "string" ? scannedAt : at.toISOString(),
        eventName: name,
        message: event.message,
        colleague: event.colleague,
        colleagueNote: event.colleagueNote,
        source,
        campaign,
        externalId: scanId(name, email, scannedAt instanceof Date ? scannedAt : undefined),
      },
    ];
  }

  const parsed = leadRequestSchema.safeParse(body);
  if (parsed.success) return { ok: true, lead: parsed.data };
  return { ok: false, reason: describeIssues(parsed.error.issues, columnOf) };
}

function filled(value: string): boolean {
  return value.trim() !== "";
}

/** "Ana María López" → Ana / María López; "López, Ana" → Ana / López. Explicit columns win. */
function splitName(lead: Partial<Record<LeadTarget, string>>): {
  firstName?: string;
  lastName?: string;
} {
  let first = lead.firstName;
  let last = lead.lastName;
  if (lead.name && (first === undefined || last === undefined)) {
    const comma = lead.name.indexOf(",");
    const [given, family] =
      comma > 0
        ? [lead.name.slice(comma + 1).trim(), lead.name.slice(0, comma).trim()]
        : (() => {
            const parts = lead.name.split(/\s+/);
            return [parts[0] ?? "", parts.slice(1).join(" ")];
          })();
    first ??= given || undefined;
    last ??= family || undefined;
  }
  return { firstName: first, lastName: last };
}

/**
 * Company sizes as exports write them: "80", "1,200", "1.200", "51-200" (the lower bound: a
 * range only promises that many), "500+", "10k". Anything else goes to the schema as text and is
 * rejected there with the API's own message.
 */
export function parseSize(value: string): number | string {
  const text = value.trim().toLowerCase().replace(/\s+/g, "");
  const number = (part: string): number | undefined => {
    const k = /^(\d+(?:[.,]\d+)?)k$/.exec(part);
    if (k) return Math.round(Number(k[1]!.replace(",", ".")) * 1000);
    if (/^\d{1,3}([,.]\d{3})+$/.test(part)) return Number(part.replace(/[,.]/g, ""));
    if (/^\d+$/.test(part)) return Number(part);
    return undefined;
  };
  const range = /^(.+?)(?:-|–|to)(.+)$/.exec(text);
  if (range) {
    const low = number(range[1]!);
    if (low !== undefined && number(range[2]!) !== undefined) return low;
  }
  const plus = /^(.+)\+$/.exec(text);
  return number(plus ? plus[1]! : text) ?? value;
}

/**
 * Scan times: ISO 8601 ("2026-11-18T14:30:00Z", "2026-11-18 14:30", "2026-11-18") or
 * day-first with dots ("18.11.2026 14:30"). Without an offset the time is read as UTC.
 * Slashed dates (11/12/2026) are refused: month-first or day-first cannot be told apart.
 */
export function parseDateTime(value: string): Date | undefined {
  const text = value.trim();
  let m =
    /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?$/i.exec(
      text,
    );
  let parts: string[] | undefined;
  let zone: string | undefined;
  if (m) {
    parts = [m[1]!, m[2]!, m[3]!, m[4] ?? "00", m[5] ?? "00", m[6] ?? "00"];
    zone = m[7];
  } else {
    m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(text);
    if (m) parts = [m[3]!, m[2]!, m[1]!, m[4] ?? "00", m[5] ?? "00", m[6] ?? "00"];
  }
  if (!parts) return undefined;
  const [y, mo, d, h, mi, s] = parts.map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  let ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(ms);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59)
    return undefined;
  if (zone && zone.toUpperCase() !== "Z") {
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
    const offset = (Number(z[2]) * 60 + Number(z[3])) * 60_000;
    ms -= z[1] === "+" ? offset : -offset;
  }
  return new Date(ms);
}

/** "acme.com" → "https://acme.com": exports rarely carry the scheme. */
function withScheme(value: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `https://${value}`;
}

function scanId(eventName: string | undefined, email: string | undefined, at: Date | undefined) {
  const digest = createHash("sha256")
    .update(
      JSON.stringify([eventName?.trim().toLowerCase() ?? "", email ?? "", at?.toISOString() ?? ""]),
    )
    .digest("hex")
    .slice(0, 32);
  return `csv-scan:${digest}`;
}

const EVENT_LABEL: Record<string, string> = {
  occurredAt: "scannedAt",
};

function describeIssues(issues: z.core.$ZodIssue[], columnOf: Map<string, string>): string {
  return issues
    .map((issue) => {
      const path = issue.path.map(String);
      let field = path[0] === "activities" ? (path[2] ?? "") : path.join(".");
      field = EVENT_LABEL[field] ?? field;
      const column = columnOf.get(field);
      const label =
        field === "scannedAt" && !column
          ? "scan time"
          : column && column !== field
            ? `${column} (${field})`
            : field || "row";
      const message =
        field === "scannedAt"
          ? "must be a date like 2026-11-18 14:30 or 2026-11-18T14:30:00Z"
          : issue.message;
      return `${label}: ${message}`;
    })
    .join("; ");
}
