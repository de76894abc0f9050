// Which recorded figures no longer describe the code (#13). Every section a bench script writes
// into docs/benchmarks.md or docs/reliability.md ends with the commit it ran on; a figure is
// stale when the code under it (src/outbox, src/sla, src/services, src/intake, and the folders
// its benchmark exercises besides) changed after that commit, when it ran on uncommitted code,
// or when it records no commit at all. `--mark` writes a "Stale" line at the top of each stale
// section (a re-run of its script replaces the section, line included); `--check` exits 1 when
// any figure is stale.
//   npm run bench:stale -- [--mark] [--check]
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DOCS = ["docs/benchmarks.md", "docs/reliability.md"];
/** The code every figure depends on. */
const CORE = ["src/outbox", "src/sla", "src/services", "src/intake"];

/** Each section's script, and the code it exercises beyond CORE. */
const SECTIONS: Record<string, { script: string; paths?: string[] }> = {
  "intake-throughput": { script: "bench:intake", paths: ["src/http", "src/db"] },
  "csv-import": { script: "bench:import", paths: ["src/import", "src/cli", "src/db"] },
  analytics: { script: "bench:analytics" },
  "sla-sweep": { script: "bench:sla", paths: ["src/domain"] },
  "handoff-latency-postgres": { script: "bench:handoff", paths: ["src/slack/blocks"] },
  "claim-ack-postgres": { script: "bench:claim", paths: ["src/slack"] },
  "burst-postgres": { script: "bench:burst", paths: ["src/slack/blocks"] },
  "burst-pglite": { script: "bench:burst -- --pglite", paths: ["src/slack/blocks"] },
  simulate: { script: "bench:simulate", paths: ["src/domain", "bench/simulation"] },
  "claim-race": { script: "bench:claim-race", paths: ["src/slack"] },
  "crm-claims": { script: "bench:crm", paths: ["src/crm", "src/http", "src/slack"] },
  crash: { script: "bench:crash", paths: ["src/http", "src/db"] },
  "slack-faults": { script: "bench:slack-faults", paths: ["src/slack"] },
  "db-restart": { script: "bench:db-restart", paths: ["src/http", "src/db"] },
  soak: { script: "bench:soak", paths: ["src/http", "src/slack", "src/db"] },
  footprint: {
    script: "bench:footprint",
    paths: ["src", "prisma", "scripts/build.mjs", "package-lock.json"],
  },
};

const STALE_LINE = /^> \*\*Stale:\*\*.*\n\n/m;

interface Freshness {
  doc: string;
  id: string;
  commit?: string;
  stale?: string;
}

function git(...args: string[]): string {
  return execFileSync("git", args, {
    cwd: ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  }).trim();
}

/** Why the figures recorded on `recorded` are stale for `paths`, or undefined if they are not. */
function staleness(recorded: string | undefined, paths: string[]): string | undefined {
  if (!recorded || recorded === "unknown") return "no commit recorded with the figures";
  if (recorded.endsWith("+dirty")) {
    return `measured on uncommitted changes to ${recorded.slice(0, 10)}`;
  }
  try {
    git("cat-file", "-e", `${recorded}^{commit}`);
  } catch {
    return `the commit it ran on (${recorded.slice(0, 10)}) is not in this history`;
  }
  const since = git("log", "--format=%h %as %s", `${recorded}..HEAD`, "--", ...paths);
  if (!since) return undefined;
  const changes = since.split("\n");
  const newest = changes[0]!;
  return `${changes.length} change${changes.length === 1 ? "" : "s"} to ${paths.join(", ")} since ${recorded.slice(0, 10)} (newest: ${newest.slice(0, 90)})`;
}

function checkFreshness(): Freshness[] {
  const results: Freshness[] = [];
  for (const doc of DOCS) {
    const text = readFileSync(`${ROOT}/${doc}`, "utf8");
    for (const match of text.matchAll(/<!-- bench:([\w-]+) -->([\s\S]*?)<!-- \/bench:\1 -->/g)) {
      const id = match[1]!;
      const commit = /<!-- commit: ([0-9a-f]+(?:\+dirty)?|unknown) -->/.exec(match[2]!)?.[1];
      const paths = [...CORE, ...(SECTIONS[id]?.paths ?? [])];
      results.push({ doc, id, commit, stale: staleness(commit, paths) });
    }
  }
  return results;
}

function mark(results: Freshness[]): void {
  for (const doc of DOCS) {
    let text = readFileSync(`${ROOT}/${doc}`, "utf8");
    for (const result of results.filter((r) => r.doc === doc)) {
      const start = `<!-- bench:${result.id} -->\n`;
      const from = text.indexOf(start) + start.length;
      const rest = text.slice(from).replace(STALE_LINE, "");
      const script = SECTIONS[result.id]?.script ?? "its bench script";
      const line = result.stale
        ? `> **Stale:** ${result.stale}. These figures may no longer hold: re-run \`npm run ${script}\`.\n\n`
        : "";
      text = `${text.slice(0, from)}${line}${rest}`;
    }
    writeFileSync(`${ROOT}/${doc}`, text);
  }
}

const { values } = parseArgs({
  options: {
    mark: { type: "boolean", default: false },
    check: { type: "boolean", default: false },
  },
});
const results = checkFreshness();
for (const r of results) {
  console.log(
    `${r.stale ? "STALE" : "fresh"}  ${r.doc} ${r.id}${r.commit ? ` (${r.commit.slice(0, 10)})` : ""}${r.stale ? `: ${r.stale}` : ""}`,
  );
}
if (values.mark) mark(results);
const stale = results.filter((r) => r.stale).length;
console.log(`${stale} of ${results.length} recorded figures are stale`);
process.exit(values.check && stale > 0 ? 1 : 0);
