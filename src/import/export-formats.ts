// The exports Baton recognises by their own column names: event platforms and lead-retrieval
// apps, ad-platform lead forms and CRM reports. A file is the tool's export when it has every
// column of the tool's signature; the tool's own names for the booth colleague, the scan time or
// the form then map without `--map`, and its rows become the right kind of activity. Any other
// file is still read through the common aliases (csv-columns.ts).
//
// Where each tool's column names come from is said per tool (`source`); test/import/fixtures
// holds one export per tool built from them.
import type { DateOrder } from "#src/import/value-formats.ts";

/** What one row of the export is on the lead's timeline. */
export type RowActivity =
  /** A badge scan or meeting at an event (when the row names an event or a booth column). */
  | "event_scan"
  /** A webinar registration, or attendance when the row says the person attended. */
  | "webinar"
  /** A lead form submitted from an ad. */
  | "form_submit";

export interface ExportFormat {
  id: string;
  name: string;
  /** Columns every export of this tool has (compared like headers: case and punctuation aside). */
  signature: string[];
  /** The tool's own column names, beyond the common aliases: column → field, as `--map` takes. */
  columns: Record<string, string>;
  activity: RowActivity;
  /** How the tool writes slashed dates whose day and month are both 12 or less. */
  dates?: DateOrder;
  /** Where the column names and value formats were taken from. */
  source: string;
}

export const EXPORT_FORMATS: readonly ExportFormat[] = [
  {
    id: "zoom-webinar",
    name: "Zoom webinar attendee report",
    signature: ["Attended", "User Name (Original Name)", "Join Time"],
    columns: {
      Attended: "attended",
      "Join Time": "scannedAt",
      "Registration Time": "registeredAt",
      "Country/Region Name": "country",
      "Leave Time": "attributes.Leave Time",
    },
    activity: "webinar",
    dates: "mdy",
    source:
      "Zoom Reports → Webinar → Attendee report (CSV): 'Attendee Report' preamble with Topic/Webinar ID/Actual Start Time, then Host Details, Panelist Details and Attendee Details tables; dates like 'Mar 22, 2025 19:13:27' or '08/09/2026 10:45:00 AM', '--' for no value",
  },
  {
    id: "eventbrite",
    name: "Eventbrite attendee report",
    signature: ["Order #", "Ticket Type", "Attendee Status"],
    columns: { "Order Date": "attributes.Order Date", "Cell Phone": "phone" },
    activity: "event_scan",
    dates: "mdy",
    source:
      "Eventbrite Manage Attendees → Attendee summary report export: Order #, Order Date, First Name, Last Name, Email, Quantity, Price Tier, Ticket Type, Attendee #, Group, Order Type, Currency, Total Paid, Fees Paid, Eventbrite Fees, Eventbrite Payment Processing, Attendee Status, Home/Work address, Job Title, Company, Cell Phone, custom questions",
  },
  {
    id: "meta-lead-ads",
    name: "Meta (Facebook/Instagram) lead ads",
    signature: ["created_time", "form_id", "is_organic"],
    columns: {
      created_time: "scannedAt",
      form_name: "eventName",
      id: "attributes.Meta lead id",
    },
    activity: "form_submit",
    source:
      "Meta Business Suite / Ads Manager → Instant Forms → Download leads (CSV): id, created_time, ad_id, ad_name, adset_id, adset_name, campaign_id, campaign_name, form_id, form_name, is_organic, platform, then the form's questions (full_name, email, phone_number, ...); ids prefixed l:/ag:/as:/c:/f:, phones p:+...",
  },
  {
    id: "linkedin-lead-gen",
    name: "LinkedIn Lead Gen Forms",
    signature: ["Lead ID", "Form Name", "Company Size"],
    columns: {
      "Submitted At": "scannedAt",
      "Submitted On": "scannedAt",
      "Form Name": "eventName",
      "Lead ID": "attributes.LinkedIn lead id",
    },
    activity: "form_submit",
    source:
      "LinkedIn Campaign Manager → Lead Gen Forms → Download leads (CSV) with the predefined form fields of learn.microsoft.com/linkedin/marketing/lead-sync/lead-sync-schema (FIRST_NAME, LAST_NAME, EMAIL, COMPANY_NAME, JOB_TITLE, COMPANY_SIZE, COUNTRY, PHONE_NUMBER); sizes as LinkedIn writes them: '201-500 employees', '1,001-5,000 employees', '10,001+ employees'",
  },
  {
    id: "cvent-leadcapture",
    name: "Cvent LeadCapture",
    signature: ["Captured By", "Capture Date"],
    columns: {
      "Captured By": "colleague",
      "Capture Date": "scannedAt",
      "Lead Notes": "colleagueNote",
    },
    activity: "event_scan",
    dates: "mdy",
    source:
      "Cvent LeadCapture exhibitor lead export: contact fields (First Name, Last Name, Email Address, Company, Title, Work Phone, Country) and the capture (Captured By, Capture Date, Lead Notes, Qualifiers); names from Cvent's exhibitor help, not checked against a downloaded file",
  },
  {
    id: "bizzabo",
    name: "Bizzabo lead retrieval",
    signature: ["Scanned By", "Scan Date", "Lead Rating"],
    columns: { "Scanned By": "colleague", "Scan Date": "scannedAt" },
    activity: "event_scan",
    dates: "mdy",
    source:
      "Bizzabo Klik/lead retrieval export for exhibitors: contact fields, Scanned By, Scan Date, Lead Rating, Notes; names from Bizzabo's exhibitor help, not checked against a downloaded file",
  },
  {
    id: "swapcard",
    name: "Swapcard exhibitor leads",
    signature: ["Scanned by", "Scan date", "Organization"],
    columns: { "Scanned by": "colleague", "Scan date": "scannedAt", Note: "colleagueNote" },
    activity: "event_scan",
    dates: "dmy",
    source:
      "Swapcard exhibitor lead export: the booth's default fields First Name, Last Name, Job Title, Company (Organization), Email, Country (validar.com/validar-and-swapcardfaq), with who scanned, when and their note; European dates (day first)",
  },
  {
    id: "hopin",
    name: "Hopin / RingCentral Events booth leads",
    signature: ["Booth", "Headline", "Visited At"],
    columns: {
      "Visited At": "scannedAt",
      Booth: "attributes.Booth",
      Headline: "title",
      "Booth Staff": "colleague",
    },
    activity: "event_scan",
    source:
      "Hopin (RingCentral Events) expo booth visitors/leads export: Name, Email, Headline, Company, Booth, Visited At, plus the exhibitor's staff and notes; names from Hopin's organizer help, not checked against a downloaded file",
  },
  {
    id: "hubspot",
    name: "HubSpot contacts export",
    signature: ["Record ID", "Lifecycle Stage"],
    columns: {
      "Create Date": "attributes.HubSpot create date",
      "Record ID": "attributes.HubSpot record id",
    },
    activity: "event_scan",
    source:
      "HubSpot Contacts → Export (CSV): Record ID, First Name, Last Name, Email, Phone Number, Company Name, Job Title, Country/Region, State/Region, City, Number of Employees, Industry, Lifecycle Stage, Lead Status, Contact owner, Create Date, Website URL, Original Source",
  },
  {
    id: "salesforce-report",
    name: "Salesforce report export",
    signature: ["Lead Owner", "Lead Source"],
    columns: {
      "Company / Account": "company",
      "Lead Source": "attributes.Lead Source",
      "Lead Owner": "attributes.Lead Owner",
    },
    activity: "event_scan",
    source:
      "Salesforce Reports → Export → Details Only (CSV) of a Leads report: Lead Owner, First Name, Last Name, Title, Company / Account, Email, Phone, Mobile, Lead Source, Lead Status, Country, State/Province, No. of Employees, Industry, Email Opt Out; followed by the footer lines 'Grand Totals (N records)', 'Confidential Information - Do Not Distribute' and the salesforce.com copyright",
  },
];

function key(header: string): string {
  return header
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "");
}

/** The tool whose export this header is, if Baton knows it. */
export function detectFormat(header: string[]): ExportFormat | undefined {
  const keys = new Set(header.map(key));
  return EXPORT_FORMATS.find((format) => format.signature.every((column) => keys.has(key(column))));
}

/** Lines of report text that are not leads: Salesforce's footer, section titles. */
const REPORT_LINES =
  /^(grand totals?\b|total\b|subtotal\b|confidential information|copyright \(c\)|copyright ©|generated by\b|filtered by\b|host details$|panelist details$|attendee details$)/i;

/** A row that holds only a line of report text (a footer, a section title), not a lead. */
export function isReportLine(fields: string[]): boolean {
  const filled = fields.filter((field) => field.trim() !== "");
  return filled.length === 1 && REPORT_LINES.test(filled[0]!.trim());
}

/**
 * Zoom's reports start with sections before the attendee table; the title of the table that
 * holds the people (the next line is its header).
 */
export const ATTENDEE_SECTION = /^attendee details$/i;

/** A value from the report preamble: the cell under `column` in the line after its header. */
export function preambleValue(preamble: string[][], column: string): string | undefined {
  for (const [i, record] of preamble.entries()) {
    const at = record.findIndex((cell) => key(cell) === key(column));
    const value = at >= 0 ? preamble[i + 1]?.[at]?.trim() : undefined;
    if (value) return value;
  }
  return undefined;
}
