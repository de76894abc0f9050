// People change, end to end: /leads away moves a rep's offers on, a rep deactivated in Slack
// loses their open leads to the pool (managers told where each went), and marketing recalls a
// neglected lead. Refusals say why.
import { describe, expect, it } from "vitest";
import { useFakeSlack } from "#test/fakes/fake-slack.ts";
import { createSlackRequester } from "#test/fakes/slack-requests.ts";
import { SIGNING_SECRET, useTestApp } from "#test/setup/app.ts";
import { useTestDatabase } from "#test/setup/database.ts";
import { handedOffLead } from "#test/setup/leads.ts";

const fakeSlack = useFakeSlack();
const database = useTestDatabase();
const app = useTestApp(() => ({ db: database.current, slackApiUrl: fakeSlack.current.url }));
const slack = () =>
  createSlackRequester({ url: `${app.current.url}/slack/events`, signingSecret: SIGNING_SECRET });

async function lead(email: string, where: Record<string, unknown>, claimBy?: string) {
  return (await handedOffLead(app.current, { email, ...where }, { claimBy })).id;
}

async function command(text: string, userId: string) {
  const responseUrl = fakeSlack.current.responseUrl();
  const ack = await slack().slashCommand({ text, user_id: userId, response_url: responseUrl });
  expect(ack.status).toBe(200);
  const answer = await fakeSlack.current.waitFor(
    () => fakeSlack.current.responses.find((r) => responseUrl.endsWith(`/${r.id}`)),
    20_000,
  );
  return answer.body as { response_type?: string; text?: string };
}

const row = (id: string) =>
  database.current.prisma.lead.findUniqueOrThrow({
    where: { id },
    include: { owner: true, offeredTo: true },
  });

describe("/leads away", () => {
  it("moves the rep's open offers to the next rep, and welcomes them back", async () => {
    const id = await lead("away1@bigco.example", {
      region: "EMEA",
      country: "FR",
      companySize: 800,
    });
    const rep = (await row(id)).offeredTo!.slackUserId;
    const reply = await command("away until 2099-01-15", rep);
    expect(reply).toMatchObject({ response_type: "ephemeral" });
    expect(reply.text).toContain("You are away until 2099-01-15");
    expect(reply.text).toMatch(/L-\d+ went on to the next rep/);
    const moved = await row(id);
    expect(moved.status).toBe("OFFERED");
    expect(moved.offeredTo?.slackUserId).not.toBe(rep);
    const me = await database.current.prisma.rep.findUniqueOrThrow({ where: { slackUserId: rep } });
    expect(me.awayUntil).toEqual(new Date("2099-01-15T00:00:00Z"));

    // While away, new leads skip them.
    const next = await lead("away2@bigco.example", {
      region: "EMEA",
      country: "FR",
      companySize: 700,
    });
    expect((await row(next)).offeredTo?.slackUserId).not.toBe(rep);

    expect((await command("away off", rep)).text).toContain("Welcome back");
    const back = await database.current.prisma.rep.findUniqueOrThrow({
      where: { slackUserId: rep },
    });
    expect(back).toMatchObject({ awayUntil: null, paused: false });
  });

  it("explains what it expects when the arguments are wrong", async () => {
    const reply = await command("away tomorrow <!here>", "U0REPSAM01");
    expect(reply.text).toContain("I did not understand `tomorrow &lt;!here&gt;`");
    expect(reply.text).toContain("/leads away until 2026-12-01");
    expect((await command("away until 31/12", "U0REPSAM01")).text).toContain("is not a date");
  });
});

describe("a rep deactivated in Slack", () => {
  it("loses their open leads to the pool; the manager is told which and where", async () => {
    const owned = await lead(
      "gone1@mid.example",
      { country: "US", companySize: 120 },
      "U0REPTOM01",
    );
    expect((await row(owned)).status).toBe("CLAIMED");
    const ack = await slack().event({
      type: "user_change",
      user: { id: "U0REPTOM01", deleted: true, name: "tom" },
    });
    expect(ack.status).toBe(200);
    const deadline = Date.now() + 20_000;
    while ((await row(owned)).status !== "OFFERED" && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(await row(owned)).toMatchObject({ status: "OFFERED", ownerId: null });
    const rep = await database.current.prisma.rep.findUniqueOrThrow({
      where: { slackUserId: "U0REPTOM01" },
    });
    expect(rep.deactivatedAt).not.toBeNull();
    app.current.outbox.wake();
    const told = await fakeSlack.current.waitFor(() =>
      fakeSlack.current
        .visible("D0MGRDANA1")
        .find((m) => m.text?.includes("was deactivated in Slack")),
    );
    expect(told.text).toMatch(/L-\d+ → the <#C0NAMIDMKT> channel/);
  });
});

describe("/leads recall", () => {
  it("is for marketers only", async () => {
    const id = await lead("recall1@mid.example", { country: "US", companySize: 130 }, "U0REPSAM01");
    const number = (await row(id)).number;
    const reply = await command(`recall L-${number} nurture`, "U0REPSAM01");
    expect(reply.text).toContain("Only marketers");
    expect((await row(id)).status).toBe("CLAIMED");
  });

  it("takes a neglected lead back to nurture and tells the owner why", async () => {
    const id = await lead("recall2@mid.example", { country: "US", companySize: 140 }, "U0REPSAM01");
    const number = (await row(id)).number;
    const reply = await command(`recall L-${number} nurture Untouched for 3 weeks`, "U0MKTJANE1");
    expect(reply.text).toContain(`L-${number} is back in nurture; <@U0REPSAM01> has been told`);
    expect(await row(id)).toMatchObject({ status: "NURTURE", ownerId: null });
    app.current.outbox.wake();
    const dm = await fakeSlack.current.waitFor(() =>
      fakeSlack.current.visible("D0REPSAM01").find((m) => m.text?.includes("took L-")),
    );
    expect(dm.text).toContain("back to nurture: Untouched for 3 weeks");
    expect((await command("recall nobody@nowhere.example reoffer", "U0MKTJANE1")).text).toContain(
      "No lead matches",
    );
    expect((await command("recall", "U0MKTJANE1")).text).toContain("Say which lead");
  });
});
