// Slack failing (#7): the fake Slack fails 20% of chat.postMessage and chat.update calls at
// random (seeded): a 429 with Retry-After 2 s, a 503, or no answer at all (held 16 s, past the
// delivery client's 15 s timeout, then dropped; nothing posted). 200 leads come in; each gets
// its card, an AI brief (fake OpenAI) that updates the card, and two new activities that Baton
// tells the team about in the card's thread: four Slack messages per lead. Goals: every
// message delivered exactly once (a refused or unanswered call posts nothing here), in the
// order Baton enqueued them per lead; no hot loop: no call to a channel before the Retry-After
// of its last 429 for that method has passed, no two attempts of one message closer than
// 500 ms, at most 4 posts per channel in any second (the pacer: 1 per second, bursts of 3).
//   npm run bench:slack-faults -- [--leads 200] [--shards 50] [--probability 0.2] [--seed 7]
import { parseArgs } from "node:util";
import {
  batonEnv,
  buttonValue,
  freshDatabase,
  INTAKE_TOKEN,
  postLead,
  qualifiedLead,
  runPool,
  shardedPlaybookYaml,
  sleep,
  startInProcess,
  waitUntil,
} from "#bench/reliability-support.ts";
import { machine, recordReliability, summarize, today } from "#bench/report.ts";
import { parsePlaybook } from "#src/playbook/load-playbook.ts";
import { PlaybookStore } from "#src/playbook/playbook-store.ts";
import { ACTIONS } from "#src/slack/ids.ts";
import { startFakeOpenAI } from "#test/fakes/fake-openai.ts";
import { type SlackCall, startFakeSlack } from "#test/fakes/fake-slack.ts";

const { values } = parseArgs({
  options: {
    leads: { type: "string", default: "200" },
    shards: { type: "string", default: "50" },
    probability: { type: "string", default: "0.2" },
    seed: { type: "string", default: "7" },
  },
});
const LEADS = Number(values.leads);
const SHARDS = Number(values.shards);
const PROBABILITY = Number(values.probability);
const RETRY_AFTER_S = 2;
const HANG_MS = 16_000;
const MIN_GAP_MS = 500;
const MAX_POSTS_PER_SECOND = 4;
const STEPS = ["Bench step 1", "Bench step 2"];

const started = performance.now();
const slack = await startFakeSlack();
slack.chaos({
  probability: PROBABILITY,
  seed: Number(values.seed),
  methods: ["chat.postMessage", "chat.update"],
  kinds: ["ratelimited", "server_error", "timeout"],
  retryAfter: RETRY_AFTER_S,
  hangMs: HANG_MS,
});
const openai = await startFakeOpenAI();
openai.respondWith(
  JSON.stringify({
    lines: [
      "Operations lead at a 120-seat company.",
      "Asked for a demo today.",
      "No earlier contact on record.",
    ],
    opener: "Hi, thanks for asking for a demo: when suits you this week?",
  }),
);
const database = await freshDatabase(`baton_bench_slackfaults_${process.pid}`);
const { yaml } = shardedPlaybookYaml(SHARDS);
const env = batonEnv({
  databaseUrl: database.url,
  slackApiUrl: slack.url,
  extra: {
    OPENAI_API_KEY: "sk-bench-0123456789abcdef",
    OPENAI_BASE_URL: openai.url,
  },
});
// Delivery failures are logged as warnings, hundreds of them here: only errors are shown.
const app = await startInProcess(env, PlaybookStore.of(parsePlaybook(yaml)), "error");
let exitCode = 1;
try {
  const prisma = app.deps.db.prisma;
  // 200 leads; as each one's card reaches Slack, two new activities, one after the other.
  const leadIds: string[] = [];
  await runPool(LEADS, 10, async (i) => {
    const answer = await postLead(
      app.url,
      qualifiedLead(`faults-${process.pid}-${i}`, { city: `shard-${pad(i % SHARDS)}` }),
    );
    if (answer.status !== 201 || !answer.leadId)
      throw new Error(`intake answered ${answer.status}`);
    leadIds.push(answer.leadId);
  });
  const ours = new Set(leadIds);
  const emailOf = new Map(
    (
      await prisma.lead.findMany({
        where: { id: { in: leadIds } },
        select: { id: true, email: true },
      })
    ).map((lead) => [lead.id, lead.email]),
  );
  const followed = new Map<string, Promise<void>>();
  const follow = async (leadId: string) => {
    for (const [n, title] of STEPS.entries()) {
      const response = await fetch(`${app.url}/api/v1/activities`, {
        method: "POST",
        headers: { authorization: `Bearer ${INTAKE_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({
          activities: [
            {
              email: emailOf.get(leadId),
              type: "pricing_page",
              title,
              url: `https://baton.example/pricing/${n}`,
              occurredAt: new Date(Date.now() + n).toISOString(),
            },
          ],
        }),
      });
      if (response.status !== 200) throw new Error(`activities answered ${response.status}`);
      await response.arrayBuffer();
    }
  };
  await waitUntil(
    () => {
      for (const call of slack.calls) {
        if (call.method !== "chat.postMessage" || call.failed || call.args.thread_ts) continue;
        const leadId = buttonValue(call.args.blocks, ACTIONS.claim);
        if (leadId && ours.has(leadId) && !followed.has(leadId)) {
          followed.set(leadId, follow(leadId));
        }
      }
      return followed.size === LEADS;
    },
    150_000,
    `${LEADS} cards at Slack`,
    50,
  );
  await Promise.all(followed.values());

  // Wait until nothing is left to deliver.
  await waitUntil(
    async () =>
      (await prisma.outboxMessage.count({ where: { status: "PENDING" } })) === 0 &&
      (await prisma.lead.count({ where: { id: { in: leadIds }, aiBriefAt: null } })) === 0,
    170_000 - (performance.now() - started),
    "an empty outbox",
    250,
  ).catch((error: Error) => console.error(error.message));
  await sleep(1000);

  // Which message each Slack call was an attempt at.
  const cards = await prisma.slackMessage.findMany({
    where: { leadId: { in: leadIds }, kind: "card" },
    select: { leadId: true, ts: true, channelId: true },
  });
  const leadOfTs = new Map(cards.map((card) => [`${card.channelId}/${card.ts}`, card.leadId!]));
  type Kind = "card" | "update" | "reply1" | "reply2";
  const attempts = new Map<string, SlackCall[]>();
  let otherCalls = 0;
  for (const call of slack.calls) {
    const channel = String(call.args.channel ?? "");
    let leadId: string | undefined;
    let kind: Kind | undefined;
    if (call.method === "chat.postMessage" && !call.args.thread_ts) {
      leadId = buttonValue(call.args.blocks, ACTIONS.claim);
      kind = "card";
    } else if (call.method === "chat.postMessage") {
      leadId = leadOfTs.get(`${channel}/${call.args.thread_ts}`);
      const text = JSON.stringify(call.args.blocks ?? "");
      kind = text.includes(STEPS[1]!) ? "reply2" : text.includes(STEPS[0]!) ? "reply1" : undefined;
    } else if (call.method === "chat.update") {
      leadId = leadOfTs.get(`${channel}/${call.args.ts}`);
      kind = "update";
    }
    if (!leadId || !kind || !ours.has(leadId)) {
      if (call.method.startsWith("chat.")) otherCalls += 1;
      continue;
    }
    const key = `${leadId}/${kind}`;
    attempts.set(key, [...(attempts.get(key) ?? []), call]);
  }

  // Delivered exactly once each, retries, and the gaps between attempts.
  let delivered = 0;
  let duplicates = 0;
  let retries = 0;
  let minGap = Number.POSITIVE_INFINITY;
  let earlyAfterRetryAfter = 0;
  const earlyByKind = new Map<string, number>();
  const gaps: number[] = [];
  const missing: string[] = [];
  const perMessageCalls: number[] = [];
  for (const leadId of leadIds) {
    for (const kind of ["card", "update", "reply1", "reply2"] as Kind[]) {
      const list = attempts.get(`${leadId}/${kind}`) ?? [];
      const ok = list.filter((call) => !call.failed).length;
      if (ok >= 1) delivered += 1;
      else missing.push(`${leadId}/${kind}`);
      duplicates += Math.max(0, ok - 1);
      retries += Math.max(0, list.length - 1);
      perMessageCalls.push(list.length);
      for (let i = 1; i < list.length; i++) {
        const previous = list[i - 1]!;
        // A call that got no answer counts from when the client gave up on it: when it closed
        // the connection (the fake sees that), else 15 s (the client's timeout) after arrival.
        const from =
          previous.failed === "timeout"
            ? list[i]!.at - (previous.abandonedAt ?? previous.at + 15_000)
            : list[i]!.at - previous.at;
        gaps.push(from);
        minGap = Math.min(minGap, from);
      }
    }
  }

  // No call to a channel (same method) before the Retry-After of its last 429 ran out.
  const byChannel = new Map<string, SlackCall[]>();
  for (const call of slack.calls) {
    const key = `${call.method}/${String(call.args.channel ?? "")}`;
    byChannel.set(key, [...(byChannel.get(key) ?? []), call]);
  }
  let maxPostsPerSecond = 0;
  for (const [key, list] of byChannel) {
    let heldUntil = 0;
    for (const call of list) {
      if (call.at < heldUntil - 50) {
        earlyAfterRetryAfter += 1;
        const what =
          call.method === "chat.update" ? "update" : call.args.thread_ts ? "thread reply" : "card";
        earlyByKind.set(what, (earlyByKind.get(what) ?? 0) + 1);
      }
      if (call.failed === "ratelimited") {
        heldUntil = Math.max(heldUntil, call.at + (call.retryAfter ?? 1) * 1000);
      }
    }
    if (key.startsWith("chat.postMessage/")) {
      for (let i = 0, j = 0; i < list.length; i++) {
        while (list[i]!.at - list[j]!.at >= 1000) j++;
        maxPostsPerSecond = Math.max(maxPostsPerSecond, i - j + 1);
      }
    }
  }

  // Order per lead: successful calls in the order of the lead's outbox rows.
  const rows = await prisma.outboxMessage.findMany({
    where: {
      orderingKey: { in: leadIds },
      kind: { in: ["lead.card.post", "lead.card.update", "lead.activity"] },
    },
    orderBy: { id: "asc" },
    select: { orderingKey: true, kind: true },
  });
  const expected = new Map<string, Kind[]>();
  for (const row of rows) {
    const list = expected.get(row.orderingKey!) ?? [];
    const replies = list.filter((k) => k.startsWith("reply")).length;
    list.push(
      row.kind === "lead.card.post"
        ? "card"
        : row.kind === "lead.card.update"
          ? "update"
          : replies === 0
            ? "reply1"
            : "reply2",
    );
    expected.set(row.orderingKey!, list);
  }
  let inOrder = 0;
  const disorder: string[] = [];
  for (const leadId of leadIds) {
    const observed = (["card", "update", "reply1", "reply2"] as Kind[])
      .map((kind) => ({ kind, at: attempts.get(`${leadId}/${kind}`)?.find((c) => !c.failed)?.at }))
      .filter((m): m is { kind: Kind; at: number } => m.at !== undefined)
      .sort((a, b) => a.at - b.at)
      .map((m) => m.kind);
    const want = expected.get(leadId) ?? [];
    if (observed.join(",") === want.join(",") && want.length === 4) inOrder += 1;
    else disorder.push(`${leadId}: enqueued ${want.join(",")}, delivered ${observed.join(",")}`);
  }
  const dead = await prisma.outboxMessage.count({ where: { status: "DEAD" } });
  const pending = await prisma.outboxMessage.count({ where: { status: "PENDING" } });
  const failures = { ratelimited: 0, server_error: 0, timeout: 0 };
  for (const call of slack.calls) {
    if (call.failed && call.failed in failures) failures[call.failed as keyof typeof failures] += 1;
  }
  const chatCalls = slack.calls.filter((c) => c.method.startsWith("chat.")).length;
  const messages = LEADS * 4;
  const perMessage = summarize(perMessageCalls);
  const seconds = (performance.now() - started) / 1000;
  const ok =
    delivered === messages &&
    duplicates === 0 &&
    inOrder === LEADS &&
    dead === 0 &&
    pending === 0 &&
    earlyAfterRetryAfter === 0 &&
    minGap >= MIN_GAP_MS &&
    maxPostsPerSecond <= MAX_POSTS_PER_SECOND;

  const failed = failures.ratelimited + failures.server_error + failures.timeout;
  console.log(
    [
      `slack faults: ${LEADS} leads × 4 messages (card, AI-brief update, 2 thread replies) over ${SHARDS} channels; ${Math.round(PROBABILITY * 100)}% of chat calls failed (${seconds.toFixed(1)} s)`,
      `  chat calls ${chatCalls}: failed ${failed} (429 ${failures.ratelimited}, 503 ${failures.server_error}, no answer ${failures.timeout}); other chat calls ${otherCalls}`,
      `  delivered ${delivered}/${messages}; duplicates ${duplicates}; in order ${inOrder}/${LEADS} leads; DEAD ${dead}; still pending ${pending}`,
      `  retries ${retries}; calls per message p50 ${perMessage.p50}, max ${perMessage.max}`,
      `  calls before Retry-After ran out: ${earlyAfterRetryAfter} (${[...earlyByKind].map(([k, n]) => `${k} ${n}`).join(", ") || "none"}); shortest gap between attempts ${Math.round(minGap)} ms (goal ≥ ${MIN_GAP_MS}); most posts to one channel in a second ${maxPostsPerSecond} (goal ≤ ${MAX_POSTS_PER_SECOND})`,
      ok
        ? "  all goals met"
        : `  GOAL MISSED\n    ${[...missing.slice(0, 5), ...disorder.slice(0, 5)].join("\n    ")}`,
    ].join("\n"),
  );
  recordReliability(
    "slack-faults",
    `Latest run (${today()}, ${machine()}; ${seconds.toFixed(0)} s): ${ok ? "**all goals met**" : "**GOAL MISSED**"}.

| check | result | goal |
|---|---|---|
| chat calls / failed on purpose | ${chatCalls} / ${failed} (429 ${failures.ratelimited}, 503 ${failures.server_error}, no answer ${failures.timeout}) | ~${Math.round(PROBABILITY * 100)}% |
| messages delivered | ${delivered}/${messages} | all |
| delivered twice | ${duplicates} | 0 |
| leads whose messages arrived in enqueue order | ${inOrder}/${LEADS} | all |
| DEAD / still pending outbox rows | ${dead} / ${pending} | 0 / 0 |
| retries (calls per message p50 / max) | ${retries} (${perMessage.p50} / ${perMessage.max}) | — |
| calls to a channel before its Retry-After ran out | ${earlyAfterRetryAfter}${earlyByKind.size ? ` (${[...earlyByKind].map(([k, n]) => `${k} ${n}`).join(", ")})` : ""} | 0 |
| shortest gap between two attempts of one message | ${Math.round(minGap)} ms | ≥ ${MIN_GAP_MS} ms |
| most posts to one channel within one second | ${maxPostsPerSecond} | ≤ ${MAX_POSTS_PER_SECOND} |`,
  );
  exitCode = ok ? 0 : 1;
} finally {
  await app.stop();
  await slack.close();
  await openai.close();
  await database.drop();
}
process.exit(exitCode);

function pad(n: number): string {
  return String(n).padStart(2, "0");
}
