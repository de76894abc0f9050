// The import's reader thread: reads the CSV file (csv-parse), maps and validates each row (zod)
// into the LeadRequest it becomes, and sends the records to the import in chunks, in file order.
// On PGlite the database runs in the import's own thread, so reading and validating there took
// a third of the import's time away from the database (docs/decisions/016). The reader stays a
// few chunks ahead at most: it waits for the import to take one before it sends another, so a
// slow database bounds the rows in memory, not the file's size.
import { parentPort, workerData } from "node:worker_threads";
import { FatalError } from "#src/errors.ts";
import type { ColumnMapping } from "#src/import/csv-columns.ts";
import { describeMapping } from "#src/import/csv-columns.ts";
import type { CsvBadRecord, CsvRow } from "#src/import/csv-reader.ts";
import { type RowOptions, rowToLead } from "#src/import/csv-row.ts";
import { isReportLine } from "#src/import/export-formats.ts";
import { openImport, rowOptionsFor } from "#src/import/open-import.ts";
import {
  type FromReader,
  type Positioned,
  type ReaderSetup,
  type ReadItem,
  recordBytes,
} from "#src/import/read-protocol.ts";
import { planNewLead } from "#src/services/new-lead-plan.ts";

const port = parentPort!;
const setup = workerData as ReaderSetup;
const post = (message: FromReader) => port.postMessage(message);

/** Chunks the import may still take before the reader waits. */
let credit = setup.chunksAhead;
let wake: (() => void) | undefined;
port.on("message", () => {
  credit += 1;
  wake?.();
  wake = undefined;
});

async function send(items: Positioned[], bytes: number): Promise<void> {
  while (credit === 0) await new Promise<void>((resolve) => (wake = resolve));
  credit -= 1;
  plan(items);
  post({ type: "chunk", items, bytes });
}

/**
 * Plans the new lead of each row of a chunk, for the time the chunk is sent (the import writes
 * it within moments; a row whose lead exists by then is merged instead, and its plan dropped).
 * On PGlite this took a fifth of the database's thread (docs/decisions/017).
 */
function plan(items: Positioned[]): void {
  const { planning } = setup;
  if (!planning) return;
  const context = {
    scoring: planning.scoring,
    actor: planning.actor,
    now: planning.now ?? new Date(),
  };
  for (const item of items) {
    if (item.kind === "row") item.plan = planNewLead(item.lead, context);
  }
}

function check(
  record: CsvRow | CsvBadRecord,
  mapping: ColumnMapping,
  rowOptions: RowOptions,
): ReadItem {
  if (record.kind === "malformed") {
    return { kind: "reject", line: record.line, fields: [record.raw], reason: record.reason };
  }
  if (isReportLine(record.fields)) return { kind: "report", line: record.line };
  const result = rowToLead(record.fields, mapping, rowOptions);
  return result.ok
    ? {
        kind: "row",
        line: record.line,
        fields: record.fields,
        lead: result.lead,
        warnings: result.warnings,
      }
    : { kind: "reject", line: record.line, fields: record.fields, reason: result.reason };
}

async function read(): Promise<void> {
  const options = { ...setup.read, now: () => setup.read.now };
  const { csv, mapping, rejectsPath, format } = await openImport(options);
  try {
    post({
      type: "opened",
      file: {
        header: csv.header,
        headerLine: csv.headerLine,
        delimiter: csv.delimiter,
        bom: csv.bom,
        size: csv.size,
        format: format?.name,
        columns: describeMapping(mapping),
        rejectsPath,
      },
    });
    const rowOptions = rowOptionsFor(options, csv, format);
    let items: Positioned[] = [];
    let bytes = 0;
    try {
      for await (const record of csv.records) {
        items.push({ ...check(record, mapping, rowOptions), bytesRead: csv.bytesRead() });
        bytes += record.kind === "row" ? recordBytes(record.fields) : record.raw.length;
        if (items.length >= setup.chunkRecords || bytes >= setup.chunkBytes) {
          await send(items, bytes);
          items = [];
          bytes = 0;
        }
      }
    } finally {
      // The rows read before the file stopped being readable still go in (and before the error).
      if (items.length > 0) await send(items, bytes);
    }
  } finally {
    csv.close();
  }
}

read().then(
  () => post({ type: "end" }),
  (error: unknown) =>
    post({
      type: "failed",
      fatal: error instanceof FatalError,
      message: error instanceof Error ? error.message : String(error),
      stack: error instanceof Error ? error.stack : undefined,
    }),
);
