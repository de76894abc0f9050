// The report of rejected rows: a CSV with the row's line in the original file, the reason, and
// the row's own columns, so it can be fixed and imported again. Written as rows are rejected.
import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";

export class RejectsReport {
  private stream?: WriteStream;
  count = 0;

  constructor(
    readonly path: string,
    private readonly header: string[],
    private readonly delimiter: string,
    private readonly bom: boolean,
  ) {}

  async add(line: number, reason: string, fields: string[]): Promise<void> {
    this.open();
    this.count += 1;
    await this.write(this.row([String(line), reason, ...fields]));
  }

  /** Creates the report even when nothing was rejected (an explicit --rejects path). */
  open(): void {
    if (this.stream) return;
    // Synchronous up to the first write, so concurrent adds share one stream and one header.
    this.stream = createWriteStream(this.path);
    this.stream.write(`${this.bom ? "\ufeff" : ""}${this.row(["line", "reason", ...this.header])}`);
  }

  async close(): Promise<void> {
    if (!this.stream) return;
    const finished = once(this.stream, "finish");
    this.stream.end();
    await finished;
  }

  private async write(text: string): Promise<void> {
    if (!this.stream!.write(text)) await once(this.stream!, "drain");
  }

  private row(cells: string[]): string {
    return `${cells.map((cell) => quote(cell, this.delimiter)).join(this.delimiter)}\r\n`;
  }
}

/** RFC 4180 quoting: fields with the delimiter, a quote or a line break are quoted. */
export function quote(cell: string, delimiter: string): string {
  return cell.includes(delimiter) || /["\r\n]/.test(cell) || cell !== cell.trim()
    ? `"${cell.replaceAll('"', '""')}"`
    : cell;
}
