// Claim race across replicas (#7): two Baton instances (HTTP mode, in this process, each with
// its own connection pool) on one fresh PostgreSQL database and one fake Slack. 100 qualified
// leads reach the claim-mode team's channel; for each card, 20 different reps click Claim at
// once, the signed requests spread over both instances. Goals: exactly one owner and one
// `claimed` event per lead, the winner told "is yours", each of the 19 others told in an
// ephemeral who has it, every click acked (200) within Slack's 3 s, and the claim shown where
// the lead is shown: a lead with its own card gets exactly one chat.update naming the owner; a
// lead listed on a burst summary (leads that arrive together) is shown claimed by the owner on
// the summary, and its full card is posted once in the summary's thread.
// Leads shown together (a burst summary lists up to 23) are raced at most 5 at a time, so at
// most 100 clicks are in flight: 2,000 at once would measure this one process's HTTP client,
// which shares its CPU with both instances, more than Baton.
//   npm run bench:claim-race -- [--leads 100] [--clickers 20] [--races 5]
import { parseArgs } from "node:util";
import {
  batonEnv,
  claimShown,
  freshDatabase,
  leadsListed,
  playbookWithReps,
  postLead,
  qualifiedLead,
  runPool,
  SIGNING_SECRET,
  startInProcess,
  waitUntil,
} from "#bench/reliability-support.ts";
import { machine, recordReliability, summarize, today } from "#bench/report.ts";
import { ACTIONS } from "#src/slack/ids.ts";
import { startFakeSlack } from "#test/fakes/fake-slack.ts";
import { buildButtonAction, createSlackRequester } from "#test/fakes/slack-requests.ts";

const { values } = parseArgs({
  options: {
    leads: { type: "string", default: "100" },
    clickers: { type: "string", default: "20" },
    races: { type: "string", default: "5" },
  },
});
const LEADS = Number(values.leads);
const CLICKERS = Number(values.clickers);
/** Leads raced at once: a burst summary shows 23 leads together, and reps claim one at a time. */
const RACES = Number(values.races);
const CHANNEL = "C0NAMIDMKT";
const ACK_GOAL_MS = 3000;

interface Click {
  leadId: string;
  user: string;
  instance: 0 | 1;
  responseId: string;
  status?: number;
  ackMs?: number;
  error?: string;
}

const started = performance.now();
const slack = await startFakeSlack();
const database = await freshDatabase(`baton_bench_race_${process.pid}`);
const { store, reps } = playbookWithReps(CLICKERS);
const env = batonEnv({ databaseUrl: database.url, slackApiUrl: slack.url });
const instances = [await startInProcess(env, store), await startInProcess(env, store)] as const;
let exitCode = 1;
try {
  const requesters = instances.map((app) =>
    createSlackRequester({ url: `${app.url}/slack/events`, signingSecret: SIGNING_SECRET }),
  );

  const leadIds: string[] = [];
  const ours = new Set<string>();
  const capture = async (i: number) => {
    const answer = await postLead(instances[i % 2]!.url, qualifiedLead(`race-${process.pid}-${i}`));
    if (answer.status !== 201 || !answer.leadId) {
      throw new Error(`intake answered ${answer.status} ${answer.error ?? ""}`);
    }
    leadIds.push(answer.leadId);
    ours.add(answer.leadId);
    return answer.leadId;
  };

  // As each lead reaches the channel, 20 reps click its Claim button at once.
  const clicks: Click[] = [];
  const fired = new Map<string, Promise<void>>();
  let racing = 0;
  const waiting: (() => void)[] = [];
  const fire = async (leadId: string, ts: string) => {
    if (racing >= RACES) await new Promise<void>((resolve) => waiting.push(resolve));
    racing += 1;
    try {
      await race(leadId, ts);
    } finally {
      racing -= 1;
      waiting.shift()?.();
    }
  };
  const race = (leadId: string, ts: string) => {
    const order = [...reps].sort(() => Math.random() - 0.5);
    const batch = order.map((user, j): Click => {
      const url = slack.responseUrl();
      return {
        leadId,
        user,
        instance: (j % 2) as 0 | 1,
        responseId: url.slice(url.lastIndexOf("/") + 1),
      };
    });
    clicks.push(...batch);
    return Promise.all(
      batch.map(async (click) => {
        const t = performance.now();
        try {
          const ack = await requesters[click.instance]!.interaction(
            buildButtonAction({
              actionId: ACTIONS.claim,
              value: leadId,
              userId: click.user,
              channelId: CHANNEL,
              messageTs: ts,
              responseUrl: `${slack.origin}/response-url/${click.responseId}`,
            }),
          );
          click.status = ack.status;
        } catch (error) {
          click.status = 0;
          click.error = (error as Error).message;
        }
        click.ackMs = performance.now() - t;
      }),
    ).then(() => undefined);
  };
  /** Where each lead was first shown: the ts of its card or of the summary that lists it. */
  const shownOn = new Map<string, string>();
  const watching = waitUntil(
    () => {
      for (const message of slack.visible(CHANNEL)) {
        if (message.thread_ts) continue;
        for (const leadId of leadsListed(message.blocks)) {
          if (ours.has(leadId) && !fired.has(leadId)) {
            shownOn.set(leadId, message.ts);
            fired.set(leadId, fire(leadId, message.ts));
          }
        }
      }
      return fired.size === LEADS;
    },
    150_000,
    `${LEADS} leads shown in ${CHANNEL}`,
    20,
  );
  // Half the leads arrive together (10 clients at once, half through each instance): the
  // channel gets burst summaries. The other half one at a time, each after the last was shown:
  // a card each.
  const together = Math.ceil(LEADS / 2);
  await runPool(together, 10, async (i) => {
    await capture(i);
  });
  for (let i = together; i < LEADS; i++) {
    const leadId = await capture(i);
    // Cards under the burst summaries (one per claim) share the channel's pace of about one
    // post a second: on a loaded machine a lead may wait behind them for a while.
    await waitUntil(() => shownOn.has(leadId), 120_000, `lead ${leadId} shown`, 20);
  }
  await watching;
  await Promise.all(fired.values());

  // Every click's ephemeral answer, then every card update.
  const answerOf = (click: Click) => slack.responses.find((r) => r.id === click.responseId);
  await waitUntil(
    () => slack.responses.length >= clicks.length,
    60_000,
    `${clicks.length} ephemeral answers`,
  ).catch((error: Error) => console.error(error.message));
  const prisma = instances[0].deps.db.prisma;
  // Then everything the claims set off (card updates, summary redraws, cards in threads).
  await waitUntil(
    async () => (await prisma.outboxMessage.count({ where: { status: "PENDING" } })) === 0,
    60_000,
    "an empty outbox",
  ).catch((error: Error) => console.error(error.message));
  // Anything that would update a card twice has had time to do it.
  await new Promise((resolve) => setTimeout(resolve, 2000));

  // The database's word on who owns each lead.
  const leads = await prisma.lead.findMany({
    where: { id: { in: leadIds } },
    select: { id: true, number: true, status: true, owner: { select: { slackUserId: true } } },
  });
  let onCards = 0;
  let onSummaries = 0;
  const claimedEvents = await prisma.leadEvent.groupBy({
    by: ["leadId"],
    where: { leadId: { in: leadIds }, type: "claimed" },
    _count: { _all: true },
  });
  const eventsOf = new Map(claimedEvents.map((row) => [row.leadId, row._count._all]));

  let oneOwner = 0;
  let winnersTold = 0;
  let othersToldOwner = 0;
  let wrongAnswers = 0;
  let missingAnswers = 0;
  let claimsShown = 0;
  const winsByInstance = [0, 0];
  const problems: string[] = [];
  for (const lead of leads) {
    const owner = lead.owner?.slackUserId;
    const events = eventsOf.get(lead.id) ?? 0;
    if (lead.status === "CLAIMED" && owner && events === 1) oneOwner += 1;
    else
      problems.push(
        `lead ${lead.id}: status ${lead.status}, owner ${owner}, ${events} claimed events`,
      );
    const shown = claimShown(slack, CHANNEL, shownOn.get(lead.id), lead, owner);
    if (shown.on === "card") onCards += 1;
    if (shown.on === "summary") onSummaries += 1;
    const problem = shown.problem;
    if (problem === null) claimsShown += 1;
    else problems.push(`lead ${lead.id}: ${problem}`);
    for (const click of clicks.filter((c) => c.leadId === lead.id)) {
      const answer = answerOf(click);
      if (!answer) {
        missingAnswers += 1;
        continue;
      }
      const text = String(answer.body.text ?? "");
      const ephemeral =
        answer.body.response_type === "ephemeral" && answer.body.replace_original === false;
      if (click.user === owner && text.includes("is yours") && ephemeral) {
        winnersTold += 1;
        winsByInstance[click.instance]! += 1;
      } else if (
        click.user !== owner &&
        ephemeral &&
        text.startsWith(`<@${owner}> already claimed this lead`)
      ) {
        othersToldOwner += 1;
      } else {
        wrongAnswers += 1;
        if (problems.length < 20) problems.push(`click by ${click.user} on ${lead.id}: "${text}"`);
      }
    }
  }
  const acks = clicks.map((c) => c.ackMs ?? Number.NaN);
  const notAcked = clicks.filter((c) => c.status !== 200).length;
  const ack = summarize(acks);
  const seconds = (performance.now() - started) / 1000;
  const expectedOthers = LEADS * (CLICKERS - 1);
  const ok =
    leads.length === LEADS &&
    oneOwner === LEADS &&
    winnersTold === LEADS &&
    othersToldOwner === expectedOthers &&
    wrongAnswers === 0 &&
    missingAnswers === 0 &&
    claimsShown === LEADS &&
    notAcked === 0 &&
    ack.p99 <= ACK_GOAL_MS;

  const round = (ms: number) => Math.round(ms);
  console.log(
    [
      `claim race: ${LEADS} leads × ${CLICKERS} simultaneous Claim clicks (${RACES} leads at a time) over 2 instances (${clicks.length} clicks) in ${seconds.toFixed(1)} s`,
      `  exactly one owner and one claimed event: ${oneOwner}/${LEADS}`,
      `  winner told "is yours": ${winnersTold}/${LEADS} (won through instance A ${winsByInstance[0]}, B ${winsByInstance[1]})`,
      `  others told who owns it (ephemeral): ${othersToldOwner}/${expectedOthers}; wrong answers ${wrongAnswers}; no answer ${missingAnswers}`,
      `  claim shown where the lead is shown: ${claimsShown}/${LEADS} (${onCards} on their own card: one chat.update; ${onSummaries} on a burst summary: redrawn, card once in its thread)`,
      `  acks: ${clicks.length - notAcked}/${clicks.length} answered 200; p50 ${round(ack.p50)} ms, p99 ${round(ack.p99)} ms, max ${round(ack.max)} ms (goal p99 ≤ ${ACK_GOAL_MS} ms)`,
      ok ? "  all goals met" : `  GOAL MISSED\n    ${problems.slice(0, 20).join("\n    ")}`,
    ].join("\n"),
  );
  recordReliability(
    "claim-race",
    `Latest run (${today()}, ${machine()}; ${seconds.toFixed(0)} s): ${ok ? "**all goals met**" : "**GOAL MISSED**"}.

| check | result | goal |
|---|---|---|
| leads with exactly one owner and one \`claimed\` event | ${oneOwner}/${LEADS} | ${LEADS}/${LEADS} |
| winners told "L-… is yours" | ${winnersTold}/${LEADS} (via instance A ${winsByInstance[0]}, B ${winsByInstance[1]}) | ${LEADS}/${LEADS} |
| other clickers told "<@owner> already claimed this lead" (ephemeral) | ${othersToldOwner}/${expectedOthers} | ${expectedOthers}/${expectedOthers} |
| wrong or missing answers | ${wrongAnswers + missingAnswers} | 0 |
| claim shown where the lead is shown (${onCards} cards: one \`chat.update\`; ${onSummaries} on burst summaries: redrawn, card once in the thread) | ${claimsShown}/${LEADS} | ${LEADS}/${LEADS} |
| clicks acked 200 | ${clicks.length - notAcked}/${clicks.length} | all |
| ack latency p50 / p99 / max | ${round(ack.p50)} / ${round(ack.p99)} / ${round(ack.max)} ms | p99 ≤ ${ACK_GOAL_MS} ms |`,
  );
  exitCode = ok ? 0 : 1;
} finally {
  await Promise.all(instances.map((app) => app.stop()));
  await slack.close();
  await database.drop();
}
process.exit(exitCode);
