// Which column of a lead list feeds which lead field: header aliases for the exports people
// actually have (badge scanners, CRMs, spreadsheets), matched case- and punctuation-insensitively,
// overridden by `--map "Column=field"`. Columns nobody claims become custom attributes.

import { LEAD_FIELDS } from "#src/domain/capture.ts";

/** Lead fields a column can fill (as the intake API names them). */
export const LEAD_TARGETS = ["email", "name", ...LEAD_FIELDS] as const;

/** Booth-scan fields: they become an event_scan activity on the lead. */
export const EVENT_TARGETS = [
  "eventName",
  "message",
  "colleague",
  "colleagueNote",
  "scannedAt",
] as const;

export type LeadTarget = (typeof LEAD_TARGETS)[number];
export type EventTarget = (typeof EVENT_TARGETS)[number];
export type Target =
  | { kind: "lead"; field: LeadTarget }
  | { kind: "event"; field: EventTarget }
  | { kind: "attribute"; key: string }
  | { kind: "ignore" };

const ALIASES: Record<LeadTarget | EventTarget, string[]> = {
  email: [
    "email",
    "e-mail",
    "email address",
    "e-mail address",
    "work email",
    "business email",
    "email id",
    "mail",
  ],
  name: ["full name", "name", "contact name", "contact", "attendee", "attendee name"],
  firstName: ["first name", "firstname", "first", "given name", "forename"],
  lastName: ["last name", "lastname", "last", "surname", "family name"],
  title: ["job title", "title", "position", "role", "job role", "job function"],
  company: [
    "company",
    "company name",
    "organization",
    "organisation",
    "organization name",
    "account",
    "account name",
    "employer",
  ],
  companyDomain: ["company domain", "domain", "email domain"],
  companySize: [
    "company size",
    "employees",
    "number of employees",
    "no of employees",
    "employee count",
    "headcount",
    "seats",
    "agents",
  ],
  industry: ["industry", "sector", "vertical"],
  country: ["country", "country code", "country region"],
  region: ["state", "region", "province", "state province", "state region"],
  city: ["city", "town"],
  phone: [
    "phone",
    "phone number",
    "mobile",
    "mobile phone",
    "mobile number",
    "cell",
    "telephone",
    "tel",
    "work phone",
    "direct phone",
  ],
  linkedinUrl: ["linkedin", "linkedin url", "linkedin profile"],
  website: ["website", "company website", "web site", "url"],
  source: ["source", "lead source"],
  campaign: ["campaign", "campaign name"],
  eventName: ["event", "event name", "show", "trade show"],
  message: ["booth message", "message", "pitch", "booth pitch", "message seen"],
  colleague: [
    "talked to",
    "spoke with",
    "spoke to",
    "colleague",
    "scanned by",
    "booth staff",
    "staff",
    "sales rep",
    "rep",
  ],
  colleagueNote: ["colleague note", "note", "notes", "comments", "comment", "booth notes"],
  scannedAt: ["scanned at", "scan date", "scan time", "scanned", "date scanned", "visited at"],
};

/** "E-mail Address" → "emailaddress": the form headers are compared in. */
export function headerKey(header: string): string {
  return header
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "");
}

const BY_KEY = new Map<string, Target>();
for (const [field, aliases] of Object.entries(ALIASES)) {
  const target = targetOf(field)!;
  for (const alias of aliases) BY_KEY.set(headerKey(alias), target);
}

/** A field name as `--map` accepts it: a lead or event field, `attributes.<key>` or `ignore`. */
export function targetOf(field: string): Target | undefined {
  const name = field.trim();
  if ((LEAD_TARGETS as readonly string[]).includes(name))
    return { kind: "lead", field: name as LeadTarget };
  if ((EVENT_TARGETS as readonly string[]).includes(name))
    return { kind: "event", field: name as EventTarget };
  if (name === "ignore" || name === "-") return { kind: "ignore" };
  const attribute = /^(?:attributes?\.|attr:)(.+)$/.exec(name)?.[1]?.trim();
  if (attribute) return { kind: "attribute", key: attribute.slice(0, 64) };
  return undefined;
}

export class MappingError extends Error {}

/** Parses `--map` values ("Col Name=field"); keys are compared like headers. */
export function parseMapOptions(values: string[]): Map<string, Target & { column?: string }> {
  const overrides = new Map<string, Target & { column?: string }>();
  for (const value of values) {
    const at = value.lastIndexOf("=");
    const column = at > 0 ? value.slice(0, at).trim() : "";
    const field = at > 0 ? value.slice(at + 1).trim() : "";
    if (!column || !field) {
      throw new MappingError(
        `--map "${value}" must look like "Column Name=field", e.g. --map "Work E-mail=email"`,
      );
    }
    const target = targetOf(field);
    if (!target) {
      throw new MappingError(
        `--map "${value}": "${field}" is not a field. Use one of ${[...LEAD_TARGETS, ...EVENT_TARGETS].join(", ")}, attributes.<name>, or ignore`,
      );
    }
    overrides.set(headerKey(column), { ...target, column });
  }
  return overrides;
}

export interface ColumnMapping {
  header: string[];
  targets: Target[];
  /** Column indexes of each lead or event field, in header order (first non-empty wins). */
  has(field: LeadTarget | EventTarget): boolean;
}

/** Maps each header cell to its target: `--map` first, then aliases, then an attribute. */
export function mapColumns(
  header: string[],
  overrides = new Map<string, Target & { column?: string }>(),
): ColumnMapping {
  const used = new Set<string>();
  const targets = header.map((cell): Target => {
    const key = headerKey(cell);
    const override = overrides.get(key);
    const { column: _column, ...chosen } = override ?? { column: undefined };
    const target: Target = override
      ? (chosen as Target)
      : (BY_KEY.get(key) ?? { kind: "attribute", key: cell.trim().slice(0, 64) });
    if (target.kind === "lead" || target.kind === "event") used.add(target.field);
    if (target.kind === "attribute" && target.key === "") return { kind: "ignore" };
    return target;
  });
  const unknown = [...overrides.entries()]
    .filter(([key]) => !header.some((h) => headerKey(h) === key))
    .map(([key, target]) => target.column ?? key);
  if (unknown.length > 0) {
    throw new MappingError(
      `--map names a column the file does not have: ${unknown.join(", ")}. The header is: ${header.join(", ")}`,
    );
  }
  return { header, targets, has: (field) => used.has(field) };
}

/** "Email Address → email", for the dry run's report of how the file was read. */
export function describeMapping(mapping: ColumnMapping): string[] {
  return mapping.header.map((column, i) => {
    const target = mapping.targets[i]!;
    const to =
      target.kind === "ignore"
        ? "ignored"
        : target.kind === "attribute"
          ? `custom attribute "${target.key}"`
          : target.kind === "event"
            ? `badge scan ${target.field}`
            : target.field;
    return `${column || "(no name)"} → ${to}`;
  });
}
