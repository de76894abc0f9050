// Claim ack latency under 50 concurrent clicks, against a bare Bolt app that only acks, in the
// same run. Each app runs in its own process, as in production (Baton through src/main.ts), and
// so does the fake Slack; this process sends both apps the same signed block_actions requests over
// fresh HTTP connections, rounds alternating so load and warm-up fall alike. Baton does its
// real work after the ack (the claim transaction, the ephemeral answer, the outbox), so later
// clicks compete with it, as they would in Slack. Goal: Baton's p99 ≤ 2× the bare app's.
//   npm run bench:claim -- [--rounds 10] [--clicks 50] [--database-url postgres://…]
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import pg from "pg";
import { machine, percentile, recordSection } from "#bench/report.ts";
import { ACTIONS } from "#src/slack/ids.ts";
import { buildButtonAction, createSlackRequester } from "#test/fakes/slack-requests.ts";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "10" },
    clicks: { type: "string", default: "50" },
    "database-url": { type: "string", default: "postgres://postgres@127.0.0.1:5432/test" },
  },
});
const ROUNDS = Number(values.rounds);
const CLICKS = Number(values.clicks);
/** Leads raced per round: five clicks on each, from different reps. */
const LEADS_PER_ROUND = Math.max(1, Math.floor(CLICKS / 5));
const SECRET = "8f742231b10e8888abcd99benchclaimack";
const TOKEN = "bench-claim-token-0123456789";
const REPS = ["U0REPMIKE1", "U0REPPRIYA", "U0REPSAM01", "U0REPTOM01", "U0MGRNAMER"];

const dbName = `baton_bench_claim_${process.pid}`;
const admin = new pg.Client({ connectionString: values["database-url"] });
const dataDir = mkdtempSync(join(tmpdir(), "baton-bench-claim-"));
await admin.connect();
await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
await admin.query(`CREATE DATABASE "${dbName}"`);
const dbUrl = new URL(values["database-url"]!);
dbUrl.pathname = `/${dbName}`;
const databaseUrl = dbUrl.toString();
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const children: ChildProcess[] = [];
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts a node process and waits until `ready` answers. */
async function startProcess(script: string, env: Record<string, string>, ready: string) {
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  children.push(child);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}`);
    const answer = await fetch(ready).catch(() => undefined);
    if (answer && answer.status < 500) return child;
    if (Date.now() > deadline) throw new Error(`${script} was not ready in 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

// The fake Slack gets a process of its own too: its work (Baton's ephemeral answers and card
// updates) must not slow this process's clients, which would count against Baton.
const fakeSlack = spawn(process.execPath, ["--import", "tsx", "bench/apps/fake-slack.ts"], {
  cwd: ROOT,
  env: { PATH: process.env.PATH ?? "" },
  stdio: ["ignore", "pipe", "inherit"],
});
children.push(fakeSlack);
const slackUrl = await new Promise<string>((resolve, reject) => {
  fakeSlack.stdout!.once("data", (chunk: Buffer) => resolve(chunk.toString().trim()));
  fakeSlack.once("exit", (code) => reject(new Error(`the fake Slack exited with ${code}`)));
});
const slackOrigin = new URL(slackUrl).origin;
let responses = 0;
const responseUrl = () => `${slackOrigin}/response-url/bench-${++responses}`;

const batonPort = await freePort();
const baton = await startProcess(
  "src/main.ts",
  {
    SLACK_MODE: "http",
    SLACK_BOT_TOKEN: "xoxb-bench-0000-claimack",
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: slackUrl,
    HOST: "127.0.0.1",
    PORT: String(batonPort),
    LOG_LEVEL: "warn",
    INTAKE_API_TOKENS: `bench:${TOKEN}`,
    SLA_SWEEP_CRON: "0 0 1 1 *",
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
  },
  `http://127.0.0.1:${batonPort}/readyz`,
);
const batonUrl = `http://127.0.0.1:${batonPort}/slack/events`;
const barePort = await freePort();
const bare = await startProcess(
  "bench/apps/bare-bolt.ts",
  { SLACK_SIGNING_SECRET: SECRET, PORT: String(barePort), SLACK_API_URL: slackUrl },
  `http://127.0.0.1:${barePort}/`,
);
const bareUrl = `http://127.0.0.1:${barePort}/slack/events`;

/** Baton's database, read directly: the app runs in another process. */
const read = new pg.Client({ connectionString: databaseUrl });
await read.connect();

// Qualified claim-mode leads (NA Mid-Market), one set per Baton round.
let n = 0;
async function makeLeads(count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    n += 1;
    const response = await fetch(`http://127.0.0.1:${batonPort}/api/v1/leads`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({
        email: `claim-${n}@bench-${n}.example`,
        country: "US",
        companySize: 150,
        activities: [{ type: "demo_request", occurredAt: new Date().toISOString() }],
      }),
    });
    if (response.status >= 300) throw new Error(`intake answered ${response.status}`);
    ids.push(((await response.json()) as { lead: { id: string } }).lead.id);
  }
  const deadline = Date.now() + 30_000;
  for (;;) {
    const offered = await countRows(
      `SELECT count(*) AS n FROM "Lead" WHERE "id" = ANY($1::uuid[]) AND "status" = 'OFFERED'`,
      [ids],
    );
    if (offered === ids.length) return ids;
    if (Date.now() > deadline) throw new Error("leads were not handed off in 30 s");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function countRows(sql: string, params: unknown[] = []): Promise<number> {
  return Number((await read.query<{ n: string }>(sql, params)).rows[0]!.n);
}

async function round(url: string, leadIds: string[]): Promise<number[]> {
  const requester = createSlackRequester({ url, signingSecret: SECRET });
  return Promise.all(
    Array.from({ length: CLICKS }, async (_, i) => {
      const started = performance.now();
      const response = await requester.interaction(
        buildButtonAction({
          actionId: ACTIONS.claim,
          value: leadIds[i % leadIds.length]!,
          userId: REPS[Math.floor(i / leadIds.length) % REPS.length]!,
          responseUrl: responseUrl(),
        }),
      );
      if (response.status !== 200) throw new Error(`ack answered ${response.status}`);
      const took = performance.now() - started;
      return took;
    }),
  );
}

const batonTimes: number[] = [];
const bareTimes: number[] = [];
// One warm-up round each, not counted.
await round(bareUrl, ["warm-up"]);
await round(batonUrl, await makeLeads(LEADS_PER_ROUND));
for (let r = 0; r < ROUNDS; r++) {
  const leads = await makeLeads(LEADS_PER_ROUND);
  await new Promise((resolve) => setTimeout(resolve, 200));
  bareTimes.push(...(await round(bareUrl, leads)));
  batonTimes.push(...(await round(batonUrl, leads)));
  // Let Baton finish the round's work after the acks before the next round starts.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
}
const claimed = await countRows(`SELECT count(*) AS n FROM "Lead" WHERE "status" = 'CLAIMED'`);
const owners = await countRows(`SELECT count(*) AS n FROM "LeadEvent" WHERE "type" = 'claimed'`);

baton.kill("SIGTERM");
bare.kill("SIGTERM");
await new Promise((resolve) => baton.once("exit", resolve));
await read.end();
fakeSlack.kill("SIGTERM");
await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
await admin.end();
rmSync(dataDir, { recursive: true, force: true });

const stats = (times: number[]) => {
  const sorted = [...times].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1)! };
};
const b = stats(batonTimes);
const a = stats(bareTimes);
const ratio = b.p99 / a.p99;
const ms = (x: number) => x.toFixed(1);
const db = "PostgreSQL 15 (local)";
console.log(
  `${db}: Baton p50 ${ms(b.p50)} ms p99 ${ms(b.p99)} ms; bare Bolt p50 ${ms(a.p50)} ms p99 ${ms(a.p99)} ms; p99 ratio ${ratio.toFixed(2)} (goal ≤ 2); ${owners} claims for ${claimed} claimed leads`,
);
recordSection(
  "claim-ack-postgres",
  `## Claim ack latency under ${CLICKS} concurrent clicks, ${db} (\`npm run bench:claim\`)

${ROUNDS} rounds of ${CLICKS} simultaneous signed Claim clicks (five reps racing for each of ${LEADS_PER_ROUND}
leads), sent over fresh HTTP connections to Baton and, in alternating rounds, to a bare Bolt
app (Bolt's HTTP receiver with one listener that only acks). Each app runs in its own process
(Baton as \`npm start\` runs it), and so does the fake Slack; the clients run in the
benchmark's process. Latency: request start to
response. Baton does the claim after the ack, so later clicks compete with that work.
Goal: Baton's p99 ≤ 2× the bare app's.

| app | p50 (ms) | p99 (ms) | max (ms) |
|---|---|---|---|
| bare Bolt (ack only) | ${ms(a.p50)} | ${ms(a.p99)} | ${ms(a.max)} |
| Baton | ${ms(b.p50)} | ${ms(b.p99)} | ${ms(b.max)} |

p99 ratio: **${ratio.toFixed(2)}×**. Every raced lead ended with exactly one owner: ${owners} claims
recorded for ${claimed} claimed leads.

Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}.`,
);
process.exit(ratio <= 2 && owners === claimed ? 0 : 1);
