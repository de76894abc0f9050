// Streams a CSV file record by record (csv-parse), never holding the whole file: BOM, quoted
// fields with line breaks, CRLF, and `,` `;` or tab delimiters (detected from the header line
// unless given). Each record carries the physical line it starts on, counted from the line
// breaks in its fields (csv-parse's own line counter counts a quoted CRLF twice), and the
// bytes read so far, for progress.
import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { type CsvError, parse } from "csv-parse";
import { errorMessage, FatalError } from "#src/errors.ts";

export interface CsvRow {
  kind: "row";
  line: number;
  fields: string[];
}
export interface CsvBadRecord {
  kind: "malformed";
  line: number;
  reason: string;
  raw: string;
}

export interface CsvFile {
  header: string[];
  delimiter: string;
  bom: boolean;
  size: number;
  /** Bytes of the file consumed by the parser so far. */
  bytesRead(): number;
  records: AsyncIterable<CsvRow | CsvBadRecord>;
  close(): void;
}

const SNIFF_BYTES = 64 * 1024;
/** A longer record is a quote never closed: stop instead of buffering the rest of the file. */
const MAX_RECORD_BYTES = 4 * 2 ** 20;

/** The file's first bytes, once it is known to be a non-empty CSV text file; else why not. */
async function readableHead(path: string): Promise<{ head: Buffer; size: number }> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new FatalError(`${path} is not a file.`);
    size = info.size;
  } catch (error) {
    if (error instanceof FatalError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new FatalError(
      code === "ENOENT"
        ? `File not found: ${path}. Check the file name and folder.`
        : `Cannot read ${path}: ${errorMessage(error)}`,
    );
  }
  const head = await readHead(path);
  if (
    size === 0 ||
    head
      .toString("utf8")
      .replace(/^\ufeff/, "")
      .trim() === ""
  ) {
    throw new FatalError(
      `${path} is empty. Expected a header row such as "Email,First Name,Last Name,Company" and one row per lead.`,
    );
  }
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
    throw new FatalError(
      `${path} is UTF-16 text. Save it as "CSV UTF-8" (Excel: File → Save As → CSV UTF-8) and import that.`,
    );
  }
  if (head.includes(0)) {
    throw new FatalError(
      `${path} does not look like a CSV text file (it contains binary data). Export the list as CSV (UTF-8) first.`,
    );
  }
  return { head, size };
}

export async function openCsv(
  path: string,
  options: { delimiter?: string } = {},
): Promise<CsvFile> {
  const { head, size } = await readableHead(path);
  const bom = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf;
  const delimiter = options.delimiter ?? detectDelimiter(head.toString("utf8"));

  const stream = createReadStream(path);
  // Lines are counted as csv-parse hands records over, in file order, so a malformed record
  // (reported through on_skip) gets its own line too.
  let nextLine = 1;
  const skipped: CsvBadRecord[] = [];
  let fatal: FatalError | undefined;
  const parser = parse({
    max_record_size: MAX_RECORD_BYTES,
    bom: true,
    delimiter,
    relax_column_count: true,
    relax_quotes: true,
    skip_records_with_error: true,
    on_record: (record: string[]) => {
      const line = nextLine;
      nextLine += 1 + lineBreaks(record.join(""));
      // csv-parse types on_record as returning a record; the iterator below reads this shape.
      return { line, fields: record } as unknown as string[];
    },
    on_skip: (error: CsvError | undefined, raw: string | undefined) => {
      if (error?.code === "CSV_MAX_RECORD_SIZE") {
        // csv-parse cannot resume after this error: the rest of the file would be lost quietly.
        fatal ??= new FatalError(
          `Stopped at line ${nextLine} of ${path}: a row longer than 4 MB, most likely a quote (") that is never closed. Rows before it were processed; fix the file and run the same import again (rows already imported are skipped).`,
        );
        return undefined;
      }
      skipped.push({
        kind: "malformed",
        line: nextLine,
        reason: `malformed CSV: ${(error?.message ?? "unreadable record").replace(/ at line \d+/, "")}`,
        raw: raw ?? "",
      });
      nextLine += lineBreaks(raw ?? "") || 1;
      return undefined;
    },
  });
  stream.on("error", (error) => parser.destroy(error));
  stream.pipe(parser);

  const iterator = (parser as AsyncIterable<{ line: number; fields: string[] }>)[
    Symbol.asyncIterator
  ]();
  const first = await iterator.next().catch((error: unknown) => {
    throw new FatalError(`Cannot read the header of ${path}: ${errorMessage(error)}`);
  });
  const header = first.done ? undefined : first.value.fields.map((cell) => cell.trim());
  const notUtf8 = header?.some((cell) => cell.includes("\ufffd"));
  if (!header || header.every((cell) => cell === "") || notUtf8) {
    stream.destroy();
    throw new FatalError(
      notUtf8
        ? `Cannot read the header of ${path}: it is not UTF-8 text. Save the list as "CSV UTF-8" and import that.`
        : `Cannot read the header of ${path}: the first line should name the columns, e.g. "Email,First Name,Last Name,Company".`,
    );
  }

  async function* records(): AsyncGenerator<CsvRow | CsvBadRecord> {
    for (;;) {
      const next = await iterator.next();
      while (skipped.length > 0 && (next.done || skipped[0]!.line < next.value.line)) {
        yield skipped.shift()!;
      }
      if (fatal) throw fatal;
      if (next.done) return;
      // Blank lines and lines of empty cells are not rows.
      if (next.value.fields.every((field) => field.trim() === "")) continue;
      yield { kind: "row", line: next.value.line, fields: next.value.fields };
    }
  }

  return {
    header,
    delimiter,
    bom,
    size,
    bytesRead: () => parser.info.bytes,
    records: records(),
    close: () => {
      stream.destroy();
      parser.destroy();
    },
  };
}

async function readHead(path: string): Promise<Buffer> {
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** The delimiter the header line uses most, outside quotes: `,` `;` or tab. */
export function detectDelimiter(text: string): string {
  const counts = new Map<string, number>([
    [",", 0],
    [";", 0],
    ["\t", 0],
  ]);
  let quoted = false;
  for (const char of text.replace(/^\ufeff/, "")) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && (char === "\n" || char === "\r")) break;
    else if (!quoted && counts.has(char)) counts.set(char, counts.get(char)! + 1);
  }
  let best = ",";
  for (const [char, count] of counts) if (count > counts.get(best)!) best = char;
  return best;
}

function lineBreaks(text: string): number {
  return text.match(/\r\n|\n|\r/g)?.length ?? 0;
}
