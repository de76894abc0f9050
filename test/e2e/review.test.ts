// `/leads review` over signed slash commands: grouped by rep with their numbers, stale first,
// paged under Slack's limits with every lead on exactly one page, updated in place when a lead
// changes during the meeting, private on request, and helpful about bad arguments.
import { describe, expect, it } from "vitest";
import { logTouch } from "#src/services/log-touch.ts";
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

let n = 0;
async function lead(where: Record<string, unknown>, claimBy?: string, name = "Alex") {
  n += 1;
  return handedOffLead(
    app.current,
    { email: `review${n}@co${n}.example`, firstName: name, ...where },
    { claimBy },
  );
}

async function review(text: string, userId: string, channel: string) {
  const responseUrl = fakeSlack.current.responseUrl();
  const ack = await slack().slashCommand({
    text,
    user_id: userId,
    channel_id: channel,
    response_url: responseUrl,
  });
  expect(ack.status).toBe(200);
  return responseUrl;
}

const reviewsIn = (channel: string) =>
  fakeSlack.current.visible(channel).filter((m) => m.text?.startsWith("Lead review"));

describe("/leads review", () => {
  it("posts the team's open leads by rep, with numbers and buttons, and updates them in place", async () => {
    const sams = await lead(
      { country: "US", companySize: 100 },
      "U0REPSAM01",
      "Sam's <!channel> lead",
    );
    await lead({ country: "US", companySize: 110 }, "U0REPPRIYA");
    const open = await lead({ country: "US", companySize: 120 });
    await review("review", "U0MGRDANA1", "C0NAMIDMKT");
    const [posted] = await fakeSlack.current.waitFor(() => {
      const found = reviewsIn("C0NAMIDMKT");
      return found.length > 0 ? found : undefined;
    });
    const text = JSON.stringify(posted!.blocks);
    expect(posted!.text).toBe("Lead review: NA Mid-Market · 3 open leads (page 1 of 1)");
    expect(text).toContain("*<@U0REPSAM01>* · 1 open · 1 not contacted");
    expect(text).toContain("*Waiting for a claim*");
    expect(text).toContain(`L-${open.number}`);
    expect(text).toContain("Sam's &lt;!channel&gt; lead");
    expect(text).not.toContain("<!channel>");
    expect(text).toContain("lead_log_touch");

    // A touch logged during the meeting shows up on the page. The page is recorded just after
    // Slack answers its post: wait for that, or the touch may come first and find no page to
    // update (failed once on a loaded machine).
    for (const until = Date.now() + 15_000; Date.now() < until; ) {
      const recorded = await database.current.prisma.reviewPage.count({
        where: { channelId: "C0NAMIDMKT", ts: posted!.ts },
      });
      if (recorded > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await logTouch({
      db: database.current,
      playbook: app.current.deps.playbook.current,
      leadId: sams.id,
      userId: "U0REPSAM01",
      kind: "call",
      now: new Date(),
    });
    app.current.outbox.wake();
    await fakeSlack.current.waitFor(() => {
      const page = reviewsIn("C0NAMIDMKT").find((m) => m.ts === posted!.ts);
      return JSON.stringify(page?.blocks).includes("working ·") ? page : undefined;
    });
  });

  it("pages a big team so that every lead is on exactly one page", async () => {
    const numbers: number[] = [];
    for (let i = 0; i < 60; i++)
      numbers.push((await lead({ country: "BR", companySize: 5 })).number);
    await review("review team inbound-sales", "U0MGRDANA1", "C0INBOUND1");
    const pages = await fakeSlack.current.waitFor(() => {
      const found = reviewsIn("C0INBOUND1");
      return found.length >= 3 &&
        found.at(-1)?.text?.includes(`page ${found.length} of ${found.length}`)
        ? found
        : undefined;
    });
    const all = pages.map((p) => JSON.stringify(p.blocks)).join("\n");
    for (const number of numbers) {
      expect(all.match(new RegExp(`L-${number}\\b`, "g"))).toHaveLength(1);
    }
    for (const page of pages) expect(page.blocks!.length).toBeLessThanOrEqual(50);
    // Each page is recorded for in-place updates, just after it is posted.
    const recorded = () =>
      database.current.prisma.reviewPage.count({
        where: { channelId: "C0INBOUND1", scope: "team:inbound-sales" },
      });
    for (const until = Date.now() + 15_000; Date.now() < until; ) {
      if ((await recorded()) >= pages.length) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(await recorded()).toBe(pages.length);
  });

  it("shows a rep's leads privately when asked", async () => {
    await lead({ country: "US", companySize: 130 }, "U0REPTOM01");
    const before = reviewsIn("C0NAMIDMKT").length;
    const url = await review("review <@U0REPTOM01|tom> private", "U0MGRDANA1", "C0NAMIDMKT");
    const answer = await fakeSlack.current.waitFor(() =>
      fakeSlack.current.responses.find((r) => url.endsWith(`/${r.id}`)),
    );
    expect(answer.body).toMatchObject({
      response_type: "ephemeral",
      text: expect.stringContaining("Lead review: Tom · 1 open lead"),
    });
    expect(reviewsIn("C0NAMIDMKT")).toHaveLength(before);
  });

  it("explains bad arguments and refuses people outside the playbook", async () => {
    const answer = async (text: string, user: string) => {
      const url = await review(text, user, "C0NAMIDMKT");
      const found = await fakeSlack.current.waitFor(() =>
        fakeSlack.current.responses.find((r) => url.endsWith(`/${r.id}`)),
      );
      return (found.body as { text: string }).text;
    };
    expect(await answer("review team nowhere", "U0MGRDANA1")).toContain(
      "There is no team `nowhere`",
    );
    expect(await answer("review sideways <!here>", "U0MGRDANA1")).toContain(
      "I did not understand `sideways &lt;!here&gt;`",
    );
    expect(await answer("review", "U0STRANGER")).toContain("Lead reviews are for the sales teams");
  });
});

describe("/leads review with no team named", () => {
  const answer = async (text: string, user: string, channel: string) => {
    const url = await review(text, user, channel);
    const found = await fakeSlack.current.waitFor(() =>
      fakeSlack.current.responses.find((r) => url.endsWith(`/${r.id}`)),
    );
    return found.body as { response_type: string; text: string };
  };

  it("reviews the team whose channel it is typed in, even for a manager of two teams", async () => {
    await lead({ country: "BR", companySize: 8 });
    const before = reviewsIn("C0INBOUND1").length;
    await review("review", "U0MGRDANA1", "C0INBOUND1");
    const posted = await fakeSlack.current.waitFor(() => reviewsIn("C0INBOUND1")[before]);
    expect(posted.text).toMatch(/^Lead review: Inbound Sales · \d+ open leads? \(page 1 of \d+\)$/);
    expect(
      reviewsIn("C0INBOUND1")
        .slice(before)
        .map((m) => m.text),
    ).not.toContainEqual(expect.stringContaining("NA Mid-Market"));
  });

  it("reviews a channel's team for someone in no team (a marketer)", async () => {
    expect(await answer("review private", "U0MKTJANE1", "C0EMEAENT01")).toMatchObject({
      response_type: "ephemeral",
      text: expect.stringMatching(/^Lead review: EMEA Enterprise · /),
    });
  });

  it("reviews the caller's only team outside any team's channel", async () => {
    expect(await answer("review private", "U0REPSAM01", "D0REPSAM01")).toMatchObject({
      response_type: "ephemeral",
      text: expect.stringMatching(/^Lead review: NA Mid-Market · /),
    });
  });

  it("asks someone in several teams which one, with the exact command for each", async () => {
    const before = fakeSlack.current.visible("C0MGRROOM1").length;
    const asked = await answer("review", "U0MGRDANA1", "C0MGRROOM1");
    expect(asked).toEqual({
      response_type: "ephemeral",
      replace_original: false,
      text:
        "You are in NA Mid-Market and Inbound Sales, and no team posts its leads to this channel: which review?\n" +
        "• `/leads review team na-midmarket`\n" +
        "• `/leads review team inbound-sales`\n" +
        "Or run `/leads review` in a team's channel.",
    });
    expect(fakeSlack.current.visible("C0MGRROOM1")).toHaveLength(before);
    const privately = await answer("review private", "U0MGRDANA1", "C0MGRROOM1");
    expect(privately.text).toContain("• `/leads review team inbound-sales private`");
  });
});
