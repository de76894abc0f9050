// Intake → chat.postMessage: how long from the intake request until the lead's card reaches
// Slack (a fake Slack on 127.0.0.1 with no rate limit). Each lead raises a hand (demo request),
// so it qualifies, is routed and its card posted. Goal: p95 ≤ 250 ms. Baton runs in this
// process on a fresh PostgreSQL database (or PGlite with --pglite).
//   npm run bench:handoff -- [--leads 300] [--concurrency 4] [--pglite]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { machine, percentile, recordSection } from "#bench/report.ts";
import { startBaton } from "#src/baton.ts";
import { loadConfig } from "#src/config.ts";
import { createLogger } from "#src/logger.ts";
import { startFakeSlack } from "#test/fakes/fake-slack.ts";

const { values } = parseArgs({
  options: {
    leads: { type: "string", default: "120" },
    "interval-ms": { type: "string", default: "400" },
    pglite: { type: "boolean", default: false },
    "database-url": { type: "string", default: "postgres://postgres@127.0.0.1:5432/test" },
  },
});
const LEADS = Number(values.leads);
const INTERVAL = Number(values["interval-ms"]);
/** One lead per team in turn: each channel (or rep's DM) gets one every 3 intervals, under
 * Slack's one message per second per channel, so the pacer never queues and latency is Baton's. */
const PROFILES = [
  { country: "US", companySize: 120 },
  { country: "DE", region: "EMEA", companySize: 900 },
  { country: "BR", companySize: 5 },
];
const TOKEN = "bench-handoff-token-0123456789";

const slack = await startFakeSlack();
const dbName = `baton_bench_handoff_${process.pid}`;
const admin = values.pglite
  ? undefined
  : new pg.Client({ connectionString: values["database-url"] });
const dataDir = mkdtempSync(join(tmpdir(), "baton-bench-handoff-"));
let databaseUrl: string | undefined;
if (admin) {
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${dbName}"`);
  const url = new URL(values["database-url"]!);
  url.pathname = `/${dbName}`;
  databaseUrl = url.toString();
}
const config = loadConfig({
  SLACK_MODE: "http",
  SLACK_BOT_TOKEN: "xoxb-bench-0000-handoff",
  SLACK_SIGNING_SECRET: "8f742231b10e8888abcd99benchhandoff",
  SLACK_API_URL: slack.url,
  HOST: "127.0.0.1",
  PORT: "0",
  LOG_LEVEL: "warn",
  INTAKE_API_TOKENS: `bench:${TOKEN}`,
  SLA_SWEEP_CRON: "0 0 1 1 *",
  DATA_DIR: dataDir,
  ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
});
const baton = await startBaton({
  config,
  logger: createLogger({ level: "warn" }),
  metrics: undefined,
});
const base = `http://127.0.0.1:${baton.port}`;

const sentAt = new Map<string, number>();
const started = performance.now();
for (let i = 0; i < LEADS; i++) {
  const email = `handoff-${i}@bench-${i}.example`;
  sentAt.set(email, Date.now());
  const response = await fetch(`${base}/api/v1/leads`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({
      email,
      firstName: `Lead${i}`,
      ...PROFILES[i % PROFILES.length],
      activities: [{ type: "demo_request", occurredAt: new Date().toISOString() }],
    }),
  });
  if (response.status >= 300) throw new Error(`intake answered ${response.status}`);
  await response.arrayBuffer();
  await new Promise((resolve) => setTimeout(resolve, INTERVAL));
}
// Wait until every card is at Slack.
const deadline = Date.now() + 60_000;
const cardTimes = new Map<string, number>();
while (cardTimes.size < LEADS && Date.now() < deadline) {
  for (const call of slack.callsTo("chat.postMessage")) {
    const text = String(call.args.text ?? "");
    const match = /Lead(\d+)\b/.exec(text);
    if (match && !cardTimes.has(match[1]!)) cardTimes.set(match[1]!, call.at);
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
}
const elapsed = (performance.now() - started) / 1000;
const latencies = [...cardTimes.entries()]
  .map(([i, at]) => at - (sentAt.get(`handoff-${i}@bench-${i}.example`) ?? at))
  .sort((a, b) => a - b);
await baton.stop();
await slack.close();
if (admin) {
  await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  await admin.end();
}
rmSync(dataDir, { recursive: true, force: true });

const p50 = percentile(latencies, 50);
const p95 = percentile(latencies, 95);
const p99 = percentile(latencies, 99);
const lost = LEADS - latencies.length;
const db = values.pglite ? "PGlite (embedded)" : "PostgreSQL 15 (local)";
console.log(
  `${db}: ${latencies.length}/${LEADS} cards, p50 ${p50} ms, p95 ${p95} ms, p99 ${p99} ms (goal p95 ≤ 250 ms), ${elapsed.toFixed(1)} s`,
);
recordSection(
  `handoff-latency-${values.pglite ? "pglite" : "postgres"}`,
  `## Intake → card at Slack, ${db} (\`npm run bench:handoff${values.pglite ? " -- --pglite" : ""}\`)

${LEADS} leads that raise a hand (demo request), one every ${INTERVAL} ms in turn to the three example teams
(two channels and the DMs of one assign-mode team), so no channel gets more than Slack's one
message per second and Baton's pacer never has to queue. Baton runs in the benchmark's process
with a fake Slack on 127.0.0.1 (no rate limit). Latency: from the intake
request's start to the card's \`chat.postMessage\` at the fake Slack. Goal: p95 ≤ 250 ms.

| cards | p50 (ms) | p95 (ms) | p99 (ms) | lost |
|---|---|---|---|---|
| ${latencies.length}/${LEADS} | ${p50} | ${p95} | ${p99} | ${lost} |

Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}.`,
);
process.exit(p95 <= 250 && lost === 0 ? 0 : 1);
