// Imports a lead list (a trade-show export, a purchased list) from a CSV file: streams it, maps
// its columns, validates each row as the intake API validates a lead, and captures good rows in
// batches through the capture service (actor IMPORT) while bad rows go to a rejects report with
// their line and reason. A re-run of the same file changes nothing: rows whose lead already
// holds the same values and scan are skipped before capture (no audit noise, no re-scoring).
import { basename, dirname, extname, join, resolve } from "node:path";
import { isDatabaseUnavailable } from "#src/db/connection-errors.ts";
import type { Database } from "#src/db/database.ts";
import { LEAD_FIELDS } from "#src/domain/capture.ts";
import { errorMessage, FatalError } from "#src/errors.ts";
import {
  type ColumnMapping,
  describeMapping,
  isEmailColumn,
  mapColumns,
  parseMapOptions,
} from "#src/import/csv-columns.ts";
import { type CsvBadRecord, type CsvFile, type CsvRow, openCsv } from "#src/import/csv-reader.ts";
import { type RowOptions, rowToLead } from "#src/import/csv-row.ts";
import {
  detectFormat,
  type ExportFormat,
  isReportLine,
  preambleValue,
} from "#src/import/export-formats.ts";
import type { ProgressSnapshot } from "#src/import/progress.ts";
import { RejectsReport } from "#src/import/rejects-report.ts";
import type { DateOrder } from "#src/import/value-formats.ts";
import type { LeadRequest } from "#src/intake/schemas.ts";
import type { Scoring } from "#src/playbook/schema.ts";
import { type CaptureLeadResult, captureEach } from "#src/services/capture-lead.ts";

export interface ImportLeadsOptions {
  file: string;
  /** Absent in a dry run: nothing is read from or written to the database. */
  db?: Database;
  scoring: Scoring;
  accountMatching: boolean;
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
  dryRun?: boolean;
  /** Where rejected rows go; default `<file>.rejects.csv` beside the file, when there are any. */
  rejectsPath?: string;
  batchSize?: number;
  now?: () => Date;
  onProgress?: (snapshot: ProgressSnapshot) => void;
  /** Stops reading (Ctrl-C): rows read so far are written, the summary says where it stopped. */
  signal?: AbortSignal;
}

/** What reading a file needs (the preview reads without scoring or a database). */
export type ReadOptions = Pick<
  ImportLeadsOptions,
  | "file"
  | "source"
  | "campaign"
  | "event"
  | "eventDate"
  | "map"
  | "delimiter"
  | "dates"
  | "strict"
  | "rejectsPath"
  | "now"
>;

export interface ImportSummary {
  file: string;
  dryRun: boolean;
  delimiter: string;
  /** The tool whose export the file is, when Baton recognises it. */
  format?: string;
  /** The header's line, when a report preamble comes before it. */
  headerLine: number;
  /** How each column was read: "Email Address → email". */
  columns: string[];
  /** Data rows read (blank lines are not rows). */
  read: number;
  /** New leads created. */
  created: number;
  /** Rows merged into a lead that existed (before the import or earlier in the file). */
  merged: number;
  /** Rows already imported with the same values: skipped. */
  unchanged: number;
  /** Rows that would be imported (dry run). */
  valid: number;
  rejected: number;
  /** Rows imported with a value kept as an attribute because Baton could not read it. */
  warned: number;
  /** The first warnings, by line. */
  warnings: { line: number; text: string }[];
  /** Lines of report text (footers, section titles) that are not leads. */
  reportLines: number;
  /** Leads this import made ready for sales (handoff requested). */
  qualified: number;
  activitiesAdded: number;
  rejectsPath?: string;
  /** The line the import stopped before, when it was interrupted. */
  stoppedAtLine?: number;
  durationMs: number;
  rowsPerSecond: number;
}

interface Pending {
  line: number;
  fields: string[];
  lead: LeadRequest;
}

type Reject = (line: number, reason: string, fields: string[]) => Promise<void>;
type Warn = (line: number, warnings: string[]) => void;

/** Warnings listed by line in the summary; the rest are counted. */
const WARNINGS_LISTED = 20;

interface BatchWriter {
  /** Waits for the batch being written, then starts writing this one. */
  write(batch: Pending[]): Promise<void>;
  /** Waits for the batch being written; its failure surfaces here. */
  settled(): Promise<void>;
}

export async function importLeads(options: ImportLeadsOptions): Promise<ImportSummary> {
  const started = performance.now();
  const dryRun = options.dryRun ?? false;
  if (!dryRun && !options.db) throw new Error("importLeads needs a database unless dryRun");
  const { csv, mapping, rejectsPath, format } = await openImport(options);
  const rejects = new RejectsReport(rejectsPath, csv.header, csv.delimiter, csv.bom);
  const summary = emptySummary(options, dryRun, csv, mapping, format);
  const reject: Reject = async (line, reason, fields) => {
    summary.rejected += 1;
    await rejects.add(line, reason, fields);
  };
  const warn: Warn = (line, warnings) => {
    summary.warned += 1;
    for (const text of warnings) {
      if (summary.warnings.length < WARNINGS_LISTED) summary.warnings.push({ line, text });
    }
  };
  const writer = batchWriter(dryRun ? undefined : options.db, options, summary, reject);
  try {
    const rowOptions = rowOptionsFor(options, csv, format);
    await readRows(csv, mapping, rowOptions, options, { summary, reject, warn, writer });
    if (options.rejectsPath) rejects.open();
  } finally {
    csv.close();
    await rejects.close();
  }
  summary.durationMs = performance.now() - started;
  summary.rowsPerSecond = summary.read / Math.max(summary.durationMs / 1000, 0.001);
  if (rejects.count > 0 || options.rejectsPath) summary.rejectsPath = rejectsPath;
  return summary;
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

function emptySummary(
  options: ImportLeadsOptions,
  dryRun: boolean,
  csv: CsvFile,
  mapping: ColumnMapping,
  format: ExportFormat | undefined,
): ImportSummary {
  return {
    file: options.file,
    dryRun,
    delimiter: csv.delimiter,
    format: format?.name,
    headerLine: csv.headerLine,
    columns: describeMapping(mapping),
    read: 0,
    created: 0,
    merged: 0,
    unchanged: 0,
    valid: 0,
    rejected: 0,
    warned: 0,
    warnings: [],
    reportLines: 0,
    qualified: 0,
    activitiesAdded: 0,
    durationMs: 0,
    rowsPerSecond: 0,
  };
}

/** Reads the file row by row, rejecting bad rows and writing good ones in batches. */
async function readRows(
  csv: CsvFile,
  mapping: ColumnMapping,
  rowOptions: RowOptions,
  options: ImportLeadsOptions,
  run: { summary: ImportSummary; reject: Reject; warn: Warn; writer: BatchWriter },
): Promise<void> {
  const { summary, writer } = run;
  const batchSize = options.batchSize ?? 500;
  let batch: Pending[] = [];
  try {
    for await (const record of csv.records) {
      if (options.signal?.aborted) {
        summary.stoppedAtLine = record.line;
        break;
      }
      if (record.kind === "row" && isReportLine(record.fields)) {
        summary.reportLines += 1;
        continue;
      }
      summary.read += 1;
      const pending = await readRecord(record, mapping, rowOptions, run);
      if (pending) {
        summary.valid += 1;
        batch.push(pending);
        if (batch.length >= batchSize) {
          await writer.write(batch);
          batch = [];
        }
      }
      options.onProgress?.({ rows: summary.read, bytes: csv.bytesRead(), totalBytes: csv.size });
    }
    await writer.write(batch);
    await writer.settled();
  } catch (error) {
    // The file stopped being readable: the rows read before that point still go in.
    if (error instanceof FatalError) await writer.write(batch).catch(() => {});
    // Never leave a batch writing while the caller closes the database.
    await writer.settled().catch(() => {});
    throw error;
  }
}

async function readRecord(
  record: CsvRow | CsvBadRecord,
  mapping: ColumnMapping,
  rowOptions: RowOptions,
  run: { reject: Reject; warn: Warn },
): Promise<Pending | undefined> {
  if (record.kind === "malformed") {
    await run.reject(record.line, record.reason, [record.raw]);
    return undefined;
  }
  const result = rowToLead(record.fields, mapping, rowOptions);
  if (result.ok) {
    if (result.warnings.length > 0) run.warn(record.line, result.warnings);
    return { line: record.line, fields: record.fields, lead: result.lead };
  }
  await run.reject(record.line, result.reason, record.fields);
  return undefined;
}

/**
 * One batch is written while the next is parsed; batches go in file order, so a later row for
 * the same person is applied after an earlier one. Without a database (a dry run) it writes
 * nothing.
 */
function batchWriter(
  db: Database | undefined,
  options: ImportLeadsOptions,
  summary: ImportSummary,
  reject: Reject,
): BatchWriter {
  let inFlight: Promise<void> = Promise.resolve();
  const statistics = tableStatistics();
  return {
    async write(batch) {
      await inFlight;
      if (batch.length === 0 || !db) return;
      inFlight = writeBatch(db, batch, options, { summary, reject }).then(() =>
        statistics.afterBatch(db, batch.length),
      );
      // A failure surfaces at the next await of inFlight; keep it from being unhandled meanwhile.
      inFlight.catch(() => {});
    },
    settled: () => inFlight,
  };
}

/** Rows written before the planner's statistics are first refreshed; then each time they double. */
const FIRST_ANALYZE_AT = 1_000;

/**
 * Refreshes the planner's statistics of the tables an import grows, each time the rows it
 * wrote double. An import into an empty or small database makes the tables many times larger
 * within seconds: PGlite has no autovacuum, and PostgreSQL's runs once a minute at most. Its
 * statements are prepared once and keep the plan chosen when the tables were small (a scan of
 * the whole table to update a few leads), so each batch cost more than the one before;
 * ANALYZE replaces those plans. log2(rows / 1,000) times in all, ~0.1-0.3 s each at 50,000.
 */
function tableStatistics() {
  let written = 0;
  let next = FIRST_ANALYZE_AT;
  return {
    async afterBatch(db: Database, rows: number): Promise<void> {
      written += rows;
      if (written < next) return;
      next = written * 2;
      await db.withSession((sql) =>
        sql.exec(`ANALYZE "Lead" ("email", "companyDomain", "status"), "Activity" ("leadId")`),
      );
    },
  };
}

/** Captures a batch, each row on its own: one row the database refuses costs only itself. */
async function writeBatch(
  db: Database,
  batch: Pending[],
  options: ImportLeadsOptions,
  run: { summary: ImportSummary; reject: Reject },
): Promise<void> {
  const { summary } = run;
  const fresh = await withoutUnchanged(db, batch);
  summary.unchanged += batch.length - fresh.length;
  if (fresh.length === 0) return;
  const outcomes = await captureEach(
    db,
    fresh.map((row) => row.lead),
    {
      scoring: options.scoring,
      accountMatching: options.accountMatching,
      actor: { type: "IMPORT", id: basename(options.file).slice(0, 100) },
      now: (options.now ?? (() => new Date()))(),
    },
  );
  for (const [i, outcome] of outcomes.entries()) {
    if (outcome.ok) {
      count(summary, outcome.value);
    } else if (isDatabaseUnavailable(outcome.error)) {
      throw outcome.error;
    } else {
      await run.reject(
        fresh[i]!.line,
        `not saved: ${errorMessage(outcome.error)}`,
        fresh[i]!.fields,
      );
    }
  }
}

function count(summary: ImportSummary, result: CaptureLeadResult): void {
  if (result.created) summary.created += 1;
  else summary.merged += 1;
  if (result.qualified) summary.qualified += 1;
  summary.activitiesAdded += result.activitiesAdded;
}

export function defaultRejectsPath(file: string): string {
  const ext = extname(file);
  return join(dirname(file), `${basename(file, ext)}.rejects${ext || ".csv"}`);
}

/** Drops rows whose lead already has every value the row sets, and its scan. */
async function withoutUnchanged(db: Database, batch: Pending[]): Promise<Pending[]> {
  // One (email, scan) pair per activity of each row, (email, null) for a row without one.
  const emails: string[] = [];
  const scans: (string | null)[] = [];
  for (const { lead } of batch) {
    const ids = (lead.activities ?? []).map((a) => a.externalId!);
    for (const id of ids.length > 0 ? ids : [null]) {
      emails.push(lead.email);
      scans.push(id);
    }
  }
  // One index lookup per pair: the lead by email, the scan by (leadId, externalId). LIMIT keeps
  // the planner from a hash join over the whole table, whose cost on stale statistics crossed
  // the JIT threshold (30-60 ms of compiling per batch of an import into an empty database).
  const stored = await db.withSession((sql) =>
    sql.query<Record<string, unknown> & { email: string; scan: string | null; scanned: boolean }>(
      `SELECT r."email", r."scan", k.* FROM unnest($1::text[], $2::text[]) AS r("email", "scan")
       CROSS JOIN LATERAL (
         SELECT ${LEAD_FIELDS.map((f) => `l."${f}"`).join(", ")}, l."attributes",
                EXISTS (SELECT 1 FROM "Activity" a
                         WHERE a."leadId" = l."id" AND a."externalId" = r."scan") AS "scanned"
           FROM "Lead" l WHERE l."email" = r."email" LIMIT 1) k`,
      [emails, scans],
      "baton_import_stored",
    ),
  );
  if (stored.length === 0) return batch;
  const byEmail = new Map(stored.map((row) => [row.email, row]));
  const scanned = new Set(stored.flatMap((row) => (row.scanned ? [row.scan] : [])));
  return batch.filter(({ lead }) => {
    const known = byEmail.get(lead.email);
    if (!known) return true;
    const same =
      LEAD_FIELDS.every((f) => lead[f] === undefined || known[f] === lead[f]) &&
      Object.entries(lead.attributes ?? {}).every(
        ([key, value]) => (known.attributes as Record<string, unknown>)[key] === value,
      ) &&
      (lead.activities ?? []).every((a) => scanned.has(a.externalId!));
    return !same;
  });
}
