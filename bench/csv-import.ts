// CSV import of a 50,000-row trade-show list: rows/s and peak RSS, into a fresh PostgreSQL
// database and into a fresh PGlite data dir. Each import runs in its own process (this file in
// worker mode), so peak RSS is the import's own, after the database is created and migrated in
// another process (creating a PGlite data dir alone peaks near 1 GB). Memory must stay flat:
// the goal is that RSS grows by at most 64 MB between 10% of the rows and the end. Goals:
// ≥ 10,000 rows/s on PostgreSQL, ≥ 5,000 on PGlite, peak RSS ≤ 450 MB on PGlite.
//
// The limit: the rows Baton wrote (leads, activities, audit events, outbox rows) loaded raw
// into another fresh database of the same schema, in the same run, each load in its own
// process, with COPY: `COPY ... FROM '/dev/blob'` on PGlite, `COPY ... FROM 'file'` on
// PostgreSQL (the server reads the file; without the privilege, multi-row INSERTs). Baton's
// ratio to it is printed and recorded.
//   npm run bench:import -- [--rows 50000] [--write-csv list.csv (only write the list)]
import { spawnSync } from "node:child_process";
import { once } from "node:events";
import {
  chmodSync,
  createWriteStream,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { machine, recordSection } from "#bench/report.ts";
import { type Database, openPostgres } from "#src/db/database.ts";
import { applyMigrations } from "#src/db/migrator.ts";
import { openPglite } from "#src/db/pglite.ts";
import { errorMessage } from "#src/errors.ts";
import { createLogger } from "#src/logger.ts";
import { loadPlaybook } from "#src/playbook/load-playbook.ts";
import { type ImportSummary, importLeads } from "#src/services/import-leads.ts";
import { IMPORT_NODE_FLAGS } from "../bin/node-flags.mjs";

const { values: args } = parseArgs({
  options: {
    rows: { type: "string", default: "50000" },
    "database-url": {
      type: "string",
      default: process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test",
    },
    // Worker mode (internal): prepare a database, or import a file into it.
    worker: { type: "string" },
    target: { type: "string" },
    file: { type: "string" },
    /** Only write the generated list to this path (to try `baton import` by hand). */
    "write-csv": { type: "string" },
  },
});
const ROWS = Number(args.rows);
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const RSS_GROWTH_GOAL_MB = 64;
const PGLITE_PEAK_GOAL_MB = 450;
const ROWS_PER_SECOND_GOAL = { postgres: 10_000, pglite: 5_000 };
/** The tables an import writes, parents first. */
const TABLES = ["Lead", "Activity", "LeadEvent", "OutboxMessage"];
const RAW_CHUNK = 5_000;
const silent = createLogger({ level: "silent" });

interface WorkerResult {
  summary: ImportSummary;
  peakRssMb: number;
  /** CPU seconds of the import's main thread (where PGlite runs) and of the whole process. */
  cpu: { main: number; process: number };
  /** RSS when 10%, 20%, ... of the rows were read. */
  rssMb: number[];
}

async function openTarget(target: string): Promise<Database> {
  return target.startsWith("postgres")
    ? openPostgres(target, 4, silent)
    : openPglite(target, silent);
}

/** The raw load of the rows Baton wrote: seconds, and rows per table. */
interface RawResult {
  seconds: number;
  rows: Record<string, number>;
  /** How PostgreSQL's raw load ran: COPY, or multi-row INSERTs without COPY's privileges. */
  method?: "copy" | "insert";
}

function runWorker<T = WorkerResult>(mode: string, target: string, file = ""): T | undefined {
  const child = spawnSync(
    process.execPath,
    [
      // The import runs with the V8 flags `baton import` starts it with (bin/baton.mjs).
      ...(mode === "import" ? IMPORT_NODE_FLAGS : []),
      "--import",
      "tsx",
      fileURLToPath(import.meta.url),
      "--worker",
      mode,
      "--target",
      target,
      "--file",
      file,
      "--rows",
      String(ROWS),
    ],
    { cwd: ROOT, encoding: "utf8", maxBuffer: 16 * 2 ** 20 },
  );
  if (child.status !== 0) {
    throw new Error(`bench worker ${mode} failed (${child.status}):\n${child.stderr}`);
  }
  const line = child.stdout.trim().split("\n").pop();
  return mode !== "prepare" && line ? (JSON.parse(line) as T) : undefined;
}

const FIRST = ["Ana", "Bob", "Chen", "Dana", "Emeka", "Fatima", "Gus", "Hana", "Ivan", "Julia"];
const LAST = ["López", "Smith", "Wang", "Müller", "Okafor", "Haddad", "Berg", "Sato", "Novak"];
const TITLES = [
  "Call Center Manager",
  "Head of Customer Service",
  "Contact Centre Director",
  "Workforce Analyst",
  "VP Customer Care",
  "IT Manager",
  "Student",
  "Team Lead",
];
const INDUSTRIES = ["Retail", "Insurance", "Telecommunications", "Utilities", "Healthcare", "SaaS"];
const SIZES = ["1-10", "11-50", "51-200", "201-500", '"1,000"', "5000+", "80", "250"];
const GENERATED_AT = Date.now();
const STAFF = ["Bob Reyes", "Carla Diaz", "Dev Patel", "Erin Walsh"];

/** One CSV row; about 2% bad (invalid email, missing email, unreadable size), 1% repeats. */
function row(i: number): string {
  const first = FIRST[i % FIRST.length]!;
  const last = LAST[(i >> 3) % LAST.length]!;
  let email = `${first.toLowerCase()}.${i}@company-${i % 2000}.example`;
  let size = SIZES[i % SIZES.length]!;
  if (i % 100 === 7) email = `${first.toLowerCase()}.${i}-at-company.example`;
  if (i % 200 === 31) email = "";
  if (i % 200 === 59) size = "a lot";
  if (i % 100 === 83)
    email = `${FIRST[(i - 1) % FIRST.length]!.toLowerCase()}.${i - 1}@company-${(i - 1) % 2000}.example`;
  const note =
    i % 5 === 0
      ? `"Asked about ${i % 3 === 0 ? "pricing" : "a demo"};\nfollow up ""next week"""`
      : "Scanned at booth";
  // Scanned in the last three days: fresh scans, as on the Monday after a show.
  const scannedAt = new Date(GENERATED_AT - (i % 4320) * 60_000).toISOString().slice(0, 16);
  return [
    email,
    first,
    last,
    `Company ${i % 2000}`,
    TITLES[i % TITLES.length],
    size,
    INDUSTRIES[i % INDUSTRIES.length],
    ["US", "DE", "GB", "CA", "FR"][i % 5],
    `+1 555 01${String(i % 100).padStart(2, "0")}`,
    "Cut average handle time by 20%",
    STAFF[i % STAFF.length],
    note,
    scannedAt.replace("T", " "),
    ["VIP", "Attendee", "Speaker"][i % 3],
  ].join(",");
}

async function writeFixture(path: string): Promise<void> {
  const out = createWriteStream(path);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, "drain");
  };
  await write(
    "\ufeffEmail Address,First Name,Last Name,Company,Job Title,Company Size,Industry,Country,Phone,Booth Message,Talked To,Notes,Scanned At,Badge Type\r\n",
  );
  for (let i = 1; i <= ROWS; i++) await write(`${row(i)}\r\n`);
  out.end();
  await once(out, "finish");
}

async function withScratchDatabase<T>(
  url: string,
  suffix: string,
  fn: (url: string) => Promise<T>,
): Promise<T> {
  const name = `baton_bench_import_${suffix}_${process.pid}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  try {
    const scratch = new URL(url);
    scratch.pathname = `/${name}`;
    return await fn(scratch.toString());
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
}

interface Measured {
  name: string;
  baton: WorkerResult;
  raw: RawResult;
  rowsGoal: number;
  /** Peak RSS goal, where there is one (PGlite runs the database in the import's process). */
  peakGoal?: number;
}

async function measurePostgres(file: string): Promise<Measured> {
  return withScratchDatabase(args["database-url"]!, "baton", async (url) => {
    runWorker("prepare", url);
    const baton = runWorker("import", url, file)!;
    const raw = await withScratchDatabase(args["database-url"]!, "raw", async (rawUrl) => {
      runWorker("prepare", rawUrl);
      return runWorker<RawResult>("raw", rawUrl, url)!;
    });
    return { name: "PostgreSQL", baton, raw, rowsGoal: ROWS_PER_SECOND_GOAL.postgres };
  });
}

function measurePglite(dir: string, file: string): Measured {
  const dataDir = join(dir, "pglite");
  const rawDir = join(dir, "pglite-raw");
  runWorker("prepare", dataDir);
  const baton = runWorker("import", dataDir, file)!;
  runWorker("prepare", rawDir);
  const raw = runWorker<RawResult>("raw", rawDir, dataDir)!;
  return {
    name: "PGlite",
    baton,
    raw,
    rowsGoal: ROWS_PER_SECOND_GOAL.pglite,
    peakGoal: PGLITE_PEAK_GOAL_MB,
  };
}

const growth = (r: WorkerResult) => Math.max(...r.rssMb) - (r.rssMb[0] ?? Number.NaN);
const rawRowsPerSecond = (m: Measured) => m.baton.summary.read / m.raw.seconds;
const ratio = (m: Measured) => m.baton.summary.rowsPerSecond / rawRowsPerSecond(m);

/** The goals a measurement missed, in words (none: it met them all). */
function missed(m: Measured): string[] {
  const misses: string[] = [];
  const { summary, peakRssMb } = m.baton;
  if (summary.rowsPerSecond < m.rowsGoal) {
    misses.push(`${m.name}: ${fmt(summary.rowsPerSecond)} rows/s, goal ≥ ${m.rowsGoal}`);
  }
  if (growth(m.baton) > RSS_GROWTH_GOAL_MB) {
    misses.push(`${m.name}: RSS grew ${fmt(growth(m.baton))} MB, goal ≤ ${RSS_GROWTH_GOAL_MB}`);
  }
  if (m.peakGoal !== undefined && peakRssMb > m.peakGoal) {
    misses.push(`${m.name}: peak RSS ${fmt(peakRssMb)} MB, goal ≤ ${m.peakGoal}`);
  }
  return misses;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), "baton-bench-import-"));
  try {
    const file = join(dir, "trade-show.csv");
    await writeFixture(file);
    const mb = statSync(file).size / 2 ** 20;
    console.log(`CSV import: ${ROWS.toLocaleString("en-US")} rows, ${mb.toFixed(1)} MB`);
    const postgres = await measurePostgres(file);
    report(postgres);
    const pglite = measurePglite(dir, file);
    report(pglite);
    record([postgres, pglite], mb);
    const misses = [postgres, pglite].flatMap(missed);
    console.log(misses.length === 0 ? "All goals met." : `Goals missed:\n  ${misses.join("\n  ")}`);
    process.exitCode = misses.length === 0 ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function record(measured: Measured[], mb: number) {
  const line = (m: Measured) => {
    const s = m.baton.summary;
    const database = m.name === "PGlite" ? "PGlite (embedded)" : "PostgreSQL 15 (local)";
    return `| ${database} | ${fmt(s.rowsPerSecond)} (goal ≥ ${m.rowsGoal.toLocaleString("en-US")}) | ${(s.durationMs / 1000).toFixed(1)} | ${fmt(rawRowsPerSecond(m))} | **${(ratio(m) * 100).toFixed(0)}%** | ${s.created.toLocaleString("en-US")} | ${s.merged} | ${s.rejected} | ${s.qualified.toLocaleString("en-US")} | ${fmt(m.baton.peakRssMb)}${m.peakGoal ? ` (goal ≤ ${m.peakGoal})` : ""} | ${fmt(growth(m.baton))} |`;
  };
  const rows = measured[0]!.raw.rows;
  recordSection(
    "csv-import",
    `## CSV import (\`npm run bench:import\`)

A generated trade-show list of ${ROWS.toLocaleString("en-US")} rows (${mb.toFixed(1)} MB: email, name, company, title, size, industry, country, phone, booth message, colleague, a note that is multi-line and quoted in 20% of rows, scan time, badge type; about 2% bad rows and 1% repeated people) imported with \`importLeads\` (what \`baton import\` runs) into an empty, migrated database: validation, dedupe, scoring, a badge-scan activity per row, the audit trail and handoff rows for the leads that qualify. Each import runs in its own process, started with the V8 flags \`baton import\` uses (${IMPORT_NODE_FLAGS.join(" ")}), reading the file in its reader thread; peak RSS is that process's \`maxRSS\` (both threads), and "RSS growth" is the rise from 10% of the rows to the end (goal ≤ ${RSS_GROWTH_GOAL_MB} MB: the file is streamed, memory stays flat whatever its size).

Raw limit: the rows Baton wrote (${TABLES.map((t) => `${rows[t]?.toLocaleString("en-US")} ${t}`).join(", ")}) loaded into another fresh, migrated database (same tables, indexes and foreign keys) in the same run, in its own process: with \`COPY ... FROM '/dev/blob'\` on PGlite, and on PostgreSQL ${measured[0]!.raw.method === "copy" ? "with `COPY ... FROM 'file'` (the server reads files it wrote with `COPY ... TO`: no COPY client is needed)" : `with \`INSERT ... SELECT * FROM json_populate_recordset(...)\` of ${RAW_CHUNK.toLocaleString("en-US")} rows a statement (the bench's database user may not run server-side COPY)`}. Raw rows/s counts the list's rows over the load's time.

| database | Baton rows/s | seconds | raw rows/s | Baton / raw | new leads | merged | rejected | qualified | peak RSS MB | RSS growth MB |
|---|---|---|---|---|---|---|---|---|---|---|
${measured.map(line).join("\n")}

Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}.`,
  );
}

function report(m: Measured) {
  const s = m.baton.summary;
  console.log(
    `${m.name.padEnd(11)} ${fmt(s.rowsPerSecond)} rows/s (${(s.durationMs / 1000).toFixed(1)} s): ${s.created} new, ${s.merged} merged, ${s.rejected} rejected, ${s.qualified} qualified; peak RSS ${fmt(m.baton.peakRssMb)} MB, RSS by tenths ${m.baton.rssMb.map((v) => v.toFixed(0)).join(" ")} MB`,
  );
  console.log(
    `${"".padEnd(11)} CPU: ${m.baton.cpu.main.toFixed(1)} s in the import's main thread (the database's, on PGlite), ${m.baton.cpu.process.toFixed(1)} s in all its threads`,
  );
  console.log(
    `${"".padEnd(11)} raw ${m.raw.method === "insert" ? "INSERT" : "COPY"} of the same rows ${fmt(rawRowsPerSecond(m))} rows/s (${m.raw.seconds.toFixed(1)} s); Baton / raw ${(ratio(m) * 100).toFixed(0)}%`,
  );
}

/** CPU time of this process's main thread (Linux: /proc) and of the whole process. */
function cpuSeconds(): { main: number; process: number } {
  const usage = process.cpuUsage();
  const total = (usage.user + usage.system) / 1e6;
  const stat = `/proc/self/task/${process.pid}/stat`;
  if (!existsSync(stat)) return { main: Number.NaN, process: total };
  // Fields after the command's closing parenthesis; utime and stime are the 12th and 13th.
  const fields = readFileSync(stat, "utf8").split(") ")[1]!.split(" ");
  return { main: (Number(fields[11]) + Number(fields[12])) / 100, process: total };
}

function fmt(n: number): string {
  return n.toFixed(n >= 100 ? 0 : 1);
}

/** Loads the rows of `source`'s import tables into `target` with COPY; times the load. */
async function rawPglite(target: string, source: string): Promise<RawResult> {
  const from = await PGlite.create(join(source, "pgdata"));
  const blobs = new Map<string, Blob>();
  const rows: Record<string, number> = {};
  for (const table of TABLES) {
    const out = await from.query(`COPY "${table}" TO '/dev/blob'`);
    blobs.set(table, out.blob!);
    rows[table] = out.affectedRows ?? 0;
  }
  await from.close();
  const to = await PGlite.create(join(target, "pgdata"));
  const started = performance.now();
  for (const table of TABLES) {
    await to.query(`COPY "${table}" FROM '/dev/blob'`, [], { blob: blobs.get(table)! });
  }
  const seconds = (performance.now() - started) / 1000;
  await to.close();
  return { seconds, rows };
}

/**
 * Loads the rows of `source`'s import tables into `target` with COPY, times the load. The
 * server writes each table to a file and reads it back (`COPY ... TO/FROM 'file'`: no COPY
 * client is needed, pg-copy-streams is not a dependency); that takes a superuser or
 * pg_write_server_files and pg_read_server_files, and a server on this machine. Without them,
 * the rows go in as `INSERT ... SELECT * FROM json_populate_recordset(...)`, 5,000 a statement.
 */
async function rawPostgres(target: string, source: string): Promise<RawResult> {
  const from = new pg.Client({ connectionString: source });
  await from.connect();
  const rows: Record<string, number> = {};
  for (const table of TABLES) {
    const [{ count }] = (await from.query(`SELECT count(*)::int AS count FROM "${table}"`)).rows;
    rows[table] = count;
  }
  const dir = mkdtempSync(join(tmpdir(), "baton-bench-copy-"));
  try {
    chmodSync(dir, 0o777); // the server's own user writes the files
    const files = await copyOut(from, dir).catch((error: unknown) => {
      console.error(`raw load: no server-side COPY (${errorMessage(error)}); INSERT instead`);
      return undefined;
    });
    const load = files ? copyIn(target, files) : insertJson(from, target, rows);
    return { ...(await load), rows };
  } finally {
    await from.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function copyOut(from: pg.Client, dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const table of TABLES) {
    const file = join(dir, `${table}.copy`);
    await from.query(`COPY "${table}" TO '${file}'`);
    files.set(table, file);
  }
  return files;
}

async function copyIn(target: string, files: Map<string, string>) {
  const to = new pg.Client({ connectionString: target });
  await to.connect();
  try {
    const started = performance.now();
    for (const [table, file] of files) await to.query(`COPY "${table}" FROM '${file}'`);
    return { seconds: (performance.now() - started) / 1000, method: "copy" as const };
  } finally {
    await to.end();
  }
}

async function insertJson(from: pg.Client, target: string, rows: Record<string, number>) {
  const chunks: { table: string; json: string }[] = [];
  for (const table of TABLES) {
    for (let offset = 0; offset < rows[table]!; offset += RAW_CHUNK) {
      const { rows: out } = await from.query(
        `SELECT json_agg(t)::text AS json FROM (SELECT * FROM "${table}" ORDER BY 1 LIMIT $1 OFFSET $2) t`,
        [RAW_CHUNK, offset],
      );
      chunks.push({ table, json: out[0].json });
    }
  }
  const to = new pg.Client({ connectionString: target });
  await to.connect();
  try {
    const started = performance.now();
    for (const { table, json } of chunks) {
      await to.query(
        `INSERT INTO "${table}" SELECT * FROM json_populate_recordset(NULL::"${table}", $1::json)`,
        [json],
      );
    }
    return { seconds: (performance.now() - started) / 1000, method: "insert" as const };
  } finally {
    await to.end();
  }
}

// Dispatch last: the generators above must be initialized before main() runs.
if (args.worker === "prepare") {
  const db = await openTarget(args.target!);
  await applyMigrations(db, silent);
  await db.close();
} else if (args.worker === "import") {
  const db = await openTarget(args.target!);
  const playbook = await loadPlaybook(join(ROOT, "manifests/playbook.yml"));
  const rssMb: number[] = [];
  const step = Math.max(1, Math.floor(ROWS / 10));
  try {
    const summary = await importLeads({
      file: args.file!,
      db,
      scoring: playbook.scoring,
      accountMatching: playbook.routing.accountMatching,
      source: "Trade show benchmark",
      campaign: "CCW 2026",
      event: "CCW Las Vegas 2026",
      onProgress: ({ rows }) => {
        if (rows % step === 0) rssMb.push(process.memoryUsage.rss() / 2 ** 20);
      },
    });
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    const result: WorkerResult = { summary, peakRssMb, rssMb, cpu: cpuSeconds() };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await db.close();
  }
} else if (args.worker === "raw") {
  const result = args.target!.startsWith("postgres")
    ? await rawPostgres(args.target!, args.file!)
    : await rawPglite(args.target!, args.file!);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else if (args["write-csv"]) {
  await writeFixture(args["write-csv"]);
} else {
  await main();
}
