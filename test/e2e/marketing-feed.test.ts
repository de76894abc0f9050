// The marketing feed keeps up with a busy sales floor: dispositions that come due together
// reach the feed channel as a few messages listing them, each line exactly once and in order,
// instead of one message per line at Slack's pace of one a second (#13, decision 012). A post
// Slack refuses is sent again whole, and no line shows twice.
import { describe, expect, it, vi } from "vitest";
import { FEED_LINES_PER_MESSAGE } from "#src/slack/blocks/disposition-feed.ts";
import { useFakeSlack, type VisibleMessage } from "#test/fakes/fake-slack.ts";
import { useTestApp } from "#test/setup/app.ts";
import { useTestDatabase } from "#test/setup/database.ts";
import { handedOffLead } from "#test/setup/leads.ts";

const fakeSlack = useFakeSlack();
const database = useTestDatabase();
const app = useTestApp(() => ({ db: database.current, slackApiUrl: fakeSlack.current.url }));
const FEED = "C0MKTFEEDBK";
const REPS = ["U0REPMIKE1", "U0REPPRIYA", "U0REPSAM01", "U0REPTOM01"];

/** `count` leads claimed by the mid-market team's reps, one after another, as fast as it goes. */
async function claimMany(prefix: string, count: number) {
  const leads = [];
  for (let i = 0; i < count; i++) {
    leads.push(
      await handedOffLead(
        app.current,
        {
          email: `${prefix}${i}@${prefix}${i}.example`,
          firstName: i === 0 ? "Eve <!channel>" : `Buyer ${i}`,
          company: `Retail ${i}`,
          country: "US",
          companySize: 150,
          source: "Trade show",
        },
        { claimBy: REPS[i % REPS.length] },
      ),
    );
  }
  return leads;
}

/** How often each lead's claim line shows in the feed channel, in the order shown. */
function claimLines(messages: VisibleMessage[], numbers: number[]) {
  const shown = messages.flatMap((m) =>
    (m.blocks as { type: string; text?: { text: string } }[])
      .filter((b) => b.type === "section")
      .map((b) => b.text!.text),
  );
  const order = shown.flatMap((line) => /^:raised_hand: L-(\d+) /.exec(line)?.[1] ?? []);
  const counts = numbers.map((n) => order.filter((o) => o === String(n)).length);
  return { shown, order: order.map(Number), counts };
}

describe("the marketing feed", () => {
  it("lists many dispositions in a few messages, each line once and in order", async () => {
    // Twenty claims land while the worker is between polls: it finds twenty lines due at once.
    await app.current.outbox.stop();
    const leads = await claimMany("feed", 20);
    const numbers = leads.map((lead) => lead.number);
    await app.current.outbox.drain();
    app.current.outbox.start();

    const feed = await fakeSlack.current.waitFor(() => {
      const messages = fakeSlack.current.visible(FEED);
      return claimLines(messages, numbers).counts.every((n) => n > 0) ? messages : undefined;
    });
    // 16 lines fit one message (50 blocks); 20 lines are two messages, not twenty.
    expect(FEED_LINES_PER_MESSAGE).toBe(16);
    expect(feed).toHaveLength(2);
    const { shown, order, counts } = claimLines(feed, numbers);
    expect(counts).toEqual(numbers.map(() => 1));
    expect(order).toEqual(numbers);
    expect(feed[0]!.blocks).toHaveLength(32);
    expect(feed[0]!.text).toMatch(
      /^16 lead updates\nL-\d+ Eve &lt;!channel&gt; claimed by <@U0REPMIKE1>/,
    );
    expect(feed[1]!.text).toMatch(/^4 lead updates\n/);
    // Each line reads as it does on its own: who, what, by whom; user text escaped.
    expect(shown[0]).toBe(
      `:raised_hand: L-${numbers[0]} *Eve &lt;!channel&gt;* (Retail 0) claimed by <@U0REPMIKE1>`,
    );
    expect(JSON.stringify(feed)).not.toContain("<!channel>");
    const origins = feed.flatMap((m) =>
      (m.blocks as { type: string; elements?: { text: string }[] }[])
        .filter((b) => b.type === "context")
        .map((b) => b.elements![0]!.text),
    );
    expect(origins).toEqual(numbers.map(() => "source *Trade show*"));
  });

  it("posts a lone line as it always looked", async () => {
    const [lead] = await claimMany("lone", 1);
    app.current.outbox.wake();
    const line = await fakeSlack.current.waitFor(() =>
      fakeSlack.current
        .visible(FEED)
        .find((m) => JSON.stringify(m.blocks).includes(`L-${lead!.number} `)),
    );
    expect(line.text).toBe(`L-${lead!.number} Eve &lt;!channel&gt; claimed by <@U0REPMIKE1>`);
    expect(line.blocks).toEqual([
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text: `:raised_hand: L-${lead!.number} *Eve &lt;!channel&gt;* (Retail 0) claimed by <@U0REPMIKE1>`,
        },
      },
      { type: "context", elements: [{ type: "mrkdwn", text: "source *Trade show*" }] },
    ]);
  });

  it("sends a refused message again whole, and shows each line once", async () => {
    // The cards go out first; then five claims' lines are due together and Slack fails the
    // first post of them (503), then accepts.
    await app.current.outbox.stop();
    const leads = await claimMany("retry", 5);
    const numbers = leads.map((lead) => lead.number);
    await database.current.prisma.outboxMessage.updateMany({
      where: { kind: "lead.feed", status: "PENDING" },
      data: { availableAt: new Date(Date.now() + 60_000) },
    });
    await app.current.outbox.drain();
    await database.current.prisma.outboxMessage.updateMany({
      where: { kind: "lead.feed", status: "PENDING" },
      data: { availableAt: new Date() },
    });
    const due = await database.current.prisma.outboxMessage.findMany({
      where: { kind: "lead.feed", status: "PENDING" },
    });
    expect(due).toHaveLength(5);
    const before = fakeSlack.current.callsTo("chat.postMessage").length;
    const earlier = fakeSlack.current.visible(FEED).length;
    fakeSlack.current.fail("chat.postMessage", { status: 503 });
    app.current.outbox.start();

    const feed = await fakeSlack.current.waitFor(() => {
      const messages = fakeSlack.current.visible(FEED).slice(earlier);
      return claimLines(messages, numbers).counts.every((n) => n > 0) ? messages : undefined;
    });
    const { order, counts } = claimLines(feed, numbers);
    expect(counts).toEqual([1, 1, 1, 1, 1]);
    expect(order).toEqual(numbers);
    expect(feed).toHaveLength(1);
    // Two tries of the same five lines: the refused one and the one shown.
    const posts = fakeSlack.current.callsTo("chat.postMessage").slice(before);
    expect(posts.map((call) => [call.args.channel, call.failed])).toEqual([
      [FEED, "fault"],
      [FEED, undefined],
    ]);
    expect(posts[0]!.args.blocks).toEqual(posts[1]!.args.blocks);
    // Marked done together, right after Slack's answer, on the second attempt.
    await vi.waitFor(
      async () => {
        const rows = await database.current.prisma.outboxMessage.findMany({
          where: { id: { in: due.map((row) => row.id) } },
        });
        expect(rows.map((row) => [row.status, row.attempts])).toEqual(rows.map(() => ["DONE", 2]));
      },
      { timeout: 10_000, interval: 100 },
    );
  });
});
