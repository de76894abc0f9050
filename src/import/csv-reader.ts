// Streams a CSV file record by record (csv-parse), never holding the whole file: BOM, quoted
// fields with line breaks, CRLF, and `,` `;` or tab delimiters (detected from the header line
// unless given). Each record carries the physical line it starts on, counted from the line
// breaks in its fields (csv-parse's own line counter counts a quoted CRLF twice), and the
// bytes read so far, for progress.
//
// Some exports open with a report preamble before the table (Zoom's attendee report: the report
// title, the webinar's topic and times, then Host and Panelist tables). The header is the line
// after an "Attendee Details" section title when the file has one, else the first line in which
// `isHeader` recognises a column (the email), else the first line.
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
  /** The line the header is on (1 unless a preamble comes first). */
  headerLine: number;
  /** The records before the header: a report's title, its summary, other sections. */
  preamble: string[][];
  delimiter: string;
  bom: boolean;
  size: number;
  /** Bytes of the file consumed by the parser so far. */
  bytesRead(): number;
  records: AsyncIterable<CsvRow | CsvBadRecord>;
  close(): void;
}

const SNIFF_BYTES = 64 * 1024;
/** How far into a file the header is looked for. */
const MAX_PREAMBLE = 60;
const ATTENDEE_SECTION = /^\s*"?attendee details"?\s*(,|$)/im;
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

type Parsed = { line: number; fields: string[] };

export async function openCsv(
  path: string,
  options: { delimiter?: string; isHeader?: (cells: string[]) => boolean } = {},
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

  const iterator = (parser as AsyncIterable<Parsed>)[Symbol.asyncIterator]();
  const found = await findHeader(iterator, {
    sections: ATTENDEE_SECTION.test(head.toString("utf8")),
    isHeader: options.isHeader ?? (() => true),
  }).catch((error: unknown) => {
    throw new FatalError(`Cannot read the header of ${path}: ${errorMessage(error)}`);
  });
  const header = found?.header.fields.map((cell) => cell.trim());
  const notUtf8 = header?.some((cell) => cell.includes("\ufffd"));
  if (!found || !header || header.every((cell) => cell === "") || notUtf8) {
    stream.destroy();
    throw new FatalError(
      notUtf8
        ? `Cannot read the header of ${path}: it is not UTF-8 text. Save the list as "CSV UTF-8" and import that.`
        : `Cannot read the header of ${path}: the first line should name the columns, e.g. "Email,First Name,Last Name,Company".`,
    );
  }
  const buffered = found.rest;

  async function* records(): AsyncGenerator<CsvRow | CsvBadRecord> {
    for (;;) {
      const next: IteratorResult<Parsed> = buffered.length
        ? { done: false, value: buffered.shift()! }
        : await iterator.next();
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
    headerLine: found.header.line,
    preamble: found.preamble.map((record) => record.fields),
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

/**
 * Reads records up to the header: the line after an "Attendee Details" title (`sections`), else
 * the first that `isHeader` accepts within MAX_PREAMBLE lines, else the first line; `rest` are
 * the records read past the header, to be read as rows.
 */
async function findHeader(
  iterator: AsyncIterator<Parsed>,
  options: { sections: boolean; isHeader: (cells: string[]) => boolean },
): Promise<{ header: Parsed; preamble: Parsed[]; rest: Parsed[] } | undefined> {
  const seen: Parsed[] = [];
  while (seen.length < MAX_PREAMBLE) {
    const next = await iterator.next();
    if (next.done) break;
    seen.push(next.value);
    const at = seen.length - 1;
    const previous = seen[at - 1];
    const chosen = options.sections
      ? previous !== undefined && /^attendee details$/i.test(previous.fields[0]?.trim() ?? "")
      : options.isHeader(next.value.fields);
    if (chosen) return { header: next.value, preamble: seen.slice(0, at), rest: [] };
  }
  const [first, ...rest] = seen;
  return first && { header: first, preamble: [], rest };
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

/** The delimiter the first line that has one uses most, outside quotes: `,` `;` or tab. */
export function detectDelimiter(text: string): string {
  const counts = new Map<string, number>([
    [",", 0],
    [";", 0],
    ["\t", 0],
  ]);
  let quoted = false;
  for (const char of text.replace(/^\ufeff/, "")) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && (char === "\n" || char === "\r")) {
      if ([...counts.values()].some((count) => count > 0)) break;
    } else if (!quoted && counts.has(char)) counts.set(char, counts.get(char)! + 1);
  }
  let best = ",";
  for (const [char, count] of counts) if (count > counts.get(best)!) best = char;
  return best;
}

function lineBreaks(text: string): number {
  return text.match(/\r\n|\n|\r/g)?.length ?? 0;
}
