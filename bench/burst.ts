// A burst of 500 qualified leads for one team channel, with the fake Slack enforcing Slack's
// pace for chat.postMessage (one message per second per channel, bursts of 3; 429 with
// Retry-After beyond). Counts calls refused as over the limit and leads that never became
// visible in the channel (goal 0 and 0), and the time until every lead is visible, on a card
// or a burst summary. Baton runs in this process on a fresh PostgreSQL database (or PGlite).
//   npm run bench:burst -- [--leads 500] [--concurrency 10] [--pglite]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { machine, recordSection } from "#bench/report.ts";
import { startBaton } from "#src/baton.ts";
import { loadConfig } from "#src/config.ts";
import { createLogger } from "#src/logger.ts";
import { startFakeSlack } from "#test/fakes/fake-slack.ts";

const { values } = parseArgs({
  options: {
    leads: { type: "string", default: "500" },
    concurrency: { type: "string", default: "10" },
    pglite: { type: "boolean", default: false },
    "database-url": { type: "string", default: "postgres://postgres@127.0.0.1:5432/test" },
  },
});
const LEADS = Number(values.leads);
const CONCURRENCY = Number(values.concurrency);
const CHANNEL = "C0NAMIDMKT";
const TOKEN = "bench-burst-token-0123456789";

const slack = await startFakeSlack();
slack.setRateLimit({ method: "chat.postMessage", perSecond: 1, burst: 3 });
const dbName = `baton_bench_burst_${process.pid}`;
const admin = values.pglite
  ? undefined
  : new pg.Client({ connectionString: values["database-url"] });
const dataDir = mkdtempSync(join(tmpdir(), "baton-bench-burst-"));
let databaseUrl: string | undefined;
if (admin) {
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${dbName}"`);
  const url = new URL(values["database-url"]!);
  url.pathname = `/${dbName}`;
  databaseUrl = url.toString();
}
const baton = await startBaton({
  config: loadConfig({
    SLACK_MODE: "http",
    SLACK_BOT_TOKEN: "xoxb-bench-0000-burst",
    SLACK_SIGNING_SECRET: "8f742231b10e8888abcd99benchburst",
    SLACK_API_URL: slack.url,
    HOST: "127.0.0.1",
    PORT: "0",
    LOG_LEVEL: "error",
    INTAKE_API_TOKENS: `bench:${TOKEN}`,
    SLA_SWEEP_CRON: "0 0 1 1 *",
    DATA_DIR: dataDir,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  }),
  logger: createLogger({ level: "error" }),
  metrics: undefined,
});
const base = `http://127.0.0.1:${baton.port}`;

// The burst: every lead raises a hand and belongs to NA Mid-Market (claim mode).
const started = performance.now();
const ids: string[] = [];
let next = 0;
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    for (let i = next++; i < LEADS; i = next++) {
      const response = await fetch(`${base}/api/v1/leads`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({
          email: `burst-${i}@expo-${i}.example`,
          name: `Expo Visitor ${i}`,
          company: `Expo Company ${i}`,
          title: "Contact Center Director",
          country: "US",
          companySize: 250,
          source: "Trade show",
          campaign: "CCW Las Vegas 2026",
          activities: [{ type: "demo_request", occurredAt: new Date().toISOString() }],
        }),
      });
      if (response.status >= 300) throw new Error(`intake answered ${response.status}`);
      ids.push(((await response.json()) as { lead: { id: string } }).lead.id);
    }
  }),
);
const intakeSeconds = (performance.now() - started) / 1000;

// Wait until every lead is visible at the top of the channel, on a card or a summary.
const visibleAll = () => {
  const text = slack
    .visible(CHANNEL)
    .filter((m) => !m.thread_ts)
    .map((m) => JSON.stringify(m.blocks))
    .join("\n");
  return ids.filter((id) => text.includes(id)).length;
};
const deadline = Date.now() + 10 * 60_000;
let shown = visibleAll();
while (shown < LEADS && Date.now() < deadline) {
  await new Promise((resolve) => setTimeout(resolve, 250));
  shown = visibleAll();
}
const allVisibleSeconds = (performance.now() - started) / 1000;
const topLevel = slack.visible(CHANNEL).filter((m) => !m.thread_ts);
const summaries = topLevel.filter((m) => String(m.text).includes("new leads for")).length;
const cards = topLevel.length - summaries;
const posts = slack.callsTo("chat.postMessage").filter((c) => c.args.channel === CHANNEL).length;
const overLimit = slack.overLimit();
const lost = LEADS - shown;
const twice = ids.filter(
  (id) => topLevel.filter((m) => JSON.stringify(m.blocks).includes(id)).length > 1,
).length;

await baton.stop();
await slack.close();
if (admin) {
  await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  await admin.end();
}
rmSync(dataDir, { recursive: true, force: true });

const db = values.pglite ? "PGlite (embedded)" : "PostgreSQL 15 (local)";
console.log(
  `${db}: ${LEADS} leads in ${intakeSeconds.toFixed(1)} s; all visible after ${allVisibleSeconds.toFixed(1)} s in ${topLevel.length} messages (${summaries} summaries, ${cards} cards); ${posts} postMessage calls, ${overLimit} over the limit, ${lost} lost, ${twice} shown twice (goal 0 over, 0 lost)`,
);
recordSection(
  `burst-${values.pglite ? "pglite" : "postgres"}`,
  `## Burst of ${LEADS} qualified leads into one channel, ${db} (\`npm run bench:burst${values.pglite ? " -- --pglite" : ""}\`)

${LEADS} leads that raise a hand, sent to the intake API by ${CONCURRENCY} concurrent clients, all for NA
Mid-Market (claim mode, one channel). The fake Slack enforces Slack's pace for
\`chat.postMessage\`: one per second per channel with bursts of 3, and 429 with Retry-After
beyond. Baton gathers cards due for one channel at once into burst summaries (23 leads per
message; see docs/decisions/007-burst-summaries.md). Goal: 0 calls over the limit, 0 leads lost.

| intake (s) | all visible after (s) | channel messages | summaries | single cards | over the limit | lost | shown twice |
|---|---|---|---|---|---|---|---|
| ${intakeSeconds.toFixed(1)} | ${allVisibleSeconds.toFixed(1)} | ${topLevel.length} | ${summaries} | ${cards} | ${overLimit} | ${lost} | ${twice} |

One card per lead would take at least ${Math.ceil((LEADS - 3) / 1)} seconds at Slack's pace and ${LEADS} messages.

Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}.`,
);
process.exit(overLimit === 0 && lost === 0 && twice === 0 ? 0 : 1);
