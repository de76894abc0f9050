// `/leads digest` and `/leads stats` over signed requests, the chart upload at the fake Slack,
// and once-per-period digests across two app instances on one database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Baton } from "#src/baton.ts";
import { digestSchedules } from "#src/domain/digest-schedule.ts";
import { leadRequestSchema } from "#src/intake/schemas.ts";
import { DigestScheduler } from "#src/jobs/digest-scheduler.ts";
import { PlaybookStore } from "#src/playbook/playbook-store.ts";
import { captureLead } from "#src/services/capture-lead.ts";
import { claimLead } from "#src/services/claim-lead.ts";
import { handOffLead } from "#src/services/hand-off-lead.ts";
import { useFakeSlack } from "#test/fakes/fake-slack.ts";
import { createSlackRequester } from "#test/fakes/slack-requests.ts";
import { SIGNING_SECRET, startTestApp, useTestApp } from "#test/setup/app.ts";
import { useTestDatabase } from "#test/setup/database.ts";

const fakeSlack = useFakeSlack();
const database = useTestDatabase();
const app = useTestApp(() => ({ db: database.current, slackApiUrl: fakeSlack.current.url }));
const slackRequests = () =>
  createSlackRequester({ url: `${app.current.url}/slack/events`, signingSecret: SIGNING_SECRET });

const NA_CHANNEL = "C0NAMIDMKT";
const MARKETING = "C0MKTFEEDBK";

let n = 0;
async function lead(fields: { source: string; campaign: string; claimBy?: string }) {
  const { deps } = app.current;
  const now = new Date();
  n += 1;
  const { leadId } = await captureLead({
    db: database.current,
    input: leadRequestSchema.parse({
      email: `digest${n}@firm${n}.example`,
      country: "US",
      companySize: 150,
      source: fields.source,
      campaign: fields.campaign,
      activities: [{ type: "demo_request", occurredAt: now.toISOString() }],
    }),
    scoring: deps.playbook.current.scoring,
    accountMatching: false,
    actor: { type: "API" },
    now,
  });
  const options = {
    db: database.current,
    playbook: deps.playbook.current,
    webhooks: deps.config.webhooks,
    leadId,
    now,
  };
  await handOffLead(options);
  if (fields.claimBy) await claimLead({ ...options, userId: fields.claimBy });
  return leadId;
}

async function command(text: string, userId: string) {
  const responseUrl = fakeSlack.current.responseUrl();
  const ack = await slackRequests().slashCommand({
    text,
    user_id: userId,
    response_url: responseUrl,
  });
  expect(ack.status).toBe(200);
  const answer = await fakeSlack.current.waitFor(
    () => fakeSlack.current.responses.find((r) => responseUrl.endsWith(`/${r.id}`)),
    20_000,
  );
  return answer.body as { response_type?: string; text?: string; blocks?: unknown[] };
}

const digestsIn = (channel: string, team: string) =>
  fakeSlack.current
    .visible(channel)
    .filter((m) => JSON.stringify(m.blocks ?? []).includes(`Weekly lead digest: ${team}`));

beforeAll(async () => {
  await lead({ source: "Website", campaign: "Pricing page", claimBy: "U0REPMIKE1" });
  await lead({ source: "Website", campaign: "Pricing page", claimBy: "U0REPPRIYA" });
  await lead({ source: "Webinar", campaign: "CX Summit" });
});

describe("/leads digest", () => {
  it("posts the team's digest to its channel and marketing's, with the chart uploaded", async () => {
    const answer = await command("digest", "U0REPMIKE1");
    expect(answer).toMatchObject({
      response_type: "ephemeral",
      text: expect.stringContaining(`NA Mid-Market digest for the last 7 days to <#${NA_CHANNEL}>`),
    });
    const [posted] = await fakeSlack.current.waitFor(() => {
      const found = digestsIn(NA_CHANNEL, "NA Mid-Market");
      return found.length > 0 ? found : undefined;
    }, 20_000);
    const text = JSON.stringify(posted!.blocks);
    expect(text).toContain("*Leads received*\\n3");
    expect(text).toContain("*Accepted (claimed)*\\n2 (67%)");
    expect(text).toContain("Pricing page");
    await fakeSlack.current.waitFor(
      () => (digestsIn(MARKETING, "NA Mid-Market").length > 0 ? true : undefined),
      20_000,
    );

    const charts = await fakeSlack.current.waitFor(() => {
      const found = fakeSlack.current.uploads.filter((u) => u.filename?.includes("na-midmarket"));
      return found.length >= 2 ? found : undefined;
    }, 20_000);
    expect(charts.map((c) => c.channel).sort()).toEqual([NA_CHANNEL, MARKETING].sort());
    for (const chart of charts) {
      expect(chart.title).toBe("Lead-to-opportunity by source: NA Mid-Market");
      expect(chart.bytes).toBeGreaterThan(2000);
    }
    // Slack's three-step upload: ask for an upload URL, upload, then complete into the channel.
    const asked = fakeSlack.current.callsTo("files.getUploadURLExternal");
    expect(asked.length).toBeGreaterThanOrEqual(2);
    expect(Number(asked[0]!.args.length)).toBeGreaterThan(2000);
    expect(fakeSlack.current.callsTo("files.completeUploadExternal").length).toBeGreaterThanOrEqual(
      2,
    );
  });

  it("posts the marketing digest over all teams to marketing's channel only", async () => {
    const answer = await command("digest marketing", "U0MKTJANE1");
    expect(answer.text).toContain(`marketing digest for the last 7 days to <#${MARKETING}>`);
    await fakeSlack.current.waitFor(
      () => (digestsIn(MARKETING, "All teams").length > 0 ? true : undefined),
      20_000,
    );
    expect(digestsIn(NA_CHANNEL, "All teams")).toHaveLength(0);
  });

  it("names the teams when the team is unknown, and when the caller has none", async () => {
    const unknown = await command("digest <!channel>", "U0MGRDANA1");
    expect(unknown.text).toContain("There is no team `&lt;!channel&gt;`");
    expect(unknown.text).toContain("`na-midmarket`");
    const teamless = await command("digest", "U0STRANGER");
    expect(teamless.text).toContain("You are not in a team, so name one");
  });

  it("refuses another team's digest to a rep who is not in it", async () => {
    const answer = await command("digest emea-enterprise", "U0REPMIKE1");
    expect(answer.text).toContain("Only the team's reps and managers");
  });
});

describe("/leads stats", () => {
  it("answers by campaign ephemerally with a compact table", async () => {
    const answer = await command("stats 30d by campaign", "U0MKTJANE1");
    expect(answer.response_type).toBe("ephemeral");
    const text = JSON.stringify(answer.blocks);
    expect(text).toContain("Leads received in the last 30 days: 3");
    expect(text).toMatch(/Pricing page +2 +2 +0 +0% +0/);
    expect(text).toMatch(/CX Summit +1 +0 +0 +0% +0/);
  });

  it("answers by rep with names from the playbook", async () => {
    const answer = await command("stats quarter by rep", "U0MGRDANA1");
    const text = JSON.stringify(answer.blocks);
    expect(text).toContain("last 90 days");
    expect(text).toMatch(/Mike +1/);
    expect(text).toMatch(/\(unclaimed\) +1/);
  });

  it("explains bad arguments", async () => {
    const bad = await command("stats yesterday", "U0MGRDANA1");
    expect(bad).toMatchObject({
      response_type: "ephemeral",
      text: expect.stringContaining("I don't know `yesterday`"),
    });
    expect(bad.text).toContain("/leads stats 30d by campaign");
    const noDimension = await command("stats by", "U0MGRDANA1");
    expect(noDimension.text).toContain("`by` needs a dimension");
  });
});

describe("scheduled digests", () => {
  let second: Baton | undefined;
  afterAll(async () => {
    await second?.stop();
  });

  it("are sent once per period across two instances and a rerun", async () => {
    second = await startTestApp({ db: database.current, slackApiUrl: fakeSlack.current.url });
    const schedule = digestSchedules(app.current.deps.playbook.current).find(
      (s) => s.teamKey === "inbound-sales",
    )!;
    const slot = new Date("2026-11-23T14:00:00Z");
    const results = await Promise.all([
      app.current.digests.run(schedule, slot),
      second.digests.run(schedule, new Date(slot.getTime() + 400)),
    ]);
    expect(results.filter((r) => r?.sent)).toHaveLength(1);
    // A restart (or a late replica) within the same period sends nothing either.
    expect((await second.digests.run(schedule, slot))?.sent).toBe(false);
    const runs = await database.current.prisma.digestRun.findMany({
      where: { scope: "team:inbound-sales" },
    });
    expect(runs.map((r) => r.period)).toEqual(["2026-11-23T14:00"]);
    const lease = await database.current.prisma.jobLease.findUnique({
      where: { name: "digest:team:inbound-sales" },
    });
    expect(lease?.lastPeriod).toBe("2026-11-23T14:00");
    // Both channels get it; either replica's worker may be the one delivering.
    await fakeSlack.current.waitFor(
      () =>
        digestsIn("C0INBOUND1", "Inbound Sales").length > 0 &&
        digestsIn(MARKETING, "Inbound Sales").length > 0
          ? true
          : undefined,
      20_000,
    );
    await app.current.outbox.drain();
    await second.outbox.drain();
    expect(digestsIn("C0INBOUND1", "Inbound Sales")).toHaveLength(1);
    expect(digestsIn(MARKETING, "Inbound Sales")).toHaveLength(1);

    // The next period is a new digest.
    const next = await app.current.digests.run(schedule, new Date("2026-11-30T14:00:00Z"));
    expect(next?.sent).toBe(true);
  });
});

describe("the digest scheduler", () => {
  it("fires on the team's cron in its time zone and posts once per period", async () => {
    const playbook = structuredClone(app.current.deps.playbook.current);
    playbook.digest.marketing = false;
    for (const team of playbook.teams) {
      // Every second (node-cron's six-field form): several firings fall in one period.
      team.digest =
        team.key === "na-midmarket"
          ? { cron: "* * * * * *", timezone: "Asia/Kolkata", enabled: true }
          : { enabled: false };
    }
    const scheduler = new DigestScheduler({
      ...app.current.deps,
      playbook: PlaybookStore.of(playbook),
    });
    scheduler.start();
    try {
      let run: { period: string } | null = null;
      const deadline = Date.now() + 20_000;
      while (!run && Date.now() < deadline) {
        run = await database.current.prisma.digestRun.findFirst({
          where: { scope: "team:na-midmarket" },
        });
        if (!run) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(run?.period).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/);
    } finally {
      await scheduler.stop();
    }
    const runs = await database.current.prisma.digestRun.findMany({
      where: { scope: "team:na-midmarket" },
    });
    // At most two minutes were crossed while it ran; one digest for each.
    expect(new Set(runs.map((r) => r.period)).size).toBe(runs.length);
    // The manual digest of the first test, plus one per scheduled period.
    await fakeSlack.current.waitFor(
      () => digestsIn(NA_CHANNEL, "NA Mid-Market").length === 1 + runs.length || undefined,
      20_000,
    );
  });
});
