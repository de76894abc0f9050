// Soak (#13): two Baton replicas (child processes, HTTP mode, one fresh PostgreSQL database, one
// fake Slack) under a steady trickle for 10 minutes: a lead every half second spread over ten
// claim-mode teams, a list of 30 leads for one team every minute (a trade-show import: a burst
// summary), and each lead claimed by its team's rep a few seconds after it is shown, the
// signed click sent to either replica. Slack fails 5% of posts and updates (429 with
// Retry-After, 503, or no answer until the client's timeout). Halfway through, one replica is
// restarted (SIGTERM, as a deploy does, or SIGKILL with --kill); intake and clicks meant for it
// go to the other, as a load balancer would send them. Goals: every acknowledged lead shown
// once in its channel (on its card or a burst summary; with --kill, at most as many twice as
// card posts were in flight), every claim owned by its clicker and shown where the lead is
// shown, the outbox empty at the end with nothing DEAD, no 500, the replica that ran all along
// with flat memory (RSS in the last minute within 64 MB of the second minute), both replicas
// stopping with exit code 0.
//   npm run bench:soak -- [--minutes 10] [--kill] [--probability 0.05] [--seed 11]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import {
  batonEnv,
  channelShows,
  claimShown,
  freshDatabase,
  type IntakeAnswer,
  leadsListed,
  postLead,
  qualifiedLead,
  SIGNING_SECRET,
  shardedPlaybookYaml,
  sleep,
  spawnBaton,
  waitForHttp,
  waitUntil,
} from "#bench/reliability-support.ts";
import { machine, recordReliability, summarize, today } from "#bench/report.ts";
import { ACTIONS } from "#src/slack/ids.ts";
import { startFakeSlack } from "#test/fakes/fake-slack.ts";
import { buildButtonAction, createSlackRequester } from "#test/fakes/slack-requests.ts";

const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "10" },
    kill: { type: "boolean", default: false },
    probability: { type: "string", default: "0.05" },
    seed: { type: "string", default: "11" },
    shards: { type: "string", default: "10" },
  },
});
const DURATION_MS = Number(values.minutes) * 60_000;
const SHARDS = Number(values.shards);
const LEAD_EVERY_MS = 500;
const LIST_EVERY_MS = 60_000;
const LIST_SIZE = 30;
const RSS_GOAL_MB = 64;

const started = performance.now();
const slack = await startFakeSlack();
slack.chaos({
  probability: Number(values.probability),
  seed: Number(values.seed),
  methods: ["chat.postMessage", "chat.update"],
  kinds: ["ratelimited", "server_error", "timeout"],
  retryAfter: 2,
  hangMs: 16_000,
});
const database = await freshDatabase(`baton_bench_soak_${process.pid}`);
const dir = mkdtempSync(join(tmpdir(), "baton-bench-soak-"));
const { yaml, channels } = shardedPlaybookYaml(SHARDS);
writeFileSync(join(dir, "playbook.yml"), yaml);
const ports = [await freePort(), await freePort()];
const envOf = (i: number) =>
  batonEnv({
    databaseUrl: database.url,
    slackApiUrl: slack.url,
    port: ports[i],
    extra: { PLAYBOOK: join(dir, "playbook.yml"), DATA_DIR: join(dir, `replica-${i}`) },
  });
const replicas = [spawnBaton(envOf(0)), spawnBaton(envOf(1))];
const base = (i: number) => `http://127.0.0.1:${ports[i]}`;
const db = new pg.Client({ connectionString: database.url });
let exitCode = 1;

interface Lead {
  id: string;
  channel: string;
  rep: string;
  shownTs?: string;
  claim?: Promise<void>;
  claimStatus?: number;
}

try {
  await Promise.all([0, 1].map((i) => waitForHttp(`${base(i)}/readyz`, 90_000)));
  await db.connect();
  const leads = new Map<string, Lead>();
  const tally = { requests: 0, retried: 0, s500: 0, clicks: 0, clickRetries: 0 };
  const latencies: number[] = [];
  /** Replicas a request may go to now (the restarting one is skipped, as a load balancer would). */
  const up = [true, true];
  let turn = 0;
  const pick = () => {
    for (let k = 0; k < 2; k++) {
      const i = turn++ % 2;
      if (up[i]) return i;
    }
    return turn % 2;
  };

  /** A lead for shard `shard`: sent until a replica acknowledges it, as a client retries. */
  const send = async (key: string, shard: number): Promise<void> => {
    tally.requests += 1;
    const body = qualifiedLead(key, { city: `shard-${pad(shard)}` });
    for (let attempt = 0; attempt < 60; attempt++) {
      if (attempt > 0) tally.retried += 1;
      const answer: IntakeAnswer = await postLead(base(pick()), body, 20_000);
      if (answer.status >= 200 && answer.status < 300 && answer.leadId) {
        latencies.push(answer.ms);
        leads.set(answer.leadId, {
          id: answer.leadId,
          channel: channels[shard]!,
          rep: `U0SHARDR${pad(shard)}`,
        });
        return;
      }
      if (answer.status >= 500 && answer.status !== 503) tally.s500 += 1;
      await sleep(500);
    }
    throw new Error(`lead ${key} was never acknowledged`);
  };

  /** The team's rep clicks Claim where the lead is shown, on either replica. */
  const claim = async (lead: Lead): Promise<void> => {
    await sleep(1000 + Math.random() * 4000);
    tally.clicks += 1;
    for (let attempt = 0; attempt < 20; attempt++) {
      if (attempt > 0) tally.clickRetries += 1;
      const requester = createSlackRequester({
        url: `${base(pick())}/slack/events`,
        signingSecret: SIGNING_SECRET,
      });
      const status = await requester
        .interaction(
          buildButtonAction({
            actionId: ACTIONS.claim,
            value: lead.id,
            userId: lead.rep,
            channelId: lead.channel,
            messageTs: lead.shownTs,
            responseUrl: slack.responseUrl(),
          }),
        )
        .then((ack) => ack.status)
        .catch(() => 0);
      lead.claimStatus = status;
      if (status === 200) return;
      await sleep(500);
    }
  };

  // Claims follow leads as they are shown.
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      for (const channel of channels) {
        for (const message of slack.visible(channel)) {
          if (message.thread_ts) continue;
          for (const leadId of leadsListed(message.blocks)) {
            const lead = leads.get(leadId);
            if (lead && !lead.claim) {
              lead.shownTs = message.ts;
              lead.claim = claim(lead);
            }
          }
        }
      }
      await sleep(100);
    }
  })();

  // Memory of both replicas, every 5 s.
  const rss: { at: number; mb: [number, number] }[] = [];
  const sampler = setInterval(() => {
    rss.push({
      at: performance.now() - started,
      mb: [readRssMb(replicas[0]!.child.pid), readRssMb(replicas[1]!.child.pid)],
    });
  }, 5000);

  // The trickle, the lists and, halfway, the restart of replica 1.
  const sends: Promise<void>[] = [];
  const trickleStart = Date.now();
  let n = 0;
  let restart: Promise<{ downMs: number; leased: number }> | undefined;
  let nextList = trickleStart + LIST_EVERY_MS / 2;
  while (Date.now() - trickleStart < DURATION_MS) {
    sends.push(send(`soak-${process.pid}-${n}`, n % SHARDS));
    n += 1;
    if (Date.now() >= nextList) {
      const shard = Math.floor(Math.random() * SHARDS);
      for (let k = 0; k < LIST_SIZE; k++) {
        sends.push(send(`soak-${process.pid}-${n}`, shard));
        n += 1;
      }
      nextList += LIST_EVERY_MS;
    }
    if (!restart && Date.now() - trickleStart >= DURATION_MS / 2) restart = restartReplica(1);
    await sleep(LEAD_EVERY_MS);
  }
  await Promise.all(sends);
  const restarted = await restart;

  async function restartReplica(i: number): Promise<{ downMs: number; leased: number }> {
    const t = Date.now();
    up[i] = false;
    replicas[i]!.child.kill(values.kill ? "SIGKILL" : "SIGTERM");
    const stopped = await replicas[i]!.exited;
    if (!values.kill && stopped.code !== 0) {
      throw new Error(`replica ${i} stopped with ${stopped.code ?? stopped.signal} on SIGTERM`);
    }
    const { rows } = await db.query<{ leased: string }>(
      `SELECT count(*) AS leased FROM "OutboxMessage"
        WHERE "status" = 'PENDING' AND "kind" = 'lead.card.post'
          AND "lockedUntil" > now() AT TIME ZONE 'UTC'`,
    );
    replicas[i] = spawnBaton(envOf(i));
    await waitForHttp(`${base(i)}/readyz`, 90_000);
    up[i] = true;
    return { downMs: Date.now() - t, leased: Number(rows[0]?.leased ?? 0) };
  }

  // Everything shown, claimed and delivered.
  const pending = async () =>
    Number(
      (
        await db.query<{ n: string }>(
          `SELECT count(*) AS n FROM "OutboxMessage" WHERE "status" = 'PENDING'`,
        )
      ).rows[0]?.n,
    );
  await waitUntil(
    async () => {
      const all = [...leads.values()];
      if (!all.every((lead) => lead.claim)) return false;
      await Promise.all(all.map((lead) => lead.claim));
      return (await pending()) === 0;
    },
    240_000,
    "every lead shown and claimed, and an empty outbox",
    500,
  ).catch((error: Error) => console.error(error.message));
  watching = false;
  await watcher;
  clearInterval(sampler);
  await sleep(2000);

  // The checks.
  const ids = [...leads.keys()];
  const shows = channelShows(slack.calls);
  const stored = await db.query<{ id: string; number: number; status: string; owner: string }>(
    `SELECT l."id", l."number", l."status", p."slackUserId" AS "owner"
       FROM "Lead" l LEFT JOIN "Rep" p ON p."id" = l."ownerId"
      WHERE l."id" = ANY($1::uuid[])`,
    [ids],
  );
  const rowOf = new Map(stored.rows.map((row) => [row.id, row]));
  let shownOnce = 0;
  let shownTwice = 0;
  let shownMore = 0;
  let claimsOwned = 0;
  let claimsShown = 0;
  const where = { card: 0, summary: 0, nowhere: 0 };
  const problems: string[] = [];
  for (const lead of leads.values()) {
    const count = shows.get(lead.id) ?? 0;
    if (count === 1) shownOnce += 1;
    else if (count === 2) shownTwice += 1;
    else if (count > 2) shownMore += 1;
    if (count !== 1 && problems.length < 20) problems.push(`${lead.id}: shown ${count} times`);
    const row = rowOf.get(lead.id);
    if (row?.status === "CLAIMED" && row.owner === lead.rep) claimsOwned += 1;
    else if (problems.length < 20) {
      problems.push(`${lead.id}: ${row?.status} owned by ${row?.owner}, clicked by ${lead.rep}`);
    }
    const shown = claimShown(
      slack,
      lead.channel,
      lead.shownTs,
      { id: lead.id, number: row?.number ?? -1 },
      row?.owner ?? undefined,
    );
    where[shown.on] += 1;
    if (shown.problem === null) claimsShown += 1;
    else if (problems.length < 20) problems.push(`${lead.id}: ${shown.problem}`);
  }
  const { rows: outbox } = await db.query<{ status: string; n: string }>(
    `SELECT "status", count(*) AS n FROM "OutboxMessage" WHERE "status" <> 'DONE' GROUP BY 1`,
  );
  const left = Object.fromEntries(outbox.map((row) => [row.status, Number(row.n)]));
  if (outbox.length > 0) {
    // What was left, so a miss says where to look.
    const { rows: kinds } = await db.query<Record<string, unknown>>(
      `SELECT "kind", "status", count(*)::int AS n, max("attempts") AS "maxAttempts",
              min("availableAt") AS "firstDue", max("availableAt") AS "lastDue",
              count("lockedUntil")::int AS leased, min("lastError") AS "anError"
         FROM "OutboxMessage" WHERE "status" <> 'DONE' GROUP BY 1, 2 ORDER BY 3 DESC`,
    );
    for (const row of kinds) console.error(`  left in the outbox: ${JSON.stringify(row)}`);
  }
  const chatCalls = slack.calls.filter((c) => c.method.startsWith("chat."));
  const failed = chatCalls.filter((c) => c.failed).length;

  // Memory of the replica that ran all along: the second minute against the last.
  const steady = rss.map((sample) => ({ at: sample.at, mb: sample.mb[0] }));
  const window = (from: number, to: number) =>
    median(steady.filter((s) => s.at >= from && s.at < to).map((s) => s.mb));
  const end = steady.at(-1)?.at ?? 0;
  const early = window(60_000, 120_000);
  const late = window(Math.max(120_000, end - 60_000), end + 1);
  const growth = late - early;
  const peak = Math.max(...rss.flatMap((s) => s.mb));

  // Both replicas stop cleanly.
  const stops = await Promise.all(
    replicas.map(async (replica) => {
      replica.child.kill("SIGTERM");
      return (await replica.exited).code;
    }),
  );
  const total = leads.size;
  const duplicateBound = values.kill ? (restarted?.leased ?? 0) : 0;
  const latency = summarize(latencies);
  const seconds = (performance.now() - started) / 1000;
  const memoryOk = DURATION_MS < 180_000 || (Number.isFinite(growth) && growth <= RSS_GOAL_MB);
  const ok =
    total === tally.requests &&
    shownOnce + shownTwice === total &&
    shownTwice <= duplicateBound &&
    shownMore === 0 &&
    claimsOwned === total &&
    claimsShown === total &&
    (left.PENDING ?? 0) === 0 &&
    (left.DEAD ?? 0) === 0 &&
    tally.s500 === 0 &&
    memoryOk &&
    stops.every((code) => code === 0);

  const how = values.kill ? "SIGKILL" : "SIGTERM";
  const memory =
    DURATION_MS < 180_000
      ? `not judged in a run under 3 minutes (peak ${peak} MB)`
      : `${early} MB in the second minute, ${late} MB in the last (growth ${growth} MB, goal ≤ ${RSS_GOAL_MB}); peak ${peak} MB`;
  console.log(
    [
      `soak: ${values.minutes} min, 2 replicas, ${SHARDS} claim-mode teams, a lead every ${LEAD_EVERY_MS} ms and a list of ${LIST_SIZE} every minute, ${Number(values.probability) * 100}% of Slack posts and updates failing; replica B restarted (${how}) halfway (${seconds.toFixed(0)} s in all)`,
      `  leads acknowledged: ${total}/${tally.requests} (retried ${tally.retried}); 500s ${tally.s500}; intake p50 ${Math.round(latency.p50)} ms, p99 ${Math.round(latency.p99)} ms`,
      `  shown once in their channel: ${shownOnce}/${total}; twice ${shownTwice} (bound ${duplicateBound}); more ${shownMore}`,
      `  claimed by their clicker: ${claimsOwned}/${total}; claim shown where the lead is shown: ${claimsShown}/${total} (${where.card} cards, ${where.summary} on burst summaries); clicks ${tally.clicks}, resent ${tally.clickRetries}`,
      `  Slack chat calls ${chatCalls.length}, failed on purpose ${failed}; outbox left: pending ${left.PENDING ?? 0}, DEAD ${left.DEAD ?? 0}`,
      `  restart: down ${((restarted?.downMs ?? Number.NaN) / 1000).toFixed(1)} s, card posts in flight ${restarted?.leased ?? 0}`,
      `  memory of replica A: ${memory}`,
      `  clean stop: exit codes ${stops.join(", ")}`,
      ok ? "  all goals met" : `  GOAL MISSED\n    ${problems.join("\n    ")}`,
    ].join("\n"),
  );
  if (DURATION_MS >= 180_000) {
    recordReliability(
      "soak",
      `Latest run (${today()}, ${machine()}; ${values.minutes} minutes, restart by ${how}; ${seconds.toFixed(0)} s in all): ${ok ? "**all goals met**" : "**GOAL MISSED**"}.

| check | result | goal |
|---|---|---|
| leads acknowledged (a lead every ${LEAD_EVERY_MS} ms, ${LIST_SIZE} at once every minute) | ${total}/${tally.requests} | all |
| shown once in their channel (card or burst summary) | ${shownOnce}/${total} | all |
| shown twice / more | ${shownTwice} / ${shownMore} | ≤ ${duplicateBound} / 0 |
| claimed by the rep who clicked | ${claimsOwned}/${total} | all |
| claim shown where the lead is shown (${where.card} cards, ${where.summary} on summaries) | ${claimsShown}/${total} | all |
| Slack chat calls / failed on purpose | ${chatCalls.length} / ${failed} | — |
| outbox pending / DEAD at the end | ${left.PENDING ?? 0} / ${left.DEAD ?? 0} | 0 / 0 |
| 500 answers | ${tally.s500} | 0 |
| intake latency p50 / p99 | ${Math.round(latency.p50)} / ${Math.round(latency.p99)} ms | — |
| restart of replica B: down | ${((restarted?.downMs ?? Number.NaN) / 1000).toFixed(1)} s | — |
| RSS of replica A, second minute → last minute | ${early} → ${late} MB (peak ${peak} MB) | growth ≤ ${RSS_GOAL_MB} MB |
| clean stop (SIGTERM) | exit codes ${stops.join(", ")} | 0, 0 |`,
    );
  }
  exitCode = ok ? 0 : 1;
} finally {
  for (const replica of replicas) {
    if (replica.child.exitCode === null && replica.child.signalCode === null) {
      replica.child.kill("SIGKILL");
      await replica.exited;
    }
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

function readRssMb(pid: number | undefined): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024);
  } catch {
    return Number.NaN;
  }
}

function median(samples: number[]): number {
  const sorted = samples.filter(Number.isFinite).sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : sorted[Math.floor(sorted.length / 2)]!;
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
