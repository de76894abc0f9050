// `baton import --preview`: how the first rows of a file map, column by column, with the value
// Baton reads from each, before anything is written (no database is opened). A marketer checks a
// new tool's export in seconds, and sees which rows would be refused or warned about.
import type { Target } from "#src/import/csv-columns.ts";
import type { CsvBadRecord, CsvRow } from "#src/import/csv-reader.ts";
import { rowToLead } from "#src/import/csv-row.ts";
import { isReportLine } from "#src/import/export-formats.ts";
import { openImport, type ReadOptions, rowOptionsFor } from "#src/import/open-import.ts";
import type { LeadRequest } from "#src/intake/schemas.ts";

export interface PreviewCell {
  column: string;
  /** What the column feeds: "companySize", "badge scan colleague", "custom attribute "X"". */
  field: string;
  raw: string;
  /** The value as Baton reads it; absent when it could not (see the row's warnings). */
  value?: string;
}

export interface PreviewRow {
  line: number;
  rejected?: string;
  warnings: string[];
  cells: PreviewCell[];
}

export interface ImportPreview {
  file: string;
  format?: string;
  formatSource?: string;
  headerLine: number;
  delimiter: string;
  rows: PreviewRow[];
}

export async function previewImport(
  options: ReadOptions & { rows?: number },
): Promise<ImportPreview> {
  const { csv, mapping, format } = await openImport(options);
  const rowOptions = rowOptionsFor(options, csv, format);
  const rows: PreviewRow[] = [];
  try {
    for await (const record of csv.records) {
      if (rows.length >= (options.rows ?? 3)) break;
      if (record.kind === "row" && isReportLine(record.fields)) continue;
      rows.push(previewRow(record, mapping, rowOptions));
    }
  } finally {
    csv.close();
  }
  return {
    file: options.file,
    format: format?.name,
    formatSource: format?.source,
    headerLine: csv.headerLine,
    delimiter: csv.delimiter,
    rows,
  };
}

function previewRow(
  record: CsvRow | CsvBadRecord,
  mapping: Parameters<typeof rowToLead>[1],
  rowOptions: Parameters<typeof rowToLead>[2],
): PreviewRow {
  if (record.kind === "malformed") {
    return { line: record.line, rejected: record.reason, warnings: [], cells: [] };
  }
  const result = rowToLead(record.fields, mapping, rowOptions);
  const lead = result.ok ? result.lead : undefined;
  const cells = mapping.header.flatMap((column, i): PreviewCell[] => {
    const raw = record.fields[i]?.trim() ?? "";
    const target = mapping.targets[i]!;
    if (raw === "" || target.kind === "ignore") return [];
    return [{ column, field: fieldLabel(target), raw, value: lead && readValue(target, lead) }];
  });
  return result.ok
    ? { line: record.line, warnings: result.warnings, cells }
    : { line: record.line, rejected: result.reason, warnings: [], cells };
}

function fieldLabel(target: Target): string {
  switch (target.kind) {
    case "lead":
      return target.field;
    case "event":
      return `activity ${target.field}`;
    case "attribute":
      return `custom attribute "${target.key}"`;
    default:
      return "ignored";
  }
}

/** The value the lead got from a column, as text. */
function readValue(target: Target, lead: LeadRequest): string | undefined {
  const text = (value: unknown) =>
    value === undefined || value === null
      ? undefined
      : value instanceof Date
        ? value.toISOString()
        : typeof value === "boolean"
          ? value
            ? "yes"
            : "no"
          : String(value);
  const activity = lead.activities?.[0] as Record<string, unknown> | undefined;
  switch (target.kind) {
    case "lead":
      if (target.field === "name")
        return text([lead.firstName, lead.lastName].filter(Boolean).join(" / "));
      return text(lead[target.field]);
    case "event":
      if (target.field === "scannedAt" || target.field === "registeredAt")
        return text(activity?.occurredAt);
      if (target.field === "attended") return text(activity?.type);
      if (target.field === "eventName") return text(activity?.eventName ?? activity?.title);
      return text(activity?.[target.field]);
    case "attribute":
      return text(lead.attributes?.[target.key]);
    default:
      return undefined;
  }
}
