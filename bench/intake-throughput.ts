// Intake throughput: concurrent clients POST leads (each with 3 activities) to a real Baton
// process, against raw inserts of the same rows in the same run: raw `pg` on PostgreSQL, and on
// PGlite raw PGlite in a process of its own (as Baton's), on the data dir Baton used. Goal:
// Baton ≥ 50% of raw on both.
//   npm run bench:intake -- [--requests 3000] [--concurrency 16] [--cpu-prof DIR]
//                           [--postgres-only | --pglite-only]
// --cpu-prof writes a V8 CPU profile of each Baton process to DIR; --postgres-only and
// --pglite-only measure one database and leave docs/benchmarks.md alone.
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { machine, percentile, recordSection } from "#bench/report.ts";

const { values: args } = parseArgs({
  options: {
    requests: { type: "string", default: "3000" },
    concurrency: { type: "string", default: "16" },
    "cpu-prof": { type: "string" },
    "postgres-only": { type: "boolean", default: false },
    "pglite-only": { type: "boolean", default: false },
    /** Worker mode (internal): the raw PGlite inserts, on this data dir. */
    "raw-pglite": { type: "string" },
    "database-url": {
      type: "string",
      default: process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test",
    },
  },
});
const REQUESTS = Number(args.requests);
const CONCURRENCY = Number(args.concurrency);
const POOL = 10;
const TOKEN = "bench-token-0123456789abcdefghij";
const ROOT = fileURLToPath(new URL("..", import.meta.url));

function leadBody(i: number, run: string) {
  const at = new Date(Date.UTC(2026, 10, 20, 9, 0, i % 60)).toISOString();
  return {
    email: `bench-${run}-${i}@company-${i % 500}.example`,
    name: `Lead ${i}`,
    title: i % 3 === 0 ? "Call Center Manager" : "Analyst",
    company: `Company ${i % 500}`,
    companySize: (i * 37) % 2000,
    country: ["US", "DE", "FR", "CA"][i % 4],
    source: "Benchmark",
    campaign: `Campaign ${i % 7}`,
    activities: [
      { type: "page_view", occurredAt: at, url: `https://example.com/p/${i}` },
      { type: "content_download", occurredAt: at, title: "Guide" },
      { type: "pricing_page", occurredAt: at, url: "https://example.com/pricing" },
    ],
  };
}

async function runPool(count: number, concurrency: number, task: (i: number) => Promise<void>) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const t = performance.now();
        await task(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    perSecond: count / seconds,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
  };
}

function fakeSlack(): Promise<Server> {
  const server = createServer((_req, res) => {
    res.setHeader("Content-Type", "application/json");
    res.end(JSON.stringify({ ok: true, team_id: "T1", user_id: "UBOT", bot_id: "B1" }));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

async function startBaton(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    args["cpu-prof"]
      ? ["--cpu-prof", `--cpu-prof-dir=${args["cpu-prof"]}`, "--import", "tsx", "src/main.ts"]
      : [join(ROOT, "node_modules/tsx/dist/cli.mjs"), join(ROOT, "src/main.ts")],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        LOG_FORMAT: "json",
        LOG_LEVEL: "info",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const port = /"port":(\d+)/.exec(out)?.[1];
      if (port && out.includes("Baton is ready"))
        resolve({ child, url: `http://127.0.0.1:${port}` });
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.on("exit", (code) => reject(new Error(`Baton exited with ${code}:\n${out}`)));
  });
}

async function stop(child: ChildProcess) {
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

async function benchBaton(env: Record<string, string>, slackUrl: string, run: string) {
  const baton = await startBaton({
    SLACK_MODE: "http",
    SLACK_BOT_TOKEN: "xoxb-1-bench",
    SLACK_SIGNING_SECRET: "0123456789abcdef0123",
    SLACK_API_URL: slackUrl,
    HOST: "127.0.0.1",
    PORT: "0",
    DATABASE_POOL_SIZE: String(POOL),
    INTAKE_API_TOKENS: `bench:${TOKEN}`,
    ...env,
  });
  try {
    // Warm-up: JIT, connection pool, Prisma's first queries.
    await runPool(100, CONCURRENCY, (i) => post(baton.url, leadBody(i, `${run}w`)));
    return await runPool(REQUESTS, CONCURRENCY, (i) => post(baton.url, leadBody(i, run)));
  } finally {
    await stop(baton.child);
  }
}

// node:http with keep-alive rather than fetch: the load generator shares the machine's two
// cores with Baton and PostgreSQL, and fetch costs several times more CPU per request.
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function post(url: string, body: unknown): Promise<void> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/api/v1/leads`,
      {
        method: "POST",
        agent,
        headers: {
          authorization: `Bearer ${TOKEN}`,
          "content-type": "application/json",
          "content-length": Buffer.byteLength(payload),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          if ((res.statusCode ?? 0) >= 300) {
            reject(new Error(`HTTP ${res.statusCode}: ${Buffer.concat(chunks).toString()}`));
          } else resolve();
        });
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

type Query = (sql: string, params: unknown[]) => Promise<{ rows: unknown[] }>;

/** The same rows written with plain SQL: the lead (upsert on email) and its activities. */
async function rawLead(query: Query, body: ReturnType<typeof leadBody>): Promise<void> {
  const { rows } = await query(
    `INSERT INTO "Lead" ("id","email","emailDomain","firstName","title","company","companySize","country","source","campaign","updatedAt")
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,now())
     ON CONFLICT ("email") DO UPDATE SET "title" = EXCLUDED."title" RETURNING "id"`,
    [
      randomUUID(),
      body.email,
      body.email.split("@")[1],
      body.name,
      body.title,
      body.company,
      body.companySize,
      body.country,
      body.source,
      body.campaign,
    ],
  );
  const leadId = (rows[0] as { id: string }).id;
  const values: unknown[] = [];
  const tuples = body.activities.map((a, k) => {
    values.push(randomUUID(), leadId, a.type, a.occurredAt, a.url ?? null, a.title ?? null);
    const b = k * 6;
    return `($${b + 1},$${b + 2},$${b + 3},$${b + 4},$${b + 5},$${b + 6})`;
  });
  await query(
    `INSERT INTO "Activity" ("id","leadId","type","occurredAt","url","title") VALUES ${tuples.join(",")}`,
    values,
  );
}

/** Raw pg: per lead, BEGIN, the lead, its activities, COMMIT, on a pool like Baton's. */
async function benchRaw(databaseUrl: string, run: string) {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: POOL });
  pool.on("error", (error) => console.error("raw pool:", error.message));
  try {
    const insert = async (i: number) => {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        await rawLead((sql, params) => client.query(sql, params), leadBody(i, run));
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        throw error;
      } finally {
        client.release();
      }
    };
    await runPool(100, CONCURRENCY, (i) => insert(i + 1_000_000));
    return await runPool(REQUESTS, CONCURRENCY, insert);
  } finally {
    await pool.end();
  }
}

/**
 * Raw PGlite, in a process of its own as Baton's is: per lead, a transaction with the lead and
 * its activities, from as many concurrent tasks (PGlite runs them one after another).
 */
async function benchRawPglite(dataDir: string, run: string) {
  const db = await PGlite.create(join(dataDir, "pgdata"));
  try {
    const insert = (i: number) =>
      db.transaction((tx) => rawLead((sql, params) => tx.query(sql, params), leadBody(i, run)));
    await runPool(100, CONCURRENCY, (i) => insert(i + 1_000_000));
    return await runPool(REQUESTS, CONCURRENCY, insert);
  } finally {
    await db.close();
  }
}

type Figures = Awaited<ReturnType<typeof runPool>>;

/** Runs benchRawPglite in a child process (this file in worker mode). */
function rawPgliteProcess(dataDir: string): Promise<Figures> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      fileURLToPath(import.meta.url),
      "--raw-pglite",
      dataDir,
      "--requests",
      String(REQUESTS),
      "--concurrency",
      String(CONCURRENCY),
    ],
    { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] },
  );
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.on("exit", (code) => {
      if (code === 0) resolve(JSON.parse(out.trim().split("\n").pop()!) as Figures);
      else reject(new Error(`raw PGlite worker exited with ${code}`));
    });
  });
}

async function withScratchDatabase<T>(url: string, fn: (url: string) => Promise<T>): Promise<T> {
  const name = `baton_bench_${process.pid}`;
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

const fmt = (n: number) => n.toFixed(n >= 100 ? 0 : 1);

const GOAL = 0.5;

interface Pair {
  baton: Figures;
  raw: Figures;
}

async function measurePostgres(slackUrl: string): Promise<Pair> {
  return withScratchDatabase(args["database-url"]!, async (url) => {
    const baton = await benchBaton({ DATABASE_URL: url }, slackUrl, "pg");
    const raw = await benchRaw(url, "raw");
    return { baton, raw };
  });
}

/** Baton on a fresh data dir, then raw PGlite on the same dir once Baton has stopped. */
async function measurePglite(slackUrl: string): Promise<Pair> {
  const dataDir = mkdtempSync(join(tmpdir(), "baton-bench-"));
  try {
    const baton = await benchBaton({ DATA_DIR: dataDir }, slackUrl, "pglite");
    const raw = await rawPgliteProcess(dataDir);
    return { baton, raw };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function print(name: string, rawName: string, pair: Pair) {
  const ratio = pair.baton.perSecond / pair.raw.perSecond;
  console.log(
    `${name.padEnd(11)} Baton ${fmt(pair.baton.perSecond)} leads/s (p50 ${fmt(pair.baton.p50)} ms, p95 ${fmt(pair.baton.p95)} ms)`,
  );
  console.log(
    `${name.padEnd(11)} ${rawName} ${fmt(pair.raw.perSecond)} leads/s (p50 ${fmt(pair.raw.p50)} ms, p95 ${fmt(pair.raw.p95)} ms)`,
  );
  console.log(
    `${name.padEnd(11)} Baton / raw: ${(ratio * 100).toFixed(0)}% (goal ≥ ${GOAL * 100}%)`,
  );
  return ratio;
}

function record(postgres: Pair, pglite: Pair) {
  const row = (name: string, pair: Pair) =>
    `| ${name} | ${fmt(pair.baton.perSecond)} | ${fmt(pair.baton.p50)} | ${fmt(pair.baton.p95)} | ${fmt(pair.raw.perSecond)} | **${((pair.baton.perSecond / pair.raw.perSecond) * 100).toFixed(0)}%** (goal ≥ ${GOAL * 100}%) |`;
  recordSection(
    "intake-throughput",
    `## Intake throughput (\`npm run bench:intake\`)

${REQUESTS} \`POST /api/v1/leads\` requests, each a new lead with 3 activities, from ${CONCURRENCY} concurrent clients to a Baton process, against raw inserts of the same rows in the same run, from the same number of concurrent tasks. Raw: per lead, BEGIN, an \`INSERT … ON CONFLICT (email) DO UPDATE\` of the lead, one multi-row \`INSERT\` of its 3 activities, COMMIT; no HTTP. On PostgreSQL raw is \`pg\` on a pool of ${POOL} connections (Baton's pool is the same size); on PGlite it is raw PGlite in a process of its own, as Baton's PGlite runs in Baton's process, on the data dir Baton used (after Baton stopped). Baton: each request over HTTP (keep-alive; the load generator's HTTP client shares the two cores), token check, JSON parse and validation, then the intake batcher writes the requests that arrived together in one statement: dedupe on the normalized email, account-owner match, the lead with its score and status, its activities, 2 audit-trail events and (had any qualified) the handoff outbox row; one commit per batch where raw commits per lead.

| database | Baton leads/s | p50 ms | p95 ms | raw leads/s | Baton / raw |
|---|---|---|---|---|---|
${row("PostgreSQL 15 (local)", postgres)}
${row("PGlite (embedded)", pglite)}

Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}.`,
  );
}

async function main() {
  const slack = await fakeSlack();
  const slackUrl = `http://127.0.0.1:${(slack.address() as AddressInfo).port}/api/`;
  try {
    console.log(
      `Intake throughput: ${REQUESTS} leads × 3 activities, ${CONCURRENCY} concurrent clients, pool ${POOL}`,
    );
    const ratios: number[] = [];
    let postgres: Pair | undefined;
    let pglite: Pair | undefined;
    if (!args["pglite-only"]) {
      postgres = await measurePostgres(slackUrl);
      ratios.push(print("PostgreSQL", "raw pg", postgres));
    }
    if (!args["postgres-only"]) {
      pglite = await measurePglite(slackUrl);
      ratios.push(print("PGlite", "raw PGlite", pglite));
    }
    if (postgres && pglite) record(postgres, pglite);
    process.exitCode = ratios.every((ratio) => ratio >= GOAL) ? 0 : 1;
  } finally {
    agent.destroy();
    slack.closeAllConnections();
    slack.close();
  }
}

// Dispatch last: everything above must be initialized first.
if (args["raw-pglite"]) {
  const figures = await benchRawPglite(args["raw-pglite"], "raw");
  process.stdout.write(`${JSON.stringify(figures)}\n`);
} else {
  await main();
}
