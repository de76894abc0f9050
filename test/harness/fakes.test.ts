// The fakes must not lie: the real clients are driven against them here.
import { LogLevel, WebClient } from "@slack/web-api";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeOpenAI, startFakeOpenAI } from "#test/fakes/fake-openai.ts";
import { type FakeSlack, startFakeSlack } from "#test/fakes/fake-slack.ts";

let slack: FakeSlack;
let openai: FakeOpenAI;
beforeAll(async () => {
  slack = await startFakeSlack();
  openai = await startFakeOpenAI();
});
afterAll(async () => {
  await slack.close();
  await openai.close();
});

describe("fake Slack with the real WebClient", () => {
  it("posts, updates and shows what is visible in a channel", async () => {
    const client = new WebClient("xoxb-1-test", { slackApiUrl: slack.url });
    const posted = await client.chat.postMessage({
      channel: "C0TEST0001",
      text: "hello",
      blocks: [{ type: "section", text: { type: "mrkdwn", text: "hi" } }],
    });
    await client.chat.update({ channel: "C0TEST0001", ts: posted.ts!, text: "edited" });
    expect(slack.visible("C0TEST0001")).toEqual([
      expect.objectContaining({ ts: posted.ts, text: "edited" }),
    ]);
    expect(slack.callsTo("chat.postMessage")[0]?.args.blocks).toEqual([
      { type: "section", text: { type: "mrkdwn", text: "hi" } },
    ]);
  });

  it("refuses blocks over Slack's limits the way Slack does", async () => {
    const client = new WebClient("xoxb-1-test", { slackApiUrl: slack.url });
    const tooMany = Array.from({ length: 51 }, () => ({
      type: "section",
      text: { type: "mrkdwn", text: "x" },
    }));
    await expect(
      client.chat.postMessage({ channel: "C0TEST0009", text: "x", blocks: tooMany }),
    ).rejects.toMatchObject({ data: { error: "invalid_blocks" } });
    await expect(
      client.views.publish({
        user_id: "U0TEST",
        view: {
          type: "home",
          blocks: [{ type: "header", text: { type: "plain_text", text: "h".repeat(151) } }],
        },
      }),
    ).rejects.toMatchObject({ data: { error: "invalid_blocks" } });
    expect(slack.visible("C0TEST0009")).toEqual([]);
  });

  it("answers 429 with Retry-After, which WebClient honours before retrying", async () => {
    const client = new WebClient("xoxb-1-test", {
      slackApiUrl: slack.url,
      retryConfig: { retries: 1, minTimeout: 10, maxTimeout: 20 },
      // The client tells of the retry at info and warn level; the test reads the outcome.
      logLevel: LogLevel.ERROR,
    });
    slack.fail("chat.postMessage", { status: 429, retryAfter: 1 });
    const started = Date.now();
    const result = await client.chat.postMessage({
      channel: "C0TEST0002",
      text: "after the limit",
    });
    expect(result.ok).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it("can refuse rate-limited calls for the client to handle", async () => {
    const client = new WebClient("xoxb-1-test", {
      slackApiUrl: slack.url,
      rejectRateLimitedCalls: true,
    });
    slack.fail("chat.postMessage", { status: 429, retryAfter: 7 });
    await expect(
      client.chat.postMessage({ channel: "C0TEST0003", text: "x" }),
    ).rejects.toMatchObject({ code: "slack_webapi_rate_limited_error", retryAfter: 7 });
  });

  it("returns Slack's platform errors", async () => {
    const client = new WebClient("xoxb-1-test", { slackApiUrl: slack.url });
    await expect(
      client.chat.update({ channel: "C0TEST0004", ts: "1.1", text: "x" }),
    ).rejects.toMatchObject({ data: { error: "message_not_found" } });
  });
});

describe("fake Slack limits, uploads and chaos", () => {
  it("completes files.uploadV2 end to end", async () => {
    const client = new WebClient("xoxb-1-test", { slackApiUrl: slack.url });
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255]);
    await client.files.uploadV2({
      channel_id: "C0TEST0005",
      file: png,
      filename: "chart.png",
      title: "Funnel",
      initial_comment: "Weekly digest",
    });
    expect(slack.uploads).toEqual([
      expect.objectContaining({
        filename: "chart.png",
        bytes: 8,
        channel: "C0TEST0005",
        title: "Funnel",
        initialComment: "Weekly digest",
      }),
    ]);
  });

  it("limits each channel like Slack, with bursts, and counts refused calls", async () => {
    slack.setRateLimit({ method: "chat.postMessage", perSecond: 1, burst: 3 });
    const client = new WebClient("xoxb-1-test", {
      slackApiUrl: slack.url,
      rejectRateLimitedCalls: true,
    });
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () =>
        client.chat.postMessage({ channel: "C0BURST001", text: "x" }),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(3);
    expect(slack.overLimit()).toBe(2);
    // Another channel has its own bucket.
    await expect(
      client.chat.postMessage({ channel: "C0BURST002", text: "x" }),
    ).resolves.toMatchObject({ ok: true });
    slack.setRateLimit(undefined);
  });

  it("injects the same faults for the same seed", async () => {
    const client = new WebClient("xoxb-1-test", {
      slackApiUrl: slack.url,
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
    });
    const run = async () => {
      slack.chaos({ probability: 0.3, seed: 7, kinds: ["ratelimited", "server_error"] });
      const outcomes: string[] = [];
      for (let i = 0; i < 20; i++) {
        outcomes.push(
          await client.auth.test().then(
            () => "ok",
            (e: { code: string }) => e.code,
          ),
        );
      }
      slack.chaos(undefined);
      return outcomes;
    };
    const first = await run();
    expect(first.filter((o) => o !== "ok").length).toBeGreaterThan(0);
    expect(await run()).toEqual(first);
  });
});

describe("fake OpenAI with the real openai client", () => {
  it("answers chat completions", async () => {
    openai.respondWith((body) => `echo ${(body.messages as { content: string }[])[0]?.content}`);
    const client = new OpenAI({ apiKey: "sk-test-123456789", baseURL: openai.url });
    const completion = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(completion.choices[0]?.message.content).toBe("echo hi");
    expect(openai.requests.at(-1)?.apiKey).toBe("sk-test-123456789");
  });

  it("times out when slow, and surfaces server errors", async () => {
    const client = new OpenAI({
      apiKey: "sk-test-123456789",
      baseURL: openai.url,
      timeout: 200,
      maxRetries: 0,
    });
    openai.delay(1000);
    await expect(
      client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] }),
    ).rejects.toThrow(/timed out/i);
    openai.delay(0);
    openai.fail(500);
    await expect(
      client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] }),
    ).rejects.toMatchObject({ status: 500 });
  });
});
