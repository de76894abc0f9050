// The import reads, maps and validates the file in a worker thread (src/import/read-worker.ts)
// and writes in its own. What users see must not change across that boundary: rejected rows by
// their line, warnings, the file's faults, Ctrl-C and a database lost mid-way, over files long
// enough to cross many of the reader's chunks; and the compiled build must carry the thread.
import { execFile } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { parse } from "csv-parse/sync";
import { beforeAll, describe, expect, it } from "vitest";
import { runImport } from "#src/cli/import-command.ts";
import type { Database } from "#src/db/database.ts";
import { loadPlaybook } from "#src/playbook/load-playbook.ts";
import type { Playbook } from "#src/playbook/schema.ts";
import { importLeads } from "#src/services/import-leads.ts";
import { useTestDatabase } from "#test/setup/database.ts";
import { tempDir } from "#test/setup/temp-dir.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const database = useTestDatabase();
const dir = tempDir("baton-import-reader");
let playbook: Playbook;

beforeAll(async () => {
  playbook = await loadPlaybook(join(ROOT, "manifests/playbook.yml"));
});

interface Listing {
  path: string;
  /** The physical line each row starts on, by row number (1-based). */
  lineOf: number[];
}

/**
 * A list of `rows` rows at `domain`; every 7th row has a note over two lines (so rows and lines
 * part ways), and `bad` rows (by number) have no valid email, `vague` rows an unreadable size.
 */
function listing(
  name: string,
  domain: string,
  rows: number,
  faults: { bad?: number[]; vague?: number[] } = {},
): Listing {
  const lineOf: number[] = [0];
  const out = ["Email,Company,Employees,Notes"];
  let line = 2;
  for (let i = 1; i <= rows; i++) {
    const email = faults.bad?.includes(i) ? `row${i}-at-${domain}` : `row${i}@${domain}`;
    const size = faults.vague?.includes(i) ? "quite a few" : String(10 + i);
    const note = i % 7 === 0 ? `"Asked for a demo;\nfollow up ""soon"""` : "Booth";
    out.push(`${email},Co ${i},${size},${note}`);
    lineOf.push(line);
    line += i % 7 === 0 ? 2 : 1;
  }
  const path = join(dir, name);
  writeFileSync(path, `${out.join("\n")}\n`);
  return { path, lineOf };
}

function run(file: string, extra: Partial<Parameters<typeof importLeads>[0]> = {}) {
  return importLeads({
    file,
    db: database.current,
    scoring: playbook.scoring,
    accountMatching: false,
    source: "Reader test",
    event: "Reader Expo",
    ...extra,
  });
}

/** The leads stored at a domain, each with its activities and audit events counted. */
async function stored(domain: string) {
  const leads = await database.current.prisma.lead.findMany({
    where: { email: { endsWith: `@${domain}` } },
    select: {
      email: true,
      _count: { select: { activities: true, events: true } },
    },
  });
  return new Map(leads.map((lead) => [lead.email, lead._count]));
}

function cli() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: {
      stdout: { write: (text: string) => out.push(text) },
      stderr: { write: (text: string) => err.push(text) },
      env: {},
    },
    stdout: () => out.join(""),
    stderr: () => err.join(""),
  };
}

describe("the import's reader thread", () => {
  it("reports each bad row with its reason and its own line, across many chunks", async () => {
    const bad = [3, 64, 65, 128, 499, 700];
    const vague = [2, 130, 698];
    const list = listing("many.csv", "many.example", 700, { bad, vague });
    const rejectsPath = join(dir, "many.rejects.csv");
    const summary = await run(list.path, { batchSize: 64, rejectsPath });
    expect(summary).toMatchObject({
      read: 700,
      created: 694,
      rejected: 6,
      warned: 3,
    });
    expect(summary.stoppedAtLine).toBeUndefined();
    expect(summary.warnings.map((w) => w.line)).toEqual(vague.map((i) => list.lineOf[i]));
    expect(summary.warnings[0]!.text).toBe(
      'Employees (companySize): "quite a few" is not a number of employees; kept as custom attribute "Employees"',
    );
    const report = parse(readFileSync(rejectsPath), { relax_column_count: true }) as string[][];
    expect(report.slice(1).map(([line, reason, email]) => [Number(line), reason, email])).toEqual(
      bad.map((i) => [
        list.lineOf[i],
        "Email (email): must be an email address like ana@example.com",
        `row${i}-at-many.example`,
      ]),
    );
    const leads = await stored("many.example");
    expect(leads.size).toBe(694);
    // Every lead whole: its booth scan and its capture in the audit trail.
    expect([...leads.values()].every((c) => c.activities === 1 && c.events >= 1)).toBe(true);
  });

  it("writes the leads the reader planned: on time, in the file's order, handed to sales", async () => {
    const list = listing("planned.csv", "planned.example", 300);
    // A threshold every booth scan reaches: each lead is qualified and handed to sales.
    const scoring = { ...playbook.scoring, threshold: 1 };
    const summary = await run(list.path, { batchSize: 40, scoring });
    expect(summary).toMatchObject({ read: 300, created: 300, qualified: 300 });
    const prisma = database.current.prisma;
    const leads = await prisma.lead.findMany({
      where: { email: { endsWith: "@planned.example" } },
      include: { events: { orderBy: { id: "asc" } } },
    });
    const row = (email: string) => Number(/^row(\d+)@/.exec(email)![1]);
    leads.sort((a, b) => row(a.email) - row(b.email));
    for (const lead of leads) {
      // Planned in the reader thread for the time its batch was written, not another.
      expect(lead.qualifiedAt).toEqual(lead.createdAt);
      expect(lead.scoredAt).toEqual(lead.createdAt);
      expect(lead.events.map((e) => [e.type, e.createdAt])).toEqual([
        ["captured", lead.createdAt],
        ["qualified", lead.createdAt],
      ]);
    }
    // The audit trail and the cards for sales follow the file's order, across its batches.
    const firstEvents = leads.map((lead) => lead.events[0]!.id);
    expect(firstEvents).toEqual([...firstEvents].sort((a, b) => (a < b ? -1 : 1)));
    const handoffs = await prisma.outboxMessage.findMany({
      where: { kind: "lead.handoff", orderingKey: { in: leads.map((lead) => lead.id) } },
      orderBy: { id: "asc" },
    });
    expect(handoffs.map((m) => m.orderingKey)).toEqual(leads.map((lead) => lead.id));
  });

  it("reports a file's faults through the command as before: exit 0, counts, rejects by line", async () => {
    const list = listing("cli.csv", "cli.example", 150, { bad: [1, 150] });
    const out = cli();
    const code = await runImport([list.path, "--source", "Reader test"], out.io, {
      db: database.current,
      playbook,
    });
    expect(code).toBe(0);
    expect(out.stdout()).toMatch(/rows read\s+150\n/);
    expect(out.stdout()).toMatch(/new leads\s+148\n/);
    expect(out.stdout()).toMatch(/rejected\s+2\n/);
    const report = readFileSync(join(dir, "cli.rejects.csv"), "utf8");
    expect(report).toContain(`\r\n${list.lineOf[1]},Email (email): must be an email address`);
    expect(report).toContain(`\r\n${list.lineOf[150]},Email (email): must be an email address`);
  });

  it("stops at a quote never closed many chunks in, after writing every row before it", async () => {
    const list = listing("unclosed.csv", "unclosed.example", 300);
    const rows = readFileSync(list.path, "utf8");
    const lines = rows.split("\n").length; // the line after the last row
    writeFileSync(
      list.path,
      `${rows}late@unclosed.example,Late,1,"never closed\n${"x,y\n".repeat(1_200_000)}`,
    );
    const out = cli();
    const code = await runImport([list.path, "--source", "Reader test"], out.io, {
      db: database.current,
      playbook,
    });
    expect(code).toBe(1);
    expect(out.stderr()).toMatch(
      new RegExp(`Stopped at line ${lines} of .*unclosed\\.csv: .*never closed`),
    );
    const leads = await stored("unclosed.example");
    expect(leads.size).toBe(300);
    expect(leads.has("late@unclosed.example")).toBe(false);
  });

  it("cancelled mid-batch, writes exactly the rows read, none the reader read ahead", async () => {
    const list = listing("cancel.csv", "cancel.example", 1_000);
    const abort = new AbortController();
    const summary = await run(list.path, {
      batchSize: 50,
      signal: abort.signal,
      onProgress: ({ rows }) => {
        if (rows === 375) abort.abort();
      },
    });
    expect(summary).toMatchObject({ read: 375, created: 375, stoppedAtLine: list.lineOf[376] });
    const leads = await stored("cancel.example");
    expect(leads.size).toBe(375);
    expect([...leads.values()].every((c) => c.activities === 1 && c.events >= 1)).toBe(true);
    expect(leads.has("row375@cancel.example")).toBe(true);
    expect(leads.has("row376@cancel.example")).toBe(false);
  });

  it("stops when the database goes away mid-way: whole batches saved, no row after them", async () => {
    const list = listing("outage.csv", "outage.example", 500);
    // A batch of new people creates its leads in one statement (no lookup first): the
    // connection drops at the third batch's.
    let sessions = 0;
    const db: Database = {
      ...database.current,
      withSession: (fn) =>
        ++sessions >= 3
          ? Promise.reject(new Error("Connection terminated unexpectedly"))
          : database.current.withSession(fn),
    };
    await expect(run(list.path, { db, batchSize: 100 })).rejects.toThrow(
      "Connection terminated unexpectedly",
    );
    const leads = await stored("outage.example");
    expect(leads.size).toBe(200);
    expect([...leads.values()].every((c) => c.activities === 1 && c.events >= 1)).toBe(true);
    expect(leads.has("row200@outage.example")).toBe(true);
    expect(leads.has("row201@outage.example")).toBe(false);
  });

  it("runs from the compiled build, with the reader thread it emits", async () => {
    expect(existsSync(join(ROOT, "dist/import-reader.js"))).toBe(true);
    const list = listing("compiled.csv", "compiled.example", 120, { bad: [77], vague: [5] });
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(ROOT, "dist/cli/baton.js"), "import", list.path, "--source", "X", "--dry-run"],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" } },
    );
    expect(stdout).toMatch(/rows read\s+120\n/);
    expect(stdout).toMatch(/would import\s+119\n/);
    expect(stdout).toMatch(/rejected\s+1\n/);
    expect(stdout).toContain(`line ${list.lineOf[5]}: Employees (companySize): "quite a few"`);
    const report = readFileSync(join(dir, "compiled.rejects.csv"), "utf8");
    expect(report).toContain(`\r\n${list.lineOf[77]},Email (email): must be an email address`);
  });

  it("starts every import the same way: the launcher, npm run import and the image pass the heap flags", async () => {
    const { IMPORT_NODE_FLAGS } = await import("../../bin/node-flags.mjs");
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    const npmFlags = (pkg.scripts.import as string)
      .split(/\s+/)
      .filter((w) => w.startsWith("--max"));
    expect(npmFlags).toEqual(IMPORT_NODE_FLAGS);
    const dockerfile = readFileSync(join(ROOT, "Dockerfile"), "utf8");
    expect(dockerfile).toMatch(/COPY --from=build \/app\/bin \.\/bin/);
    expect(dockerfile).toMatch(/for entry in [^;]*dist\/import-reader\.js/);
    // The launcher runs the import in a child process started with the flags.
    const list = listing("launcher.csv", "launcher.example", 20, { bad: [4] });
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(ROOT, "bin/baton.mjs"), "import", list.path, "--source", "X", "--dry-run"],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" } },
    );
    expect(stdout).toMatch(/would import\s+19\n/);
  });
});
