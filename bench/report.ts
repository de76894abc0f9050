// Benchmarks print their figures and record them in docs/benchmarks.md (reliability scripts:
// docs/reliability.md), each in its own section (between markers) so one benchmark's run
// never erases another's figures.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { fileURLToPath } from "node:url";

const DOC = fileURLToPath(new URL("../docs/benchmarks.md", import.meta.url));
const RELIABILITY_DOC = fileURLToPath(new URL("../docs/reliability.md", import.meta.url));
const HEADER = `# Benchmarks

Figures measured by the scripts in \`bench/\`; each script rewrites its own section when it runs.
Machine of the last run of each section is given in that section.
`;

export function machine(): string {
  const cpu = cpus()[0]?.model.trim() ?? "unknown CPU";
  return `${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

/** Replaces (or appends) the section `id` of docs/benchmarks.md with `markdown`. */
export function recordSection(id: string, markdown: string, file = DOC): void {
  const doc = existsSync(file) ? readFileSync(file, "utf8") : HEADER;
  const start = `<!-- bench:${id} -->`;
  const end = `<!-- /bench:${id} -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  const next =
    from >= 0 && to > from
      ? `${doc.slice(0, from)}${block}${doc.slice(to + end.length)}`
      : `${doc.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, next);
}

/** Replaces the figures block `id` of docs/reliability.md (its markers are placed by hand). */
export function recordReliability(id: string, markdown: string): void {
  recordSection(id, markdown, RELIABILITY_DOC);
}

/** "p50 12 ms, p99 40 ms" style figures of unsorted samples. */
export function summarize(samples: number[]): {
  p50: number;
  p95: number;
  p99: number;
  max: number;
} {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
  };
}

export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/** Percentile of sorted numbers (nearest rank). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[
    Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  ]!;
}
