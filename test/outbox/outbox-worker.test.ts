import { WebClient } from "@slack/web-api";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Clock } from "#src/clock.ts";
import { createLogger } from "#src/logger.ts";
import { handlersFor } from "#src/outbox/messages.ts";
import { groupStillArriving, leaseBurst, type OutboxRow } from "#src/outbox/outbox-store.ts";
import { OutboxWorker, RetryLater } from "#src/outbox/outbox-worker.ts";
import { Pacer } from "#src/outbox/pacer.ts";
import { slackHandlers, slackSender } from "#src/outbox/slack-handlers.ts";
import { type FakeSlack, startFakeSlack } from "#test/fakes/fake-slack.ts";
import { useTestDatabase } from "#test/setup/database.ts";
import { testDatabaseUrl } from "#test/setup/test-database.ts";

let slack: FakeSlack;
beforeAll(async () => {
  slack = await startFakeSlack();
});
afterAll(async () => {
  await slack.close();
});
const database = useTestDatabase();
const logger = createLogger({ level: "silent" });

class TestClock implements Clock {
  time = new Date("2026-11-20T15:00:00Z").getTime();
  now = () => new Date(this.time);
  advance(ms: number) {
    this.time += ms;
  }
}

function worker(clock: Clock) {
  const client = new WebClient("xoxb-1-outbox", {
    slackApiUrl: slack.url,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
  });
  return new OutboxWorker({
    db: database.current,
    logger,
    clock,
    // The pacer on the worker's clock: a Retry-After hold runs out when the test says so.
    handlers: handlersFor(
      slackHandlers(
        slackSender(database.current, client, new Pacer(1000, 1000, () => clock.now().getTime())),
      ),
    ),
  });
}

async function enqueue(
  kind: string,
  payload: object,
  extra: { orderingKey?: string; target?: string } = {},
  at?: Date,
) {
  return database.current.prisma.outboxMessage.create({
    data: { kind, payload, ...extra, availableAt: at ?? new Date("2026-11-20T15:00:00Z") },
  });
}

async function row(id: bigint) {
  return database.current.prisma.outboxMessage.findUniqueOrThrow({ where: { id } });
}

let lead: { id: string };
beforeEach(async () => {
  slack.reset();
  await database.current.prisma.outboxMessage.deleteMany();
  lead = await database.current.prisma.lead.create({
    data: { email: `l${Date.now()}${Math.random()}@x.io`, emailDomain: "x.io" },
  });
});

describe("outbox worker", () => {
  it("posts a card, remembers it, then updates it in place and replies in its thread", async () => {
    const clock = new TestClock();
    await enqueue(
      "slack.post",
      { channel: "C0CARDS001", text: "New lead", record: { leadId: lead.id, kind: "card" } },
      { orderingKey: lead.id, target: "C0CARDS001" },
    );
    await enqueue(
      "slack.update",
      { leadId: lead.id, kind: "card", text: "Claimed by Ana" },
      { orderingKey: lead.id, target: "C0CARDS001" },
    );
    await enqueue(
      "slack.post",
      {
        channel: "C0CARDS001",
        text: "Visited pricing",
        threadOf: { leadId: lead.id, kind: "card" },
      },
      { orderingKey: lead.id, target: "C0CARDS001" },
    );
    expect(await worker(clock).drain()).toBe(3);

    const visible = slack.visible("C0CARDS001");
    expect(visible.map((m) => [m.text, m.thread_ts === undefined])).toEqual([
      ["Claimed by Ana", true],
      ["Visited pricing", false],
    ]);
    expect(visible[1]?.thread_ts).toBe(visible[0]?.ts);
    expect(await database.current.prisma.outboxMessage.count({ where: { status: "DONE" } })).toBe(
      3,
    );
  });

  it("waits out Slack's Retry-After for the whole channel, then delivers in order", async () => {
    const clock = new TestClock();
    slack.fail("chat.postMessage", { status: 429, retryAfter: 30 });
    const first = await enqueue(
      "slack.post",
      { channel: "C0LIMIT001", text: "one", record: { leadId: lead.id, kind: "card" } },
      { orderingKey: lead.id, target: "C0LIMIT001" },
    );
    const update = await enqueue(
      "slack.update",
      { leadId: lead.id, kind: "card", text: "one, claimed" },
      { orderingKey: lead.id, target: "C0LIMIT001" },
    );
    const other = await enqueue(
      "slack.post",
      { channel: "C0LIMIT001", text: "two" },
      { target: "C0LIMIT001" },
    );
    const w = worker(clock);
    await w.drain();
    expect((await row(first.id)).status).toBe("PENDING");
    expect((await row(first.id)).availableAt.getTime()).toBe(clock.time + 30_000);
    // The other message to that channel waits too, and the update waits for its post.
    expect((await row(other.id)).status).toBe("PENDING");
    expect((await row(update.id)).status).toBe("PENDING");
    expect(slack.callsTo("chat.postMessage")).toHaveLength(1);

    clock.advance(29_000);
    expect(await w.drain()).toBe(0);
    clock.advance(1_000);
    await w.drain();
    expect(slack.visible("C0LIMIT001").map((m) => m.text)).toEqual(["one, claimed", "two"]);
    expect((await row(first.id)).attempts).toBe(2);
  });

  it("sends nothing to a rate-limited channel before Retry-After, whatever the message's target", async () => {
    // Found by bench:slack-faults (#7): thread replies and updates have no outbox target, so
    // holdTarget did not hold them, and they went to the channel right after its 429.
    const clock = { now: () => new Date() };
    const w = worker(clock);
    slack.fail("chat.postMessage", { status: 429, retryAfter: 1 });
    await enqueue(
      "slack.post",
      { channel: "C0HOLD0001", text: "card", record: { leadId: lead.id, kind: "card" } },
      { orderingKey: lead.id, target: "C0HOLD0001" },
      new Date(Date.now() - 1000),
    );
    await w.drain();
    const refused = slack.callsTo("chat.postMessage")[0]!;
    expect(refused.failed).toBe("ratelimited");
    // A reply in another lead's thread and an update, neither with a target, come right after.
    await enqueue(
      "slack.post",
      { channel: "C0HOLD0001", text: "reply" },
      {},
      new Date(Date.now() - 1000),
    );
    await enqueue(
      "slack.update",
      { leadId: lead.id, kind: "card", text: "card, updated" },
      {},
      new Date(Date.now() - 1000),
    );
    await database.current.prisma.slackMessage.create({
      data: { leadId: lead.id, kind: "card", channelId: "C0HOLD0001", ts: "1795000000.000001" },
    });
    await w.drain();
    const later = slack.calls.filter((c) => c.at > refused.at && c.method.startsWith("chat."));
    // The reply, the update, and the card's own retry (its row is due again after 1 s).
    expect(later.map((c) => String(c.args.text)).sort()).toEqual([
      "card",
      "card, updated",
      "reply",
    ]);
    for (const call of later) expect(call.at - refused.at).toBeGreaterThanOrEqual(990);
  });

  it("backs off on server errors and network failures without a hot loop", async () => {
    const clock = new TestClock();
    slack.fail("chat.postMessage", { status: 503, times: 3 });
    const message = await enqueue(
      "slack.post",
      { channel: "C0FLAKY001", text: "hello" },
      { target: "C0FLAKY001" },
    );
    const w = worker(clock);
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      await w.drain();
      const pending = await row(message.id);
      expect(pending.status).toBe("PENDING");
      delays.push(pending.availableAt.getTime() - clock.time);
      clock.advance(pending.availableAt.getTime() - clock.time);
    }
    // Exponential backoff with jitter: about 1 s, 2 s, 4 s (each between half and full).
    expect(delays[0]).toBeGreaterThanOrEqual(500);
    expect(delays[1]).toBeGreaterThanOrEqual(1000);
    expect(delays[2]).toBeGreaterThanOrEqual(2000);
    await w.drain();
    expect((await row(message.id)).status).toBe("DONE");
    expect(slack.callsTo("chat.postMessage")).toHaveLength(4);
  });

  it("keeps a message Slack can never accept as DEAD with the reason", async () => {
    slack.fail("chat.postMessage", { error: "channel_not_found" });
    const message = await enqueue(
      "slack.post",
      { channel: "C0GONE0001", text: "x" },
      { target: "C0GONE0001" },
    );
    await worker(new TestClock()).drain();
    expect(await row(message.id)).toMatchObject({
      status: "DEAD",
      lastError: "Slack refused: channel_not_found",
    });
  });

  it("lets two workers share the queue without posting anything twice", async () => {
    const clock = new TestClock();
    for (let i = 0; i < 40; i++) {
      await enqueue(
        "slack.post",
        { channel: `C0SHARE${String(i % 4).padStart(3, "0")}`, text: `m${i}` },
        { target: `C0SHARE${String(i % 4).padStart(3, "0")}` },
      );
    }
    const [a, b] = [worker(clock), worker(clock)];
    const handled = await Promise.all([a.drain(), b.drain()]);
    expect(handled[0] + handled[1]).toBe(40);
    const texts = slack.callsTo("chat.postMessage").map((c) => c.args.text);
    expect(texts).toHaveLength(40);
    expect(new Set(texts).size).toBe(40);
    if (testDatabaseUrl()) expect(Math.min(...handled)).toBeGreaterThan(0);
  });

  it("in the background, a Slack call that hangs holds up only its own channel", async () => {
    // Found by bench:slack-faults (#7): the loop waited for a whole batch, so one call hanging
    // until its timeout (15 s) stopped every other channel's messages for that long.
    const w = worker({ now: () => new Date() });
    slack.fail("chat.postMessage", { delayMs: 3000 });
    await enqueue(
      "slack.post",
      { channel: "C0SLOW0001", text: "slow" },
      { target: "C0SLOW0001" },
      new Date(Date.now() - 1000),
    );
    w.start();
    try {
      const slow = await slack.waitFor(() => slack.callsTo("chat.postMessage")[0]);
      await enqueue(
        "slack.post",
        { channel: "C0FAST0001", text: "fast" },
        { target: "C0FAST0001" },
        new Date(Date.now() - 1000),
      );
      w.wake();
      const fast = await slack.waitFor(() => slack.visible("C0FAST0001")[0]);
      expect(fast.text).toBe("fast");
      // Delivered while the slow call was still waiting for its answer.
      expect(slack.visible("C0SLOW0001")).toHaveLength(0);
      expect(slack.callsTo("chat.postMessage")[1]!.at - slow.at).toBeLessThan(2000);
      await slack.waitFor(() => slack.visible("C0SLOW0001")[0]);
    } finally {
      await w.stop();
    }
  });

  /**
   * A background worker with 5 slots a lane and 12 card redraws due that wait on Slack's pace
   * until `release()`; each kind in `others` is delivered at once. `delivered` lists what went
   * out, in order ("card n", or the kind).
   */
  async function redrawsOnSlacksPace(others: string[], target?: string) {
    let release!: () => void;
    const slackPaced = new Promise<void>((resolve) => {
      release = resolve;
    });
    const delivered: string[] = [];
    const w = new OutboxWorker({
      db: database.current,
      logger,
      clock: { now: () => new Date() },
      batchSize: 5,
      handlers: {
        "lead.card.update": async (message) => {
          await slackPaced;
          delivered.push(`card ${String((message.payload as { n: number }).n)}`);
        },
        ...Object.fromEntries(others.map((kind) => [kind, async () => delivered.push(kind)])),
      },
    });
    const due = new Date(Date.now() - 1000);
    for (let n = 0; n < 12; n += 1) {
      await enqueue("lead.card.update", { n }, { orderingKey: `lead-${n}`, target }, due);
    }
    return { w, delivered, release, due };
  }

  it("in the background, Slack messages waiting on Slack's pace never hold up a lead's CRM update", async () => {
    // Found by bench:crm (#15): 500 claims in a minute redraw 500 cards in one channel at
    // Slack's pace of one a second; the redraws filled the worker's room, so the claims'
    // HubSpot updates reached HubSpot at the same pace, 8 minutes after the last claim.
    const { w, delivered, release, due } = await redrawsOnSlacksPace(["hubspot.engagement"]);
    const crm = await enqueue("hubspot.engagement", {}, { orderingKey: "hubspot:lead:1" }, due);
    w.start();
    try {
      await expect.poll(async () => (await row(crm.id)).status, { timeout: 5000 }).toBe("DONE");
      expect(delivered).toEqual(["hubspot.engagement"]);
      release();
      await expect.poll(() => delivered.length, { timeout: 10_000 }).toBe(13);
    } finally {
      release();
      await w.stop();
    }
  });

  it("in the background, Slack messages waiting on Slack's pace never hold up routing a new lead", async () => {
    // Found by bench:claim (#13): rounds of claims redrew their cards in one channel at
    // Slack's pace; the redraws filled Slack's room, which new leads' hand-offs shared, and
    // the next round's leads were not offered to anyone for over 30 s.
    const { w, delivered, release, due } = await redrawsOnSlacksPace(
      ["lead.handoff", "lead.brief"],
      "C1",
    );
    const handoff = await enqueue("lead.handoff", {}, { orderingKey: "lead-new" }, due);
    const brief = await enqueue("lead.brief", {}, {}, due);
    w.start();
    try {
      await expect.poll(async () => (await row(handoff.id)).status, { timeout: 5000 }).toBe("DONE");
      await expect.poll(async () => (await row(brief.id)).status, { timeout: 5000 }).toBe("DONE");
      expect(delivered.filter((d) => d.startsWith("card"))).toEqual([]);
      release();
      await expect.poll(() => delivered.length, { timeout: 10_000 }).toBe(14);
    } finally {
      release();
      await w.stop();
    }
  });

  it("keeps the lease of a message it is still delivering, so no other worker posts it too", async () => {
    // Found by bench:burst (#13): a burst's parts, paced at one a second, outlived the lease,
    // and the same leads were leased again and listed on a second summary.
    const slow = new OutboxWorker({
      db: database.current,
      logger,
      clock: { now: () => new Date() },
      leaseMs: 600,
      handlers: {
        "test.slow": async () => {
          await new Promise((resolve) => setTimeout(resolve, 2000));
          return { by: "slow" };
        },
      },
    });
    const made = await enqueue("test.slow", {}, {}, new Date(Date.now() - 1000));
    let takenByOther = 0;
    const other = new OutboxWorker({
      db: database.current,
      logger,
      clock: { now: () => new Date() },
      leaseMs: 600,
      handlers: {
        "test.slow": async () => {
          takenByOther += 1;
        },
      },
    });
    slow.start();
    try {
      await expect.poll(async () => (await row(made.id)).attempts).toBe(1);
      // Three times the lease: the other worker looks for due work all along.
      const until = Date.now() + 1800;
      while (Date.now() < until) {
        await other.drain();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await expect.poll(async () => (await row(made.id)).status, { timeout: 5000 }).toBe("DONE");
      expect(takenByOther).toBe(0);
      expect((await row(made.id)).attempts).toBe(1);
    } finally {
      await slow.stop();
    }
  });

  it("runs in the background and stops cleanly", async () => {
    const w = worker({ now: () => new Date() });
    await enqueue(
      "slack.post",
      { channel: "C0BACKG001", text: "bg" },
      { target: "C0BACKG001" },
      new Date(Date.now() - 1000),
    );
    w.start();
    await slack.waitFor(() => slack.visible("C0BACKG001")[0]);
    await w.stop();
  });
});

describe("outbox worker groups (burst summaries)", () => {
  /** A worker whose "test.item" messages are grouped from five due for one target. */
  function groupingWorker(clock: Clock, failPart?: (part: number) => Error | undefined) {
    const delivered: { ids: string[]; how: "alone" | "group"; total?: number }[] = [];
    const w = new OutboxWorker({
      db: database.current,
      logger,
      clock,
      handlers: {
        "test.item": async (message) => {
          delivered.push({ ids: [String(message.id)], how: "alone" });
        },
      },
      groups: [
        {
          kind: "test.item",
          threshold: () => 5,
          max: 100,
          partSize: 5,
          deliver: async (part: OutboxRow[], position) => {
            const error = failPart?.(position.index);
            if (error) throw error;
            delivered.push({
              ids: part.map((m) => String(m.id)),
              how: "group",
              total: position.total,
            });
          },
        },
      ],
    });
    return { w, delivered };
  }

  async function items(target: string, count: number) {
    const made = [];
    for (let i = 0; i < count; i++) made.push(await enqueue("test.item", { i }, { target }));
    return made.map((m) => String(m.id));
  }

  it("delivers many due messages for one target in parts, and a few one by one", async () => {
    const many = await items("C0BURST001", 12);
    const few = await items("C0QUIET001", 2);
    const { w, delivered } = groupingWorker(new TestClock());
    expect(await w.drain()).toBe(14);
    const groups = delivered.filter((d) => d.how === "group");
    expect(groups.map((g) => g.ids)).toEqual([many.slice(0, 5), many.slice(5, 10), many.slice(10)]);
    expect(groups.every((g) => g.total === 12)).toBe(true);
    expect(delivered.filter((d) => d.how === "alone").flatMap((d) => d.ids)).toEqual(few);
    expect(await database.current.prisma.outboxMessage.count({ where: { status: "DONE" } })).toBe(
      14,
    );
  });

  it("after a rate limit on one part, keeps the rest for later and delivers nothing twice", async () => {
    const ids = await items("C0BURST002", 12);
    const clock = new TestClock();
    let limited = false;
    const { w, delivered } = groupingWorker(clock, (part) => {
      if (part !== 2 || limited) return undefined;
      limited = true;
      return new RetryLater("Slack rate limit", 30_000, true);
    });
    await w.drain();
    expect(delivered.flatMap((d) => d.ids)).toEqual(ids.slice(0, 5));
    const waiting = await database.current.prisma.outboxMessage.findMany({
      where: { status: "PENDING" },
    });
    expect(waiting).toHaveLength(7);
    expect(waiting.every((m) => m.availableAt.getTime() === clock.time + 30_000)).toBe(true);

    clock.advance(30_000);
    await w.drain();
    const all = delivered.flatMap((d) => d.ids);
    expect(all).toEqual(ids);
    expect(delivered.slice(1).map((d) => d.total)).toEqual([7, 7]);
  });

  it("keeps gathering a list while the first burst of it is being delivered", async () => {
    // Found by bench:burst (#13): the rows of a burst being delivered counted as cards that
    // had waited long enough, so every later card of the list went out in a small burst of its
    // own as soon as five were due (68 summaries for 500 leads instead of 22).
    const clock = new TestClock();
    const db = database.current;
    const arriving = () =>
      groupStillArriving(db, {
        kind: "test.item",
        waitFor: ["test.make"],
        now: clock.now(),
        maxWaitMs: 3000,
      });
    await enqueue("test.make", {}, {}, clock.now());
    for (let i = 0; i < 6; i++) {
      await enqueue("test.item", { i }, { target: "C0LIST0001" }, new Date(clock.time - 5000));
    }
    expect(await arriving()).toBe(false);
    const first = await leaseBurst(db, {
      kind: "test.item",
      threshold: 5,
      worker: "w-first",
      now: clock.now(),
      leaseMs: 30_000,
      limit: 100,
    });
    expect(first).toHaveLength(6);
    for (let i = 6; i < 12; i++) {
      await enqueue("test.item", { i }, { target: "C0LIST0001" }, clock.now());
    }
    expect(await arriving()).toBe(true);
    clock.advance(3000);
    expect(await arriving()).toBe(false);
  });

  it("lets two workers share a burst without delivering any message twice", async () => {
    const ids = await items("C0BURST003", 60);
    const clock = new TestClock();
    const [a, b] = [groupingWorker(clock), groupingWorker(clock)];
    await Promise.all([a.w.drain(), b.w.drain()]);
    const all = [...a.delivered, ...b.delivered].flatMap((d) => d.ids);
    expect(all.sort()).toEqual([...ids].sort());
  });
});

describe("outbox worker coalesced groups (the marketing feed)", () => {
  it("keeps one delivery per target out per worker; lines due meanwhile go in the next, once, across workers", async () => {
    const clock = new TestClock();
    const db = database.current;
    const delivered: { worker: string; ids: bigint[] }[] = [];
    const out = new Map<string, number>();
    let mostOut = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const make = (name: string) =>
      new OutboxWorker({
        db,
        logger,
        clock,
        pollMs: 20,
        handlers: {
          "test.line": async () => {
            throw new Error("a coalesced kind is never delivered alone");
          },
        },
        groups: [
          {
            kind: "test.line",
            threshold: () => 1,
            coalesce: true,
            max: 100,
            partSize: 4,
            deliver: async (part) => {
              out.set(name, (out.get(name) ?? 0) + 1);
              mostOut = Math.max(mostOut, ...out.values());
              await gate;
              delivered.push({ worker: name, ids: part.map((row) => row.id) });
              out.set(name, out.get(name)! - 1);
            },
          },
        ],
      });
    const lines = async (count: number) => {
      await db.prisma.outboxMessage.createMany({
        data: Array.from({ length: count }, (_, i) => ({
          kind: "test.line",
          payload: { i },
          target: "C0MKTFEED1",
          availableAt: new Date(clock.time),
        })),
      });
    };
    const until = async (done: () => boolean) => {
      while (!done()) await new Promise((resolve) => setTimeout(resolve, 10));
    };
    const outNow = () => [...out.values()].reduce((a, b) => a + b, 0);

    await lines(1);
    const a = make("a");
    const b = make("b");
    a.start();
    b.start();
    // One worker's first message is out (held at "Slack"); nine lines come due: the other
    // worker takes them all (parts of 4); then five more, which wait for a worker to be free.
    await until(() => outNow() === 1);
    await lines(9);
    await until(() => outNow() === 2);
    await lines(5);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await db.prisma.outboxMessage.count({ where: { lockedBy: null } })).toBe(5);
    release();
    await until(() => delivered.flatMap((d) => d.ids).length >= 15);
    await Promise.all([a.stop(), b.stop()]);

    const ids = (await db.prisma.outboxMessage.findMany({ orderBy: { id: "asc" } })).map(
      (row) => row.id,
    );
    const all = delivered.flatMap((d) => d.ids);
    expect([...all].sort((x, y) => (x < y ? -1 : 1))).toEqual(ids);
    expect(new Set(all).size).toBe(15);
    // 1, then 9 as 4 + 4 + 1, then 5 as 4 + 1: six messages for fifteen lines.
    expect(delivered.map((d) => d.ids.length).sort()).toEqual([1, 1, 1, 4, 4, 4]);
    expect(delivered.every((d) => d.ids.every((id, i) => i === 0 || id > d.ids[i - 1]!))).toBe(
      true,
    );
    expect(mostOut).toBe(1);
    expect(await db.prisma.outboxMessage.count({ where: { status: "DONE" } })).toBe(15);
  });
});
