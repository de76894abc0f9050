// Two Baton instances on one database, as two replicas behind a load balancer: intake and
// clicks reach either one, both outbox workers deliver, and nothing is posted twice or lost.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Baton } from "#src/baton.ts";
import type { Database } from "#src/db/database.ts";
import { ACTIONS } from "#src/slack/ids.ts";
import { useFakeSlack } from "#test/fakes/fake-slack.ts";
import { buildButtonAction, createSlackRequester } from "#test/fakes/slack-requests.ts";
import { INTAKE_TOKEN, SIGNING_SECRET, startTestApp, useTestApp } from "#test/setup/app.ts";
import { useTestDatabase } from "#test/setup/database.ts";

const fakeSlack = useFakeSlack();
const database = useTestDatabase();
const first = useTestApp(() => ({ db: database.current, slackApiUrl: fakeSlack.current.url }));
let second: (Baton & { url: string }) | undefined;
let secondDb: Database | undefined;
const CHANNEL = "C0NAMIDMKT";
const LEADS = 40;

beforeAll(async () => {
  secondDb = await database.current.replica();
  second = await startTestApp({ db: secondDb, slackApiUrl: fakeSlack.current.url });
});
afterAll(async () => {
  await second?.stop();
  await secondDb?.close();
});

const apps = () => [first.current, second!];

describe("two instances sharing one database", () => {
  it("post every lead exactly once and give each lead exactly one owner", async () => {
    // Intake spread over both instances, ten requests at a time.
    const ids: string[] = [];
    for (let batch = 0; batch < LEADS / 10; batch++) {
      const answers = await Promise.all(
        Array.from({ length: 10 }, async (_, i) => {
          const n = batch * 10 + i;
          const response = await fetch(`${apps()[n % 2]!.url}/api/v1/leads`, {
            method: "POST",
            // A fresh connection each time: a kept-alive one the server closes as idle between
            // two batches (on a loaded machine) fails the next request with ECONNRESET.
            headers: {
              authorization: `Bearer ${INTAKE_TOKEN}`,
              "content-type": "application/json",
              connection: "close",
            },
            body: JSON.stringify({
              email: `replica${n}@company${n}.example`,
              name: `Replica Lead ${n}`,
              country: "US",
              companySize: 200,
              activities: [{ type: "demo_request", occurredAt: new Date().toISOString() }],
            }),
          });
          expect(response.status).toBeLessThan(300);
          return ((await response.json()) as { lead: { id: string } }).lead.id;
        }),
      );
      ids.push(...answers);
    }

    // Every lead reaches the channel, on a card or a burst summary, exactly once.
    const shownOnce = () =>
      ids.every(
        (id) =>
          fakeSlack.current
            .visible(CHANNEL)
            .filter((m) => !m.thread_ts && JSON.stringify(m.blocks).includes(id)).length === 1,
      );
    await fakeSlack.current.waitFor(() => (shownOnce() ? true : undefined), 60_000);
    for (const app of apps()) await app.outbox.drain();
    const topLevel = fakeSlack.current.visible(CHANNEL).filter((m) => !m.thread_ts);
    for (const id of ids) {
      expect(topLevel.filter((m) => JSON.stringify(m.blocks).includes(id))).toHaveLength(1);
    }
    const posts = fakeSlack.current
      .callsTo("chat.postMessage")
      .filter((c) => c.args.channel === CHANNEL && !c.args.thread_ts);
    expect(posts).toHaveLength(topLevel.length);
    // Either worker may still be recording its last delivery: wait for the outbox to settle.
    const undelivered = () =>
      database.current.prisma.outboxMessage.findMany({
        where: { status: { not: "DONE" }, kind: { in: ["lead.card.post", "lead.handoff"] } },
        select: { id: true, kind: true, status: true, lastError: true, lockedUntil: true },
      });
    const deadline = Date.now() + 20_000;
    while ((await undelivered()).length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await undelivered()).toEqual([]);

    // Ten of them each get eight simultaneous Claim clicks, spread over both instances.
    const reps = ["U0REPMIKE1", "U0REPPRIYA", "U0REPSAM01", "U0REPTOM01"];
    const requesters = apps().map((app) =>
      createSlackRequester({ url: `${app.url}/slack/events`, signingSecret: SIGNING_SECRET }),
    );
    const clicks = ids.slice(0, 10).flatMap((leadId) =>
      Array.from({ length: 8 }, (_, i) => ({
        leadId,
        user: reps[i % reps.length]!,
        via: requesters[i % 2]!,
        url: fakeSlack.current.responseUrl(),
      })),
    );
    const acks = await Promise.all(
      clicks.map((click) =>
        click.via.interaction(
          buildButtonAction({
            actionId: ACTIONS.claim,
            value: click.leadId,
            userId: click.user,
            responseUrl: click.url,
          }),
        ),
      ),
    );
    expect(acks.every((ack) => ack.status === 200)).toBe(true);
    const answers = await fakeSlack.current.waitFor(() => {
      const found = clicks.map((click) =>
        fakeSlack.current.responses.find((r) => click.url.endsWith(`/${r.id}`)),
      );
      return found.every(Boolean) ? found : undefined;
    }, 30_000);
    for (const leadId of ids.slice(0, 10)) {
      const lead = await database.current.prisma.lead.findUniqueOrThrow({
        where: { id: leadId },
        include: { owner: true },
      });
      expect(lead.status).toBe("CLAIMED");
      const texts = clicks
        .map((click, i) => ({ click, text: String(answers[i]!.body.text) }))
        .filter(({ click }) => click.leadId === leadId);
      const winners = texts.filter(({ text }) => text.includes("is yours"));
      expect(winners).toHaveLength(1);
      expect(winners[0]!.click.user).toBe(lead.owner!.slackUserId);
      for (const { click, text } of texts) {
        if (text.includes("is yours")) continue;
        expect(text).toMatch(
          click.user === lead.owner!.slackUserId
            ? /^You already claimed this lead/
            : new RegExp(`<@${lead.owner!.slackUserId}> already claimed this lead`),
        );
      }
      expect(
        await database.current.prisma.leadEvent.count({ where: { leadId, type: "claimed" } }),
      ).toBe(1);
    }
  }, 120_000);
});
