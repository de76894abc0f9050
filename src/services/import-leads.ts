// Imports a lead list (a trade-show export, a purchased list) from a CSV file: streams it, maps
// its columns, validates each row as the intake API validates a lead, and captures good rows in
// batches through the capture service (actor IMPORT) while bad rows go to a rejects report with
// their line and reason. A re-run of the same file changes nothing: rows whose lead already
// holds the same values and scan are skipped before capture (no audit noise, no re-scoring),
// and so are rows a later row of the same person overrides (see sortStored).
import { basename } from "node:path";
import { isDatabaseUnavailable } from "#src/db/connection-errors.ts";
import type { Database } from "#src/db/database.ts";
import { LEAD_FIELDS } from "#src/domain/capture.ts";
import { errorMessage, FatalError } from "#src/errors.ts";
import type { ReadOptions } from "#src/import/open-import.ts";
import type { ProgressSnapshot } from "#src/import/progress.ts";
import { readInWorker, type WorkerReader } from "#src/import/read-in-worker.ts";
import { type OpenedFile, recordBytes } from "#src/import/read-protocol.ts";
import { RejectsReport } from "#src/import/rejects-report.ts";
import type { LeadRequest } from "#src/intake/schemas.ts";
import type { Scoring } from "#src/playbook/schema.ts";
import {
  type CaptureContext,
  type CaptureLeadResult,
  createEach,
  mergeEach,
  type Settled,
} from "#src/services/capture-lead.ts";
import type { Actor } from "#src/services/lead-journal.ts";
import type { NewLeadPlan } from "#src/services/new-lead-plan.ts";

export interface ImportLeadsOptions extends ReadOptions {
  /** Absent in a dry run: nothing is read from or written to the database. */
  db?: Database;
  scoring: Scoring;
  accountMatching: boolean;
  dryRun?: boolean;
  /** Rows written together, at most (fewer when they hold more than MAX_BATCH_BYTES). */
  batchSize?: number;
  /** Rows held back for a later row of the same person, at most (MAX_HELD; tests lower it). */
  heldRows?: number;
  /** Rows of known people merged together, at most (MERGED_TOGETHER; tests lower it). */
  mergeRows?: number;
  onProgress?: (snapshot: ProgressSnapshot) => void;
  /** Stops reading (Ctrl-C): rows read so far are written, the summary says where it stopped. */
  signal?: AbortSignal;
}

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
  /** Its new lead, planned by the reader thread for the time its batch is written. */
  plan?: NewLeadPlan;
}

type Reject = (line: number, reason: string, fields: string[]) => Promise<void>;
type Warn = (line: number, warnings: string[]) => void;

/** Warnings listed by line in the summary; the rest are counted. */
const WARNINGS_LISTED = 20;
/**
 * The bytes of rows (their fields' characters) a batch holds at most: 500 rows of a trade-show
 * list hold ~0.1 MB, but a row may hold up to 4 MB (the reader's limit). With the chunks the
 * reader sends ahead and the batch being written, this bounds the rows in memory at a few MB.
 */
const MAX_BATCH_BYTES = 1024 * 1024;
/** Chunks the reader thread reads ahead of the import. */
const CHUNKS_AHEAD = 2;

interface BatchWriter {
  /** Waits for the batch being written, then starts writing this one. */
  write(batch: Pending[]): Promise<void>;
  /** Writes the rows held back for a later row of the same person that never came. */
  finish(): Promise<void>;
  /** Waits for the batch being written; its failure surfaces here. */
  settled(): Promise<void>;
}

/**
 * Rows held back at most (sortStored): past this, the oldest are written in their batch's
 * place. Held-back rows are corrections of stored leads, a few in a usual file; the bound keeps
 * a file that corrects every lead from holding all of it in memory.
 */
const MAX_HELD = 2_000;

export async function importLeads(options: ImportLeadsOptions): Promise<ImportSummary> {
  const started = performance.now();
  const dryRun = options.dryRun ?? false;
  if (!dryRun && !options.db) throw new Error("importLeads needs a database unless dryRun");
  const batchSize = options.batchSize ?? 500;
  const clock = options.now?.();
  const reader = await readInWorker(
    readOptions(options, clock ?? new Date()),
    { chunkRecords: batchSize, chunkBytes: MAX_BATCH_BYTES, chunksAhead: CHUNKS_AHEAD },
    // The reader plans new leads while this thread writes (on PGlite, it runs the database).
    dryRun ? undefined : { scoring: options.scoring, actor: importActor(options), now: clock },
  );
  const { file } = reader;
  const rejects = new RejectsReport(file.rejectsPath, file.header, file.delimiter, file.bom);
  const summary = emptySummary(options, dryRun, file);
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
    await readRows(reader, { ...options, batchSize }, { summary, reject, warn, writer });
    if (options.rejectsPath) rejects.open();
  } finally {
    await reader.close();
    await rejects.close();
  }
  summary.durationMs = performance.now() - started;
  summary.rowsPerSecond = summary.read / Math.max(summary.durationMs / 1000, 0.001);
  if (rejects.count > 0 || options.rejectsPath) summary.rejectsPath = file.rejectsPath;
  return summary;
}

/** The reading part of the options: what crosses to the reader thread (plain data). */
function readOptions(options: ImportLeadsOptions, now: Date): ReadOptions {
  return {
    file: options.file,
    source: options.source,
    campaign: options.campaign,
    event: options.event,
    eventDate: options.eventDate,
    map: options.map,
    delimiter: options.delimiter,
    dates: options.dates,
    strict: options.strict,
    rejectsPath: options.rejectsPath,
    now: () => now,
  };
}

function emptySummary(
  options: ImportLeadsOptions,
  dryRun: boolean,
  file: OpenedFile,
): ImportSummary {
  return {
    file: options.file,
    dryRun,
    delimiter: file.delimiter,
    format: file.format,
    headerLine: file.headerLine,
    columns: file.columns,
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

/**
 * Takes the file's records from the reader in order, rejecting bad rows and writing good ones
 * in batches of at most `batchSize` rows and MAX_BATCH_BYTES: the bytes in flight are bounded
 * whatever the rows hold (a row may be up to 4 MB).
 */
async function readRows(
  reader: WorkerReader,
  options: ImportLeadsOptions & { batchSize: number },
  run: { summary: ImportSummary; reject: Reject; warn: Warn; writer: BatchWriter },
): Promise<void> {
  const { summary, writer } = run;
  let batch: Pending[] = [];
  let bytes = 0;
  try {
    for await (const item of reader.items) {
      if (options.signal?.aborted) {
        summary.stoppedAtLine = item.line;
        break;
      }
      if (item.kind === "report") {
        summary.reportLines += 1;
        continue;
      }
      summary.read += 1;
      if (item.kind === "reject") {
        await run.reject(item.line, item.reason, item.fields);
      } else {
        if (item.warnings.length > 0) run.warn(item.line, item.warnings);
        summary.valid += 1;
        // A batch is written for one time: its rows' plans are for the time of their chunk.
        if (batch.length > 0 && batch[0]!.plan?.at !== item.plan?.at) {
          await writer.write(batch);
          batch = [];
          bytes = 0;
        }
        batch.push({ line: item.line, fields: item.fields, lead: item.lead, plan: item.plan });
        bytes += recordBytes(item.fields);
        if (batch.length >= options.batchSize || bytes >= MAX_BATCH_BYTES) {
          await writer.write(batch);
          batch = [];
          bytes = 0;
        }
      }
      options.onProgress?.({
        rows: summary.read,
        bytes: item.bytesRead,
        totalBytes: reader.file.size,
      });
    }
    await writer.write(batch);
    await writer.finish();
    await writer.settled();
  } catch (error) {
    // The file stopped being readable: the rows read before that point still go in.
    if (error instanceof FatalError) {
      await writer
        .write(batch)
        .then(() => writer.finish())
        .catch(() => {});
    }
    // Never leave a batch writing while the caller closes the database.
    await writer.settled().catch(() => {});
    throw error;
  }
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
  if (!db) return { write: async () => {}, finish: async () => {}, settled: () => inFlight };
  const statistics = tableStatistics();
  const state: WriteState = {
    summary,
    reject,
    held: new Map(),
    last: new Set(),
    pending: [],
    pendingBytes: 0,
    pendingFor: new Set(),
    createdFor: new Set(),
  };
  const heldRows = options.heldRows ?? MAX_HELD;
  const start = (work: () => Promise<void>) => {
    inFlight = work();
    // A failure surfaces at the next await of inFlight; keep it from being unhandled meanwhile.
    inFlight.catch(() => {});
  };
  return {
    async write(batch) {
      await inFlight;
      if (batch.length === 0) return;
      const { held } = state;
      // The rows held for a person this batch names come back, before it (they come earlier in
      // the file); past heldRows, the oldest are written whatever follows.
      const back = [...new Set(batch.map((row) => row.lead.email))].flatMap((email) => {
        const row = held.get(email);
        held.delete(email);
        return row ? [row] : [];
      });
      const flush = [...held.values()].slice(0, Math.max(held.size - heldRows, 0));
      for (const row of flush) {
        held.delete(row.lead.email);
        state.last.add(row);
      }
      const rows = [...flush, ...back].sort((a, b) => a.line - b.line).concat(batch);
      start(async () => {
        await writeBatch(db, rows, options, state, false);
        await statistics.afterBatch(db, rows.length);
      });
    },
    async finish() {
      await inFlight;
      const rest = [...state.held.values()];
      state.held.clear();
      start(() => writeBatch(db, rest, options, state, true));
    },
    settled: () => inFlight,
  };
}

/** What the batches of one import pass on to the next ones. */
interface WriteState {
  summary: ImportSummary;
  reject: Reject;
  /** Rows held back by email, oldest first: each waits for a later row of its person. */
  held: Map<string, Pending>;
  /** Rows written if they still differ from their lead, never held back again. */
  last: Set<Pending>;
  /** Rows whose person is stored (or a row's create failed), to sort and merge. */
  pending: Pending[];
  pendingBytes: number;
  /** The emails of pending rows: a later row of one is not created before them. */
  pendingFor: Set<string>;
  /** The people the batches since pending rows were last merged created. */
  createdFor: Set<string>;
}

/**
 * Pending rows merged together, at most: merging costs a transaction of ~9 statements however
 * few rows it holds, and a new list repeats ~1% of its people, a few rows a batch.
 */
const MERGED_TOGETHER = 500;

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

/**
 * Captures a batch, each row on its own: one row the database refuses costs only itself. New
 * people are created at once; the other rows wait in `pending` until there are enough of them
 * to merge together, or the file ends (`final`).
 */
async function writeBatch(
  db: Database,
  batch: Pending[],
  options: ImportLeadsOptions,
  state: WriteState,
  final: boolean,
): Promise<void> {
  const planned = batch.find((row) => row.plan)?.plan?.at;
  const context: CaptureContext = {
    scoring: options.scoring,
    accountMatching: options.accountMatching,
    actor: importActor(options),
    now: planned ? new Date(planned) : (options.now ?? (() => new Date()))(),
  };
  const settle = async (row: Pending, outcome: Settled<CaptureLeadResult>) => {
    if (outcome.ok) count(state.summary, outcome.value);
    else if (isDatabaseUnavailable(outcome.error)) throw outcome.error;
    else await state.reject(row.line, `not saved: ${errorMessage(outcome.error)}`, row.fields);
  };
  // New people first, in one statement (a person already stored is left out): in a new list
  // most rows are, and only the others need looking up. Rows held back carry no plan (their
  // person is stored), and a person with a pending row waits for it.
  const plannedRows = batch.filter((row) => row.plan && !state.pendingFor.has(row.lead.email));
  const created = await createEach(
    db,
    plannedRows.map((row) => row.lead),
    context,
    plannedRows.map((row) => row.plan),
  );
  const done = new Set<Pending>();
  for (const [k, outcome] of created.entries()) {
    if (!outcome) continue;
    const row = plannedRows[k]!;
    done.add(row);
    if (outcome.ok) state.createdFor.add(row.lead.email);
    await settle(row, outcome);
  }
  for (const row of batch) {
    if (done.has(row)) continue;
    state.pending.push(row);
    state.pendingBytes += recordBytes(row.fields);
    state.pendingFor.add(row.lead.email);
  }
  const { pending } = state;
  const enough =
    pending.length >= (options.mergeRows ?? MERGED_TOGETHER) ||
    state.pendingBytes >= MAX_BATCH_BYTES;
  if (pending.length === 0 || !(final || enough)) return;
  const last = final ? new Set(pending) : state.last;
  const createdFor = state.createdFor;
  Object.assign(state, {
    pending: [],
    pendingBytes: 0,
    pendingFor: new Set(),
    createdFor: new Set(),
    last: new Set(),
  });
  const { fresh, hold, skipped } = await sortStored(db, pending, last, createdFor);
  state.summary.unchanged += skipped;
  for (const row of hold) state.held.set(row.lead.email, { ...row, plan: undefined });
  const outcomes = await mergeEach(
    db,
    fresh.map((row) => row.lead),
    context,
  );
  for (const [i, outcome] of outcomes.entries()) await settle(fresh[i]!, outcome);
}

function importActor(options: ImportLeadsOptions): Actor {
  return { type: "IMPORT", id: basename(options.file).slice(0, 100) };
}

function count(summary: ImportSummary, result: CaptureLeadResult): void {
  if (result.created) summary.created += 1;
  else summary.merged += 1;
  if (result.qualified) summary.qualified += 1;
  summary.activitiesAdded += result.activitiesAdded;
}

/**
 * Sorts a batch's rows (in file order) by what their leads hold:
 * - fresh: to write now. A new person; a row with a scan its lead lacks; any row after one of
 *   the same person written in this batch, or whose lead the batch `created` (what is stored
 *   now is not what it will meet).
 * - skipped: its lead holds every value it sets and its scans, or a later row of the same person
 *   sets every value in which it differs. Re-importing a file that lists someone twice with
 *   different values (two badge scans, one title each) thus changes nothing: its earlier row
 *   differs from the lead, which holds the later row's values.
 * - hold: differs from its lead, holds no new scan, and is the last of its person in the batch:
 *   it waits for the next batch that names the person (then it is skipped or written there) or
 *   for the end of the file.
 */
async function sortStored(
  db: Database,
  batch: Pending[],
  last: Set<Pending>,
  created: Set<string>,
): Promise<{ fresh: Pending[]; hold: Pending[]; skipped: number }> {
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
  if (stored.length === 0) return { fresh: batch, hold: [], skipped: 0 };
  const byEmail = new Map(stored.map((row) => [row.email, row]));
  const scanned = new Set(stored.flatMap((row) => (row.scanned ? [row.scan] : [])));
  const fresh: Pending[] = [];
  const hold: Pending[] = [];
  const written = new Set(created);
  for (const [i, row] of batch.entries()) {
    const { lead } = row;
    const known = byEmail.get(lead.email);
    if (
      !known ||
      written.has(lead.email) ||
      (lead.activities ?? []).some((a) => !scanned.has(a.externalId!))
    ) {
      fresh.push(row);
      written.add(lead.email);
      continue;
    }
    const differs = differences(lead, known);
    if (differs.length === 0) continue;
    const later = batch.slice(i + 1).filter((other) => other.lead.email === lead.email);
    if (later.length === 0 && !last.has(row)) {
      hold.push(row);
    } else if (!differs.every((key) => later.some((other) => sets(other.lead, key)))) {
      fresh.push(row);
      written.add(lead.email);
    }
  }
  return { fresh, hold, skipped: batch.length - fresh.length - hold.length };
}

/** The values a row sets that its lead does not hold: field names, and "attributes.<key>". */
function differences(lead: LeadRequest, known: Record<string, unknown>): string[] {
  const attributes = known.attributes as Record<string, unknown>;
  return [
    ...LEAD_FIELDS.filter((f) => lead[f] !== undefined && known[f] !== lead[f]),
    ...Object.entries(lead.attributes ?? {})
      .filter(([key, value]) => attributes[key] !== value)
      .map(([key]) => `attributes.${key}`),
  ];
}

function sets(lead: LeadRequest, key: string): boolean {
  return key.startsWith("attributes.")
    ? lead.attributes?.[key.slice("attributes.".length)] !== undefined
    : lead[key as (typeof LEAD_FIELDS)[number]] !== undefined;
}
