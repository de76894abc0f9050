// Import progress on stderr: a bar with rows/s and an ETA (by bytes read) on a terminal,
// a plain line every few seconds otherwise (CI logs, redirects).
export interface ProgressSnapshot {
  rows: number;
  bytes: number;
  totalBytes: number;
}

export interface ProgressOutput {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

export class Progress {
  private readonly started = performance.now();
  private lastDraw: number;
  private drawn = false;

  constructor(
    private readonly out: ProgressOutput,
    private readonly intervalMs = out.isTTY ? 100 : 5000,
  ) {
    // A log gets its first line after one interval; a terminal shows the bar at once.
    this.lastDraw = out.isTTY ? 0 : this.started;
  }

  update(snapshot: ProgressSnapshot): void {
    const now = performance.now();
    if (now - this.lastDraw < this.intervalMs) return;
    this.lastDraw = now;
    this.draw(snapshot, now);
  }

  /** Clears the bar before the summary is printed. */
  done(): void {
    if (this.out.isTTY && this.drawn) this.out.write("\r\u001b[2K");
  }

  private draw({ rows, bytes, totalBytes }: ProgressSnapshot, now: number): void {
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? rows / seconds : 0;
    const fraction = totalBytes > 0 ? Math.min(1, bytes / totalBytes) : 0;
    const eta = fraction > 0 ? (seconds / fraction) * (1 - fraction) : Number.NaN;
    const figures = `${rows.toLocaleString("en-US")} rows  ${Math.round(rate).toLocaleString("en-US")} rows/s  ETA ${clock(eta)}`;
    if (this.out.isTTY) {
      const width = Math.max(10, Math.min(40, (this.out.columns ?? 80) - figures.length - 10));
      const filled = Math.round(fraction * width);
      const bar = `${"█".repeat(filled)}${"░".repeat(width - filled)}`;
      this.out.write(
        `\r\u001b[2K${bar} ${String(Math.round(fraction * 100)).padStart(3)}%  ${figures}`,
      );
      this.drawn = true;
    } else {
      this.out.write(`import: ${Math.round(fraction * 100)}% read, ${figures}\n`);
    }
  }
}

export function clock(seconds: number): string {
  if (!Number.isFinite(seconds)) return "--:--";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}
