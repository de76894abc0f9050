// Opening a lead list for import: the file, its header, how its columns map and what they imply
// (the recognised tool's export), or a FatalError that says what to fix. Shared by the import
// (in its reader thread, src/import/read-worker.ts) and the preview (in the caller's thread).
import { basename, dirname, extname, join, resolve } from "node:path";
import { errorMessage, FatalError } from "#src/errors.ts";
import {
  type ColumnMapping,
  isEmailColumn,
  mapColumns,
  parseMapOptions,
} from "#src/import/csv-columns.ts";
import { type CsvFile, openCsv } from "#src/import/csv-reader.ts";
import type { RowOptions } from "#src/import/csv-row.ts";
import { detectFormat, type ExportFormat, preambleValue } from "#src/import/export-formats.ts";
import type { DateOrder } from "#src/import/value-formats.ts";

/** What reading a file needs (no scoring, no database). */
export interface ReadOptions {
  file: string;
  source?: string;
  campaign?: string;
  event?: string;
  eventDate?: Date;
  /** `--map` values: "Column Name=field". */
  map?: string[];
  delimiter?: string;
  /** How the file writes slashed dates that could be either way round (default: the tool's). */
  dates?: DateOrder;
  /** Reject rows with a value Baton cannot read, instead of importing them with a warning. */
  strict?: boolean;
  /** Where rejected rows go; default `<file>.rejects.csv` beside the file, when there are any. */
  rejectsPath?: string;
  now?: () => Date;
}

/** How rows are read: the options given, else what the recognised tool implies. */
export function rowOptionsFor(
  options: ReadOptions,
  csv: CsvFile,
  format: ExportFormat | undefined,
): RowOptions {
  // A webinar report names its webinar in the preamble (Zoom's Topic).
  const topic = format?.activity === "webinar" ? preambleValue(csv.preamble, "Topic") : undefined;
  return {
    source: options.source,
    campaign: options.campaign,
    event: options.event ?? topic,
    eventDate: options.eventDate,
    now: (options.now ?? (() => new Date()))(),
    activity: format?.activity,
    dates: options.dates ?? format?.dates,
    strict: options.strict,
  };
}

/** Opens the file and maps its columns; stops with what to fix when it cannot be imported. */
export async function openImport(options: ReadOptions) {
  let overrides: ReturnType<typeof parseMapOptions>;
  try {
    overrides = parseMapOptions(options.map ?? []);
  } catch (error) {
    throw new FatalError(errorMessage(error));
  }
  const csv = await openCsv(options.file, {
    delimiter: options.delimiter,
    isHeader: (cells) => cells.some((cell) => isEmailColumn(cell, overrides)),
  });
  try {
    const format = detectFormat(csv.header);
    return {
      csv,
      format,
      mapping: checkedMapping(csv, overrides, options, format),
      rejectsPath: rejectsFile(options),
    };
  } catch (error) {
    csv.close();
    throw error;
  }
}

function checkedMapping(
  csv: CsvFile,
  overrides: ReturnType<typeof parseMapOptions>,
  options: ReadOptions,
  format: ExportFormat | undefined,
): ColumnMapping {
  let mapping: ColumnMapping;
  try {
    mapping = mapColumns(csv.header, overrides, format?.columns);
  } catch (error) {
    throw new FatalError(errorMessage(error));
  }
  if (!mapping.has("email")) {
    throw new FatalError(
      `No column maps to email; use --map 'Your Column=email'. The header is: ${csv.header.join(", ")}`,
    );
  }
  if (!options.source && !mapping.has("source")) {
    throw new FatalError(
      `Say where these leads come from with --source "Trade show X" (the file has no Source column).`,
    );
  }
  return mapping;
}

function rejectsFile(options: ReadOptions): string {
  const rejectsPath = resolve(options.rejectsPath ?? defaultRejectsPath(options.file));
  if (rejectsPath === resolve(options.file)) {
    throw new FatalError("The rejects report cannot overwrite the file being imported.");
  }
  return rejectsPath;
}

export function defaultRejectsPath(file: string): string {
  const ext = extname(file);
  return join(dirname(file), `${basename(file, ext)}.rejects${ext || ".csv"}`);
}
