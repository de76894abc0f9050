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
  /** Webinar reports: whether the person attended (Yes/No), and when they registered. */
  "attended",
  "registeredAt",
] as const;

export type LeadTarget = (typeof LEAD_TARGETS)[number];
export type EventTarget = (typeof EVENT_TARGETS)[number];
export type Target =
  | { kind: "lead"; field: LeadTarget }
  | { kind: "event"; field: EventTarget }
  /** `yesNo`: a consent or opt-in column, whose Yes/No is kept as true/false. */
  | { kind: "attribute"; key: string; yesNo?: boolean }
  | { kind: "ignore" };

// Names seen in real exports are included (Eventbrite's "Cell Phone", HubSpot's "Country/Region"
// and "Website URL", Salesforce's "Company / Account", Zoom's "Organization" and "No of
// Employees", Meta's snake_case, LinkedIn's "Company Size"); see export-formats.ts for sources.
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
    "attendee email",
    "email (work)",
  ],
  name: [
    "full name",
    "name",
    "contact name",
    "contact",
    "attendee",
    "attendee name",
    "user name (original name)",
    "lead name",
  ],
  firstName: ["first name", "firstname", "first", "given name", "forename", "attendee first name"],
  lastName: ["last name", "lastname", "last", "surname", "family name", "attendee last name"],
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
    "company / account",
    "company account",
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
    "company size range",
    "employee range",
  ],
  industry: ["industry", "sector", "vertical"],
  country: [
    "country",
    "country code",
    "country region",
    "country/region name",
    "country name",
    "work country",
  ],
  region: ["state", "region", "province", "state province", "state region"],
  city: ["city", "town", "work city"],
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
    "cell phone",
    "business phone",
  ],
  linkedinUrl: ["linkedin", "linkedin url", "linkedin profile"],
  website: ["website", "company website", "web site", "url", "website url"],
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
    "captured by",
    "collected by",
    "booth staff member",
    "exhibitor staff",
  ],
  colleagueNote: [
    "colleague note",
    "note",
    "notes",
    "comments",
    "comment",
    "booth notes",
    "lead notes",
    "scan notes",
    "exhibitor notes",
  ],
  scannedAt: [
    "scanned at",
    "scan date",
    "scan time",
    "scanned",
    "date scanned",
    "visited at",
    "capture date",
    "captured at",
    "scanned on",
  ],
  attended: [],
  registeredAt: [],
};

/** Consent and opt-in columns: their Yes/No is kept as a boolean attribute. */
const CONSENT =
  /consent|opt.?in|opt.?out|gdpr|subscri|permission|i agree|keep me (informed|updated)|marketing (emails?|communications?)/i;

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

/** Whether this header cell is an email column (by `--map` or by its name). */
export function isEmailColumn(
  cell: string,
  overrides: Map<string, Target & { column?: string }>,
): boolean {
  const target = overrides.get(headerKey(cell)) ?? BY_KEY.get(headerKey(cell));
  return target?.kind === "lead" && target.field === "email";
}

/**
 * Maps each header cell to its target: `--map` first, then the recognised tool's own names
 * (`toolColumns`: column → field), then the common aliases, then a custom attribute.
 */
export function mapColumns(
  header: string[],
  overrides = new Map<string, Target & { column?: string }>(),
  toolColumns: Record<string, string> = {},
): ColumnMapping {
  const used = new Set<string>();
  const tool = new Map(
    Object.entries(toolColumns).flatMap(([column, field]) => {
      const target = targetOf(field);
      return target ? [[headerKey(column), target] as const] : [];
    }),
  );
  const targets = header.map((cell): Target => {
    const key = headerKey(cell);
    const override = overrides.get(key);
    const { column: _column, ...chosen } = override ?? { column: undefined };
    const target: Target = override
      ? (chosen as Target)
      : (tool.get(key) ?? BY_KEY.get(key) ?? attributeFor(cell));
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

function attributeFor(cell: string): Target {
  const key = cell.trim().slice(0, 64);
  return CONSENT.test(cell) ? { kind: "attribute", key, yesNo: true } : { kind: "attribute", key };
}

/** "Email Address → email", for the dry run's report of how the file was read. */
export function describeMapping(mapping: ColumnMapping): string[] {
  return mapping.header.map((column, i) => {
    const target = mapping.targets[i]!;
    const to =
      target.kind === "ignore"
        ? "ignored"
        : target.kind === "attribute"
          ? `custom attribute "${target.key}"${target.yesNo ? " (Yes/No)" : ""}`
          : target.kind === "event"
            ? `badge scan ${target.field}`
            : target.field;
    return `${column || "(no name)"} → ${to}`;
  });
}
