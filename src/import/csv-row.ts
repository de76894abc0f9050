// One row of a lead list → the same LeadRequest the intake API accepts, validated by the same
// zod schema, or the reason it is rejected (naming the file's own column).
//
// Only the email decides whether a row goes in. A value Baton cannot read in any other column
// (a size of "about fifty", a date it cannot tell the day of) does not cost the lead: the lead
// goes in without that field, the value is kept as written in a custom attribute named after
// its column, and the row gets a warning for the report. `strict` rejects such rows instead.
//
// Re-importing a file must not duplicate anything. Leads are found by normalized email (in
// capture). The row's activity (a badge scan, a webinar, a form) gets a stable externalId made
// from what identifies it: its kind, the event, the email and the time (when the file has one),
// not the whole row. So a corrected row (a fixed company name, a better note) updates the lead
// and keeps its one scan, and a person scanned twice at different times keeps both scans. The
// stored activity keeps the text of its first import.
import { createHash } from "node:crypto";
import type { z } from "zod";
import type { ColumnMapping, EventTarget, LeadTarget } from "#src/import/csv-columns.ts";
import type { RowActivity } from "#src/import/export-formats.ts";
import {
  cleanPhone,
  type DateOrder,
  isEmptyCell,
  parseCountry,
  parseDateTime,
  parseSize,
  parseYesNo,
} from "#src/import/value-formats.ts";
import { type LeadRequest, leadRequestSchema } from "#src/intake/schemas.ts";

export interface RowOptions {
  source?: string;
  campaign?: string;
  event?: string;
  /** When the event happened, for rows without a scan time. */
  eventDate?: Date;
  /** The import's start: the scan time of last resort. */
  now: Date;
  /** What a row is on the timeline (the recognised tool's kind); a badge scan unless told. */
  activity?: RowActivity;
  /** How the file writes slashed dates that could be either way round. */
  dates?: DateOrder;
  /** Reject a row with an unreadable value instead of keeping the value as an attribute. */
  strict?: boolean;
}

export type RowResult =
  | { ok: true; lead: LeadRequest; warnings: string[] }
  | { ok: false; reason: string };

const MAX_ATTRIBUTES = 50;

/** A row's cells by what they feed, before any value is read. */
interface Cells {
  lead: Partial<Record<LeadTarget, string>>;
  event: Partial<Record<EventTarget, string>>;
  attributes: Record<string, string | boolean>;
  /** The file's column for each field ("companySize" → "Employees"). */
  columnOf: Map<string, string>;
}

/** A value that could not be read: the lead goes in without it (or the row is refused). */
interface Unreadable {
  field: string;
  raw: string;
  why: string;
}

export function rowToLead(
  record: string[],
  mapping: ColumnMapping,
  options: RowOptions,
): RowResult {
  if (record.length > mapping.header.length && record.slice(mapping.header.length).some(filled)) {
    return {
      ok: false,
      reason: `has ${record.length} fields but the header has ${mapping.header.length} (a stray delimiter or quote?)`,
    };
  }
  const cells = collectCells(record, mapping);
  const unreadable: Unreadable[] = [];
  const dropped: string[] = [];
  const body = leadBody(cells, options, unreadable);
  capAttributes(body, unreadable.length, dropped);
  let parsed = leadRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues;
    if (issues.some((issue) => fieldOf(issue) === "email")) {
      return { ok: false, reason: describeIssues(issues, cells.columnOf) };
    }
    for (const issue of issues) dropInvalid(body, issue, cells, unreadable);
    capAttributes(body, unreadable.length, dropped);
    parsed = leadRequestSchema.safeParse(body);
    if (!parsed.success)
      return { ok: false, reason: describeIssues(parsed.error.issues, cells.columnOf) };
  }
  const warnings = [...unreadable.map((u) => warningText(u, cells.columnOf)), ...dropped];
  if (options.strict && warnings.length > 0) return { ok: false, reason: warnings.join("; ") };
  return { ok: true, lead: keepAsAttributes(parsed.data, unreadable, cells.columnOf), warnings };
}

function collectCells(record: string[], mapping: ColumnMapping): Cells {
  const cells: Cells = { lead: {}, event: {}, attributes: {}, columnOf: new Map() };
  mapping.targets.forEach((target, i) => {
    const value = record[i]?.trim() ?? "";
    if (isEmptyCell(value)) return;
    const header = mapping.header[i]!;
    if (target.kind === "lead" && cells.lead[target.field] === undefined) {
      cells.lead[target.field] = value;
      cells.columnOf.set(target.field, header);
    } else if (target.kind === "event" && cells.event[target.field] === undefined) {
      cells.event[target.field] = value;
      cells.columnOf.set(target.field, header);
    } else if (target.kind === "attribute" && cells.attributes[target.key] === undefined) {
      const text = value.slice(0, 2000);
      cells.attributes[target.key] = target.yesNo ? (parseYesNo(text) ?? text) : text;
      cells.columnOf.set(`attributes.${target.key}`, header);
    }
  });
  return cells;
}

/** The API request for the row; values it cannot read are left out and listed in `unreadable`. */
function leadBody(cells: Cells, options: RowOptions, unreadable: Unreadable[]) {
  const { lead, event } = cells;
  const source = options.source ?? lead.source;
  const campaign = options.campaign ?? lead.campaign;
  let companySize: number | undefined;
  if (lead.companySize !== undefined) {
    companySize = parseSize(lead.companySize);
    if (companySize === undefined) {
      unreadable.push({
        field: "companySize",
        raw: lead.companySize,
        why: "is not a number of employees",
      });
    }
  }
  const body: Record<string, unknown> = {
    email: lead.email,
    ...splitName(lead),
    title: lead.title,
    company: lead.company,
    companyDomain: lead.companyDomain,
    companySize,
    industry: lead.industry,
    country: lead.country === undefined ? undefined : parseCountry(lead.country),
    region: lead.region,
    city: lead.city,
    phone: lead.phone === undefined ? undefined : cleanPhone(lead.phone),
    linkedinUrl: lead.linkedinUrl === undefined ? undefined : withScheme(lead.linkedinUrl),
    website: lead.website === undefined ? undefined : withScheme(lead.website),
    source,
    campaign,
  };
  const activity = rowActivity(cells, options, { source, campaign }, unreadable);
  if (activity) body.activities = [activity];
  const attributes = { ...cells.attributes };
  // A note alone (a "Notes" column on a plain list) stays an attribute.
  if (!activity && event.colleagueNote !== undefined) {
    attributes[cells.columnOf.get("colleagueNote") ?? "Notes"] = event.colleagueNote;
  }
  if (Object.keys(attributes).length > 0) body.attributes = attributes;
  return body;
}

/** At most MAX_ATTRIBUTES custom attributes, room left for the values kept after a warning. */
function capAttributes(body: Record<string, unknown>, reserve: number, warnings: string[]): void {
  const attributes = body.attributes as Record<string, unknown> | undefined;
  const keys = Object.keys(attributes ?? {});
  const room = Math.max(0, MAX_ATTRIBUTES - reserve);
  if (!attributes || keys.length <= room) return;
  for (const key of keys.slice(room)) delete attributes[key];
  warnings.push(
    `${keys.length - room} columns with values were not kept: at most ${MAX_ATTRIBUTES} fit in custom attributes (map or ignore some with --map "Column=ignore")`,
  );
}

/** A time column's value, or undefined (listed as unreadable) when it is not a date. */
function timeOf(
  field: "scannedAt" | "registeredAt",
  cells: Cells,
  options: RowOptions,
  unreadable: Unreadable[],
): Date | undefined {
  const raw = cells.event[field];
  if (raw === undefined) return undefined;
  const at = parseDateTime(raw, options.dates);
  if (!at) {
    const why =
      options.dates || !/^\d{1,2}\/\d{1,2}\//.test(raw)
        ? "is not a date Baton can read (like 2026-11-18 14:30 or 11/18/2026 2:30 PM)"
        : "could be day/month or month/day; say which with --dates mdy or --dates dmy";
    unreadable.push({ field, raw, why });
  }
  return at;
}

/** The row's activity: a badge scan, a webinar registration or attendance, a form. */
function rowActivity(
  cells: Cells,
  options: RowOptions,
  credit: { source?: string; campaign?: string },
  unreadable: Unreadable[],
): Record<string, unknown> | undefined {
  const { event } = cells;
  const email = cells.lead.email?.trim().toLowerCase();
  const at = timeOf("scannedAt", cells, options, unreadable);
  const kind = options.activity ?? "event_scan";
  const eventName = options.event ?? event.eventName;
  const booth = {
    message: event.message,
    colleague: event.colleague,
    colleagueNote: event.colleagueNote,
    ...credit,
  };
  const fallback = options.eventDate ?? options.now;
  if (kind === "webinar") {
    const attended = event.attended !== undefined && parseYesNo(event.attended) === true;
    const registered = timeOf("registeredAt", cells, options, unreadable);
    const when = (attended ? at : registered) ?? fallback;
    const type = attended ? "webinar_attended" : "webinar_registered";
    const id = activityId(type, eventName, email, when === fallback ? undefined : when);
    return { type, occurredAt: when.toISOString(), eventName, ...booth, externalId: id };
  }
  if (kind === "form_submit") {
    const when = at ?? fallback;
    const id = activityId("form", event.eventName, email, at);
    return {
      type: "form_submit",
      occurredAt: when.toISOString(),
      title: event.eventName,
      ...booth,
      externalId: id,
    };
  }
  // A scan only when the row speaks of an event: a named event, or a booth column filled in.
  const boothColumns = event.message ?? event.colleague ?? event.scannedAt;
  if (eventName === undefined && boothColumns === undefined) return undefined;
  const name = eventName ?? credit.source;
  return {
    type: "event_scan",
    occurredAt: (at ?? fallback).toISOString(),
    eventName: name,
    ...booth,
    externalId: scanId(name, email, at),
  };
}

/** Leaves out a field the schema refuses, as unreadable (the email is never left out). */
function dropInvalid(
  body: Record<string, unknown>,
  issue: z.core.$ZodIssue,
  cells: Cells,
  unreadable: Unreadable[],
): void {
  const field = fieldOf(issue);
  if (issue.path[0] === "activities") {
    const activity = (body.activities as Record<string, unknown>[] | undefined)?.[0];
    const raw = (cells.event as Record<string, string | undefined>)[field];
    if (activity && field in activity) delete activity[field];
    if (raw !== undefined) unreadable.push({ field, raw, why: issue.message });
    return;
  }
  if (field === "attributes") return;
  const raw = (cells.lead as Record<string, string | undefined>)[field];
  if (field in body) delete body[field];
  if (raw !== undefined) unreadable.push({ field, raw, why: issue.message });
}

/** The lead with each unreadable value kept as written, under its column's name. */
function keepAsAttributes(
  lead: LeadRequest,
  unreadable: Unreadable[],
  columnOf: Map<string, string>,
): LeadRequest {
  if (unreadable.length === 0) return lead;
  const attributes: Record<string, string | number | boolean | null> = {
    ...(lead.attributes ?? {}),
  };
  for (const u of unreadable) {
    attributes[(columnOf.get(u.field) ?? u.field).slice(0, 64)] = u.raw.slice(0, 2000);
  }
  return { ...lead, attributes };
}

function warningText(u: Unreadable, columnOf: Map<string, string>): string {
  const column = columnOf.get(u.field);
  const label = column && column !== u.field ? `${column} (${u.field})` : u.field;
  return `${label}: "${u.raw.slice(0, 80)}" ${u.why}; kept as custom attribute "${(column ?? u.field).slice(0, 64)}"`;
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

/** "acme.com" → "https://acme.com": exports rarely carry the scheme. */
function withScheme(value: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `https://${value}`;
}

function digest(parts: unknown[]): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 32);
}

/** A badge scan's id: event, email, scan time (decision 005; unchanged since). */
function scanId(eventName: string | undefined, email: string | undefined, at: Date | undefined) {
  return `csv-scan:${digest([eventName?.trim().toLowerCase() ?? "", email ?? "", at?.toISOString() ?? ""])}`;
}

/** A webinar's or a form's id: its kind, the webinar or form, email and time. */
function activityId(
  kind: string,
  name: string | undefined,
  email: string | undefined,
  at: Date | undefined,
) {
  return `csv-${kind}:${digest([name?.trim().toLowerCase() ?? "", email ?? "", at?.toISOString() ?? ""])}`;
}

/** The row field an issue is about ("companySize", or "scannedAt" for the activity's time). */
function fieldOf(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String);
  const field = path[0] === "activities" ? (path[2] ?? "") : (path[0] ?? "");
  return field === "occurredAt" ? "scannedAt" : field;
}

function describeIssues(issues: z.core.$ZodIssue[], columnOf: Map<string, string>): string {
  return issues
    .map((issue) => {
      const field = fieldOf(issue) || "row";
      const column = columnOf.get(field);
      const label = column && column !== field ? `${column} (${field})` : field;
      return `${label}: ${issue.message}`;
    })
    .join("; ");
}
