// Crash in the middle of a burst (#7): Baton runs as a child process (`node --import tsx
// src/main.ts`, HTTP mode, a fresh PostgreSQL database, the fake Slack of this script). 1,000
// intake requests (each a new lead that raises a hand, so it qualifies and is shown in its
// team's channel) go out 20 at a time; after 400 answers the child is killed with SIGKILL and
// started again, and the clients retry whatever got no answer, as an intake client would.
// Goals: every request ends with a 2xx, every 2xx lead is in the database and shown in its
// channel (on its card, or on a burst summary when several arrive at once), no lead is shown
// more than once per crash, no more leads twice than card posts were leased (in flight) when
// the process died; no 500, and no 404 while the restarted process starts.
// Slack answers each post after 150 ms (as the real one roughly does), and the kill comes as
// the first post after the 400th answer reaches Slack: it lands between Slack taking a post
// and Baton marking its outbox row done, the moment a duplicate can be born.
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
  channelShows,
  freshDatabase,
  type IntakeAnswer,
  postLead,
  qualifiedLead,
  runPool,
  shardedPlaybookYaml,
  sleep,
  spawnBaton,
  waitForHttp,
  waitWhileProgressing,
} from "#bench/reliability-support.ts";
import { machine, recordReliability, summarize, today } from "#bench/report.ts";
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
        if (answered === KILL_AFTER && !crash) crash = killWhilePosting();
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

  /** Kills Baton as its next post reaches Slack (or after 5 s if none comes). */
  async function killWhilePosting(): Promise<void> {
    const posts = () => slack.callsTo("chat.postMessage").length;
    const before = posts();
    const until = Date.now() + 5000;
    while (posts() === before && Date.now() < until) await sleep(2);
    await killAndRestart();
  }

  async function killAndRestart(): Promise<void> {
    const killedAt = Date.now();
    baton.child.kill("SIGKILL");
    await baton.exited;
    // What the dead process held: card posts leased to it, still pending (one burst summary
    // part in flight lists up to 23 of them).
    const { rows } = await db.query<{ leased: string }>(
      `SELECT count(*) AS leased FROM "OutboxMessage"
        WHERE "status" = 'PENDING' AND "kind" = 'lead.card.post'
          AND "lockedUntil" > now() AT TIME ZONE 'UTC'`,
    );
    leasedAtCrash = Number(rows[0]?.leased ?? 0);
    const restart: { killedAt: number; readyAt?: number } = { killedAt };
    restarts.push(restart);
    baton = spawnBaton(env);
    await waitForHttp(`${base}/readyz`, 90_000);
    restart.readyAt = Date.now();
  }

  // Every acknowledged lead shown in its channel (on its card, or on a burst summary when
  // many arrived at once), and nothing left to deliver (rows leased by the dead process wait
  // for their lease to run out).
  const postsByLead = () => channelShows(slack.calls);
  const ackedIds = [...acked.values()];
  let allShownAt: number | undefined;
  const pending = async () => {
    const { rows } = await db.query<{ pending: string }>(
      `SELECT count(*) AS pending FROM "OutboxMessage"
        WHERE "status" = 'PENDING' AND "kind" IN ('lead.handoff', 'lead.card.post')`,
    );
    return Number(rows[0]?.pending);
  };
  // On a loaded machine delivery is slower; the wait goes on while leads keep being shown
  // (or leases keep running out), and fails on a stall: that is what a lost lead looks like.
  await waitWhileProgressing(
    async () => {
      const posts = postsByLead();
      if (!ackedIds.every((id) => (posts.get(id) ?? 0) >= 1)) return false;
      allShownAt ??= Date.now();
      return (await pending()) === 0;
    },
    async () => postsByLead().size * 100_000 - (await pending()),
    {
      stallMs: 60_000,
      maxMs: Math.max(120_000, deadline + 300_000 - Date.now()),
      what: "every acknowledged lead shown in its channel and an empty outbox",
    },
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
  const duplicateBound = leasedAtCrash;

  // A clean stop after the run: SIGTERM, exit code 0.
  baton.child.kill("SIGTERM");
  const stop = await baton.exited;
  const downMs = restarts.map((r) => (r.readyAt ?? Number.NaN) - r.killedAt);
  const lastReady = restarts.at(-1)?.readyAt ?? Number.NaN;
  const shownAfterRestart =
    allShownAt === undefined
      ? "never"
      : `${(Math.max(0, allShownAt - lastReady) / 1000).toFixed(1)} s`;
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
      `crash: ${REQUESTS} intake requests, ${CONCURRENCY} at a time, kill -9 at the first post after ${KILL_AFTER} answers, restart; Slack answers posts in ${SLACK_LATENCY_MS} ms (${seconds.toFixed(1)} s; burst ${burstSeconds.toFixed(1)} s)`,
      `  acknowledged (2xx): ${acked.size}/${REQUESTS}; in the database: ${stored.length}/${acked.size} (leads in the database: ${total[0]?.count})`,
      `  retries: ${tally.retried} (no answer ${tally.noAnswer}, 503 ${tally.s503}, 404 ${tally.s404}); 500s ${tally.s500}; other ${tally.other}`,
      `  down for ${downMs.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(", ")} (kill to ready); outbox rows leased by the killed process: ${leasedAtCrash}`,
      `  shown in their channel (card or burst summary): ${ackedIds.length - withoutCard}/${ackedIds.length}; shown twice ${postedTwice} (bound ${duplicateBound}); more than twice ${postedMore}; DEAD rows ${dead[0]?.count}`,
      `  every acknowledged lead shown ${shownAfterRestart} after the restarted process was ready`,
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
| acknowledged leads shown in their channel (card or burst summary) | ${ackedIds.length - withoutCard}/${ackedIds.length} | all |
| leads shown twice | ${postedTwice} | ≤ card posts leased at the crash (${leasedAtCrash}) |
| leads shown more than twice | ${postedMore} | 0 |
| 500 / 404 answers, DEAD outbox rows | ${tally.s500} / ${tally.s404}, ${dead[0]?.count} | 0 / 0, 0 |
| retried requests (no answer ${tally.noAnswer}, 503 while starting ${tally.s503}) | ${tally.retried} | — |
| every acknowledged lead shown, after the restart was ready | ${shownAfterRestart} | — |
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
