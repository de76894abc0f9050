// 500 claims in a minute, written back to a fake HubSpot that enforces HubSpot's burst limit for
// private apps (100 requests per rolling 10 seconds; 429 with Retry-After beyond). The leads
// come in through HubSpot's workflow webhook; reps claim them by clicking Claim in Slack (signed
// block_actions over HTTP), spread evenly over the minute, and log a touch on every fifth one
// right after (a note that must reach HubSpot after the owner change: in order per lead).
// Goals: every owner change lands at HubSpot (0 lost), every note after its contact's owner
// change, no 10-second window over HubSpot's limit and 0 requests refused 429, Slack not held
// up (claim acks p99 ≤ 1 s; every card redrawn at Slack's pace: the cards share one channel,
// whose chat.update Baton paces at one a second as Slack's Tier 3 allows, so 500 redraws take
// ~500 s from the first claim whatever Baton does; goal ≤ 1.25 s a redraw + 30 s), and
// HubSpot in sync within 60 s of the last claim. Exits 1 when a goal is missed.
// Baton runs in this process on a fresh PostgreSQL database (or PGlite).
//   npm run bench:crm -- [--claims 500] [--seconds 60] [--pglite]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { machine, percentile, recordSection } from "#bench/report.ts";
import { startBaton } from "#src/baton.ts";
import { loadConfig } from "#src/config.ts";
import { createLogger } from "#src/logger.ts";
import { PlaybookStore } from "#src/playbook/playbook-store.ts";
import { ACTIONS, VIEWS } from "#src/slack/ids.ts";
import { HUBSPOT_TOKEN, startFakeHubSpot } from "#test/fakes/fake-hubspot.ts";
import { startFakeSlack } from "#test/fakes/fake-slack.ts";
import {
  buildButtonAction,
  buildViewSubmission,
  createSlackRequester,
} from "#test/fakes/slack-requests.ts";

const { values } = parseArgs({
  options: {
    claims: { type: "string", default: "500" },
    seconds: { type: "string", default: "60" },
    pglite: { type: "boolean", default: false },
    "database-url": { type: "string", default: "postgres://postgres@127.0.0.1:5432/test" },
  },
});
const CLAIMS = Number(values.claims);
const SECONDS = Number(values.seconds);
const TOKEN = "bench-crm-token-0123456789abcdef";
const SECRET = "8f742231b10e8888abcd99benchcrm";
const HUBSPOT_LIMIT = { max: 100, windowMs: 10_000 };
const REPS = ["U0REPMIKE1", "U0REPPRIYA", "U0REPSAM01", "U0REPTOM01"];
const GOALS = {
  ackP99Ms: 1_000,
  slackSecondsPerRedraw: 1.25,
  slackMarginS: 30,
  hubspotInSyncS: 60,
};

const slack = await startFakeSlack();
const hubspot = await startFakeHubSpot();
hubspot.limit = HUBSPOT_LIMIT;
REPS.forEach((rep, i) => {
  hubspot.owners.push({ id: String(8001 + i), email: `${rep.toLowerCase()}@reps.example` });
});
const ownerOf = new Map(REPS.map((rep, i) => [rep, String(8001 + i)]));

const dbName = `baton_bench_crm_${process.pid}`;
const admin = values.pglite
  ? undefined
  : new pg.Client({ connectionString: values["database-url"] });
const dataDir = mkdtempSync(join(tmpdir(), "baton-bench-crm-"));
let databaseUrl: string | undefined;
if (admin) {
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${dbName}"`);
  const url = new URL(values["database-url"]!);
  url.pathname = `/${dbName}`;
  databaseUrl = url.toString();
}

// The shipped playbook, syncing with HubSpot; the reps' capacity raised so 500 claims fit.
const file = await PlaybookStore.open("manifests/playbook.yml");
const book = structuredClone(file.current);
book.crm.hubspot.sync = true;
for (const team of book.teams) for (const rep of team.reps) rep.capacity = 10_000;

const baton = await startBaton({
  config: loadConfig({
    SLACK_MODE: "http",
    SLACK_BOT_TOKEN: "xoxb-bench-0000-crm",
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: slack.url,
    HOST: "127.0.0.1",
    PORT: "0",
    LOG_LEVEL: process.env.BENCH_LOG ?? "error",
    INTAKE_API_TOKENS: `hubspot:${TOKEN}`,
    SLA_SWEEP_CRON: "0 0 1 1 *",
    DATA_DIR: dataDir,
    HUBSPOT_ACCESS_TOKEN: HUBSPOT_TOKEN,
    HUBSPOT_API_URL: hubspot.url,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  }),
  logger: createLogger({ level: (process.env.BENCH_LOG ?? "error") as "error" }),
  playbook: PlaybookStore.of(book),
});
const base = `http://127.0.0.1:${baton.port}`;
const { prisma } = baton.deps.db;

// The leads: HubSpot contacts sent by a workflow (NA Mid-Market, claim mode), all offered.
const leads: { id: string; contactId: string }[] = [];
let next = 0;
await Promise.all(
  Array.from({ length: 10 }, async () => {
    for (let i = next++; i < CLAIMS; i = next++) {
      const email = `crm-${i}@crm-bench-${i}.example`;
      const contactId = hubspot.addContact({ email, firstname: `Bench ${i}` });
      const response = await fetch(`${base}/api/v1/crm/hubspot/workflow`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({
          objectId: Number(contactId),
          properties: {
            email,
            firstname: `Bench ${i}`,
            country: "US",
            numemployees: "250",
            recent_conversion_event_name: "Contact sales",
            recent_conversion_date: String(Date.now()),
          },
        }),
      });
      if (response.status !== 201) throw new Error(`workflow answered ${response.status}`);
      leads.push({ id: ((await response.json()) as { lead: { id: string } }).lead.id, contactId });
    }
  }),
);
await until(
  async () => (await prisma.lead.count({ where: { status: "OFFERED" } })) === CLAIMS,
  "every lead offered",
);
await until(async () => (await pendingSlack()) === 0, "the cards posted", 15 * 60_000);
const setupRequests = hubspot.requests.length;

// The minute of claims, evenly spread; every fifth claim is followed by a logged touch.
const requester = createSlackRequester({ url: `${base}/slack/events`, signingSecret: SECRET });
const acks: number[] = [];
const claimedBy = new Map<string, string>();
const started = performance.now();
const clicks: Promise<void>[] = [];
// The claim is done after the ack: a rep logs the touch once the lead is theirs. One watcher
// for all of them (a query per pending touch would load the database more than the claims).
const touchAfterClaim = new Map<string, { rep: string; i: number }>();
const touches: Promise<void>[] = [];
let claiming = true;
const watcher = (async () => {
  while (claiming || touchAfterClaim.size > 0) {
    await sleep(200);
    if (touchAfterClaim.size === 0) continue;
    const claimedNow = await prisma.lead.findMany({
      where: { id: { in: [...touchAfterClaim.keys()] }, status: "CLAIMED" },
      select: { id: true },
    });
    for (const { id } of claimedNow) {
      const { rep, i } = touchAfterClaim.get(id)!;
      touchAfterClaim.delete(id);
      touches.push(logTouch(id, rep, i));
    }
  }
})();
for (let i = 0; i < CLAIMS; i++) {
  const due = started + (i * SECONDS * 1000) / CLAIMS;
  await sleep(due - performance.now());
  const lead = leads[i]!;
  const rep = REPS[i % REPS.length]!;
  claimedBy.set(lead.id, rep);
  clicks.push(
    (async () => {
      const sent = performance.now();
      const ack = await requester.interaction(
        buildButtonAction({ actionId: ACTIONS.claim, value: lead.id, userId: rep }),
      );
      acks.push(performance.now() - sent);
      if (ack.status !== 200) throw new Error(`claim answered ${ack.status}`);
      if (i % 5 !== 0) return;
      // The claim is done after the ack: the rep logs the touch once the card says it is theirs.
      await until(
        async () => (await prisma.lead.count({ where: { id: lead.id, status: "CLAIMED" } })) === 1,
        "the claim",
      );
      await logTouch(lead.id, rep, i);
    })(),
  );
}
await Promise.all(clicks);
const lastClaim = performance.now();
claiming = false;
await watcher;
await Promise.all(touches);

const inSync = () =>
  leads.every(
    ({ id, contactId }) =>
      hubspot.contact(contactId)?.properties.hubspot_owner_id === ownerOf.get(claimedBy.get(id)!),
  ) && notesFor() === Math.ceil(CLAIMS / 5);
// Both timed from the last claim, side by side: HubSpot's sync does not wait for Slack's.
const secondsAfterLastClaim = async (done: () => Promise<boolean>, what: string) => {
  await until(done, what, 10 * 60_000).catch(() => undefined);
  return (performance.now() - lastClaim) / 1000;
};
const [slackCaughtUpS, hubspotInSyncS] = await Promise.all([
  secondsAfterLastClaim(async () => (await pendingSlack()) === 0, "Slack caught up"),
  secondsAfterLastClaim(async () => inSync(), "HubSpot in sync"),
]);

// The redraws began with the first claim; at Slack's pace they take CLAIMS seconds from there.
const slackFromFirstClaimS = slackCaughtUpS + (lastClaim - started) / 1000;
const slackBoundS = CLAIMS * GOALS.slackSecondsPerRedraw + GOALS.slackMarginS;

// What HubSpot saw.
const claimed = await prisma.lead.count({ where: { status: { in: ["CLAIMED", "WORKING"] } } });
const lost = leads.filter(
  ({ id, contactId }) =>
    hubspot.contact(contactId)?.properties.hubspot_owner_id !== ownerOf.get(claimedBy.get(id)!),
).length;
const seen = hubspot.requests.slice(setupRequests);
const rateLimited = seen.filter((r) => r.status === 429).length;
const busiestWindow = busiest(seen.map((r) => r.at));
const outOfOrder = notesBeforeOwner();
const byPath = new Map<string, number>();
for (const r of seen) {
  const key = `${r.method} ${r.path.replace(/\/\d+(?=\/|$)/g, "/{id}")}`;
  byPath.set(key, (byPath.get(key) ?? 0) + 1);
}
acks.sort((a, b) => a - b);
const ack = { p50: percentile(acks, 50), p99: percentile(acks, 99) };

const met = {
  lost: lost === 0 && claimed === CLAIMS,
  order: outOfOrder === 0,
  limit: rateLimited === 0 && busiestWindow <= HUBSPOT_LIMIT.max,
  acks: ack.p99 <= GOALS.ackP99Ms,
  slack: (await pendingSlack()) === 0 && slackFromFirstClaimS <= slackBoundS,
  sync: inSync() && hubspotInSyncS <= GOALS.hubspotInSyncS,
};
const mark = (ok: boolean) => (ok ? "met" : "**missed**");
const report = `## HubSpot write-back under 500 claims a minute (bench:crm)

${CLAIMS} claims in ${SECONDS} s, clicked in Slack (signed block_actions) on leads that came from
HubSpot's workflow webhook, every fifth followed by a logged touch (${Math.ceil(CLAIMS / 5)} notes),
against a fake HubSpot enforcing ${HUBSPOT_LIMIT.max} requests per rolling 10 s with 429 and
Retry-After. ${values.pglite ? "PGlite" : "PostgreSQL"}, Baton in one process, ${machine()}.

| goal | figure | |
|---|---|---|
| every owner change lands (0 lost) | ${lost} lost, ${claimed}/${CLAIMS} claimed | ${mark(met.lost)} |
| notes after their contact's owner change | ${outOfOrder} out of order | ${mark(met.order)} |
| within HubSpot's limit, 0 refused | busiest 10 s: ${busiestWindow} requests; ${rateLimited} answered 429 | ${mark(met.limit)} |
| claim acks p99 ≤ ${GOALS.ackP99Ms} ms | p50 ${Math.round(ack.p50)} ms, p99 ${Math.round(ack.p99)} ms | ${mark(met.acks)} |
| every card shows its claim at Slack's pace (${CLAIMS} redraws in one channel, ≤ ${GOALS.slackSecondsPerRedraw} s each + ${GOALS.slackMarginS} s from the first claim: ${slackBoundS.toFixed(0)} s) | ${slackFromFirstClaimS.toFixed(1)} s (${(slackFromFirstClaimS / CLAIMS).toFixed(2)} s a redraw; ${slackCaughtUpS.toFixed(1)} s after the last claim) | ${mark(met.slack)} |
| HubSpot in sync ≤ ${GOALS.hubspotInSyncS} s after the last claim | ${hubspotInSyncS.toFixed(1)} s | ${mark(met.sync)} |

HubSpot requests during the claims (${seen.length} in all): ${[...byPath]
  .sort((a, b) => b[1] - a[1])
  .map(([path, n]) => `${path} ${n}`)
  .join(", ")}.
`;
console.log(report);
recordSection("crm-claims", report);

await baton.stop();
await slack.close();
await hubspot.close();
if (admin) {
  await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  await admin.end();
}
rmSync(dataDir, { recursive: true, force: true });
process.exit(Object.values(met).every(Boolean) ? 0 : 1);

async function logTouch(leadId: string, userId: string, i: number) {
  const answer = await requester.interaction(
    buildViewSubmission({
      callbackId: VIEWS.logTouch,
      userId,
      privateMetadata: JSON.stringify({ leadId, channelId: "C0NAMIDMKT" }),
      values: {
        kind: {
          kind_select: {
            type: "static_select",
            selected_option: { value: "call", text: { type: "plain_text", text: "Call" } },
          },
        },
        note: { note_input: { type: "plain_text_input", value: `Bench call ${i}` } },
      },
    }),
  );
  if (answer.status !== 200) throw new Error(`log touch answered ${answer.status}`);
}

function notesFor(): number {
  return hubspot.engagements.size;
}

/** Engagements created before their contact's owner was set: out of order for the lead. */
function notesBeforeOwner(): number {
  const ownerSetAt = new Map<string, number>();
  let wrong = 0;
  for (const r of hubspot.requests) {
    if (r.status !== 200 && r.status !== 201) continue;
    if (r.path === "/crm/v3/objects/contacts/batch/update") {
      const { inputs } = r.body as { inputs: { id: string; properties: Record<string, string> }[] };
      for (const input of inputs) {
        if (input.properties.hubspot_owner_id && !ownerSetAt.has(input.id)) {
          ownerSetAt.set(input.id, r.at);
        }
      }
    }
    if (r.path === "/crm/v3/objects/calls" || r.path === "/crm/v3/objects/notes") {
      const contact = (r.body as { associations: { to: { id: string } }[] }).associations[0]!.to.id;
      if (!ownerSetAt.has(contact)) wrong += 1;
    }
  }
  return wrong;
}

/** The most requests in any rolling window of HubSpot's length. */
function busiest(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let from = 0;
  for (let to = 0; to < sorted.length; to++) {
    while (sorted[to]! - sorted[from]! >= HUBSPOT_LIMIT.windowMs) from += 1;
    most = Math.max(most, to - from + 1);
  }
  return most;
}

/** Card redraws not yet delivered (the marketing feed's one channel is paced apart: #13). */
async function pendingSlack(): Promise<number> {
  return prisma.outboxMessage.count({
    where: {
      status: "PENDING",
      kind: { in: ["lead.card.update", "lead.card.post", "slack.update"] },
    },
  });
}

async function until(check: () => Promise<boolean>, what: string, ms = 5 * 60_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`bench:crm: timed out waiting for ${what}`);
    baton.outbox.wake();
    await sleep(100);
  }
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
