// Crash in the middle of a burst (#7): Baton runs as a child process (`node --import tsx
// src/main.ts`, HTTP mode, a fresh PostgreSQL database, the fake Slack of this script). 1,000
// intake requests (each a new lead that raises a hand, so it qualifies and gets a card) go out
// 20 at a time; after 400 answers the child is killed with SIGKILL and started again, and the
// clients retry whatever got no answer, as an intake client would. Goals: every request ends
// with a 2xx, every 2xx lead is in the database and has its card posted at Slack, and no lead
// is posted more than once per crash, no more leads twice than outbox rows were leased (in
// flight) when the process died; no 500, and no 404 while the restarted process starts.
// Slack answers each post after 150 ms (as the real one roughly does), so a kill can land
// between Slack taking a post and Baton marking its outbox row done.
//   npm run bench:crash -- [--requests 1000] [--concurrency 20] [--kill-after 400] [--shards 50]
//                          [--slack-latency-ms 150]
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import {
  batonEnv,
  buttonValue,
  freshDatabase,
  type IntakeAnswer,
  postLead,
  qualifiedLead,
  runPool,
  shardedPlaybookYaml,
  sleep,
  spawnBaton,
  waitForHttp,
  waitUntil,
} from "#bench/reliability-support.ts";
import { machine, recordReliability, summarize, today } from "#bench/report.ts";
import { ACTIONS } from "#src/slack/ids.ts";
import { startFakeSlack } from "#test/fakes/fake-slack.ts";

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "1000" },
    concurrency: { type: "string", default: "20" },
    "kill-after": { type: "string", default: "400" },
    shards: { type: "string", default: "50" },
    "slack-latency-ms": { type: "string", default: "150" },
  },
});
const REQUESTS = Number(values.requests);
const CONCURRENCY = Number(values.concurrency);
const KILL_AFTER = Number(values["kill-after"]);
const SHARDS = Number(values.shards);
/** Slack takes this long to answer a post (it is recorded, i.e. posted, on arrival). */
const SLACK_LATENCY_MS = Number(values["slack-latency-ms"]);
/** The outbox worker's batch: at most this many rows are leased by one process at a time. */
const OUTBOX_BATCH = 20;

const started = performance.now();
const slack = await startFakeSlack();
if (SLACK_LATENCY_MS > 0) {
  slack.fail("chat.postMessage", { delayMs: SLACK_LATENCY_MS, times: Number.MAX_SAFE_INTEGER });
}
const database = await freshDatabase(`baton_bench_crash_${process.pid}`);
const dir = mkdtempSync(join(tmpdir(), "baton-bench-crash-"));
const playbook = shardedPlaybookYaml(SHARDS);
writeFileSync(join(dir, "playbook.yml"), playbook.yaml);
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const env = batonEnv({
  databaseUrl: database.url,
  slackApiUrl: slack.url,
  port,
  extra: { PLAYBOOK: join(dir, "playbook.yml"), DATA_DIR: dir },
});
const db = new pg.Client({ connectionString: database.url });
let exitCode = 1;
let baton = spawnBaton(env);
const restarts: { killedAt: number; readyAt?: number }[] = [];
try {
  await waitForHttp(`${base}/readyz`, 90_000);
  await db.connect();

  // The burst. A request with no answer (connection refused or reset while Baton is down) or
  // a 503 is sent again, with the same body, after a pause (Retry-After, at most 1 s here).
  const tally = { noAnswer: 0, s503: 0, s404: 0, s500: 0, other: 0, retried: 0 };
  const acked = new Map<number, string>();
  let answered = 0;
  let crash: Promise<void> | undefined;
  let leasedAtCrash = 0;
  const latencies: number[] = [];
  const deadline = Date.now() + 150_000;
  await runPool(REQUESTS, CONCURRENCY, async (i) => {
    const body = qualifiedLead(`crash-${process.pid}-${i}`, { city: `shard-${pad(i % SHARDS)}` });
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      if (attempt > 0) tally.retried += 1;
      const answer: IntakeAnswer = await postLead(base, body, 15_000);
      if (answer.status >= 200 && answer.status < 300 && answer.leadId) {
        acked.set(i, answer.leadId);
        latencies.push(answer.ms);
        answered += 1;
        if (answered === KILL_AFTER && !crash) crash = killAndRestart();
        return;
      }
      if (answer.status === 0) tally.noAnswer += 1;
      else if (answer.status === 503) tally.s503 += 1;
      else if (answer.status === 404) tally.s404 += 1;
      else if (answer.status >= 500) tally.s500 += 1;
      else tally.other += 1;
      const retryAfter = Number(answer.retryAfter ?? 0) * 1000;
      await sleep(Math.min(1000, Math.max(200, retryAfter)));
    }
  });
  await crash;
  const burstSeconds = (performance.now() - started) / 1000;

  async function killAndRestart(): Promise<void> {
    const killedAt = Date.now();
    baton.child.kill("SIGKILL");
    await baton.exited;
    // What the dead process held: outbox rows leased to it, still pending.
    const { rows } = await db.query<{ leased: string }>(
      `SELECT count(*) AS leased FROM "OutboxMessage"
        WHERE "status" = 'PENDING' AND "lockedUntil" > now() AT TIME ZONE 'UTC'`,
    );
    leasedAtCrash = Number(rows[0]?.leased ?? 0);
    const restart: { killedAt: number; readyAt?: number } = { killedAt };
    restarts.push(restart);
    baton = spawnBaton(env);
    await waitForHttp(`${base}/readyz`, 90_000);
    restart.readyAt = Date.now();
  }

  // Every acknowledged lead's card at Slack, and nothing left to deliver (rows leased by the
  // dead process wait for their lease, 60 s, to run out).
  const postsByLead = () => {
    const counts = new Map<string, number>();
    for (const call of slack.callsTo("chat.postMessage")) {
      const leadId = buttonValue(call.args.blocks, ACTIONS.claim);
      if (leadId) counts.set(leadId, (counts.get(leadId) ?? 0) + 1);
    }
    return counts;
  };
  const ackedIds = [...acked.values()];
  await waitUntil(
    async () => {
      const posts = postsByLead();
      if (!ackedIds.every((id) => (posts.get(id) ?? 0) >= 1)) return false;
      const { rows } = await db.query<{ pending: string }>(
        `SELECT count(*) AS pending FROM "OutboxMessage"
          WHERE "status" = 'PENDING' AND "kind" IN ('lead.handoff', 'lead.card.post')`,
      );
      return Number(rows[0]?.pending) === 0;
    },
    Math.max(30_000, deadline + 30_000 - Date.now()),
    "every acknowledged lead's card and an empty outbox",
    250,
  ).catch((error: Error) => console.error(error.message));
  await sleep(2000);

  const { rows: stored } = await db.query<{ id: string }>(
    `SELECT "id" FROM "Lead" WHERE "id" = ANY($1::uuid[])`,
    [ackedIds],
  );
  const { rows: total } = await db.query<{ count: string }>(`SELECT count(*) FROM "Lead"`);
  const { rows: dead } = await db.query<{ count: string }>(
    `SELECT count(*) FROM "OutboxMessage" WHERE "status" = 'DEAD'`,
  );
  const posts = postsByLead();
  const missingInDb = ackedIds.length - stored.length;
  const withoutCard = ackedIds.filter((id) => !posts.has(id)).length;
  const postedTwice = ackedIds.filter((id) => posts.get(id) === 2).length;
  const postedMore = ackedIds.filter((id) => (posts.get(id) ?? 0) > 2).length;
  const crashes = restarts.length;
  const duplicateBound = Math.min(leasedAtCrash, OUTBOX_BATCH) * crashes;

  // A clean stop after the run: SIGTERM, exit code 0.
  baton.child.kill("SIGTERM");
  const stop = await baton.exited;
  const downMs = restarts.map((r) => (r.readyAt ?? Number.NaN) - r.killedAt);
  const latency = summarize(latencies);
  const seconds = (performance.now() - started) / 1000;
  const ok =
    crashes === 1 &&
    acked.size === REQUESTS &&
    missingInDb === 0 &&
    withoutCard === 0 &&
    postedMore === 0 &&
    postedTwice <= duplicateBound &&
    tally.s500 === 0 &&
    tally.s404 === 0 &&
    tally.other === 0 &&
    Number(dead[0]?.count) === 0 &&
    stop.code === 0;

  console.log(
    [
      `crash: ${REQUESTS} intake requests, ${CONCURRENCY} at a time, kill -9 after ${KILL_AFTER} answers, restart; Slack answers posts in ${SLACK_LATENCY_MS} ms (${seconds.toFixed(1)} s; burst ${burstSeconds.toFixed(1)} s)`,
      `  acknowledged (2xx): ${acked.size}/${REQUESTS}; in the database: ${stored.length}/${acked.size} (leads in the database: ${total[0]?.count})`,
      `  retries: ${tally.retried} (no answer ${tally.noAnswer}, 503 ${tally.s503}, 404 ${tally.s404}); 500s ${tally.s500}; other ${tally.other}`,
      `  down for ${downMs.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(", ")} (kill to ready); outbox rows leased by the killed process: ${leasedAtCrash}`,
      `  cards at Slack: ${ackedIds.length - withoutCard}/${ackedIds.length}; posted twice ${postedTwice} (bound ${duplicateBound}); more than twice ${postedMore}; DEAD rows ${dead[0]?.count}`,
      `  2xx latency p50 ${Math.round(latency.p50)} ms, p99 ${Math.round(latency.p99)} ms; clean stop exit code ${stop.code}`,
      ok ? "  all goals met" : `  GOAL MISSED\n${baton.output.slice(-20).join("\n")}`,
    ].join("\n"),
  );
  recordReliability(
    "crash",
    `Latest run (${today()}, ${machine()}; ${seconds.toFixed(0)} s): ${ok ? "**all goals met**" : "**GOAL MISSED**"}.

| check | result | goal |
|---|---|---|
| requests acknowledged (2xx) in the end | ${acked.size}/${REQUESTS} | all |
| acknowledged leads in the database | ${stored.length}/${acked.size} | all |
| acknowledged leads with their card at Slack | ${ackedIds.length - withoutCard}/${ackedIds.length} | all |
| leads whose card was posted twice | ${postedTwice} | ≤ rows leased at the crash (${leasedAtCrash}, at most ${OUTBOX_BATCH}) |
| leads posted more than twice | ${postedMore} | 0 |
| 500 / 404 answers, DEAD outbox rows | ${tally.s500} / ${tally.s404}, ${dead[0]?.count} | 0 / 0, 0 |
| retried requests (no answer ${tally.noAnswer}, 503 while starting ${tally.s503}) | ${tally.retried} | — |
| kill -9 to ready again | ${downMs.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(", ")} | — |
| clean stop after the run (SIGTERM) | exit code ${stop.code} | 0 |`,
  );
  exitCode = ok ? 0 : 1;
} finally {
  if (baton.child.exitCode === null && baton.child.signalCode === null) {
    baton.child.kill("SIGKILL");
    await baton.exited;
  }
  await db.end().catch(() => {});
  await slack.close();
  await database.drop();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(exitCode);

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
