// Benchmarks print their figures and record them in docs/benchmarks.md (reliability scripts:
// docs/reliability.md), each in its own section (between markers) so one benchmark's run
// never erases another's figures.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** The machine's load when the script started (1-minute average). */
const LOAD_AT_START = loadavg()[0]!;

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

/**
 * Replaces (or appends) the section `id` of docs/benchmarks.md with `markdown`, followed by the
 * commit it ran on and the machine's load, so a figure can be told stale when the code under
 * it changes (`npm run bench:stale`). With BENCH_RECORD=0 (CI's reduced runs) nothing is written.
 */
export function recordSection(id: string, markdown: string, file = DOC): void {
  if (process.env.BENCH_RECORD === "0") return;
  const doc = existsSync(file) ? readFileSync(file, "utf8") : HEADER;
  const start = `<!-- bench:${id} -->`;
  const end = `<!-- /bench:${id} -->`;
  const block = `${start}\n${markdown.trim()}\n\n${provenance()}\n${end}`;
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  const next =
    from >= 0 && to > from
      ? `${doc.slice(0, from)}${block}${doc.slice(to + end.length)}`
      : `${doc.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, next);
}

/**
 * "Ran on commit abc1234, load average 0.4 at the start and 1.9 at the end", with the full
 * commit in a comment for `bench/stale.ts`. Uncommitted changes to the code are named: figures
 * of code that no commit holds cannot be checked against it later.
 */
export function provenance(): string {
  const git = (...args: string[]) =>
    execFileSync("git", args, {
      cwd: ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  let commit = "unknown";
  let dirty = false;
  try {
    commit = git("rev-parse", "HEAD");
    dirty = git("status", "--porcelain", "--", "src", "prisma", "package-lock.json") !== "";
  } catch {
    // not a git checkout: the figures stay unverifiable (stale)
  }
  const load = `load average ${LOAD_AT_START.toFixed(1)} at the start and ${loadavg()[0]!.toFixed(1)} at the end (1 minute, ${cpus().length} cores)`;
  const marker = `<!-- commit: ${commit}${dirty ? "+dirty" : ""} -->`;
  const on =
    commit === "unknown"
      ? "Ran outside a git checkout"
      : `Ran on commit \`${commit.slice(0, 10)}\`${dirty ? " **with uncommitted changes to the code**" : ""}`;
  return `${marker}\n_${on}, ${load}._`;
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
