// Faults and rate limits of the fake Slack, as the real WebClient experiences them: what it
// retries, how long it waits, and which error reaches the caller.
import { ErrorCode, LogLevel, type RetryOptions, WebClient, WebClientEvent } from "@slack/web-api";
import { beforeEach, describe, expect, it } from "vitest";
import { useFakeSlack } from "#test/support/fake-slack.ts";
import { FaultRules } from "#test/support/faults.ts";

const slack = useFakeSlack();

const client = (
  options: { retryConfig?: RetryOptions; rejectRateLimitedCalls?: boolean; timeout?: number } = {},
) =>
  new WebClient("xoxb-1-test", {
    slackApiUrl: slack.current.url,
    logLevel: LogLevel.ERROR,
    // WebClient's default is 10 retries over about 30 minutes: tests say what they want.
    retryConfig: { retries: 0 },
    ...options,
  });
const noBackoff = { minTimeout: 0, maxTimeout: 0 };

beforeEach(() => slack.current.reset());

describe("429 ratelimited", () => {
  it("sends Retry-After, which WebClient waits out before retrying", async () => {
    const web = client({ retryConfig: { retries: 1, ...noBackoff } });
    const rateLimited: number[] = [];
    web.on(WebClientEvent.RATE_LIMITED, (seconds: number) => rateLimited.push(seconds));
    slack.current.fail("chat.postMessage", { status: 429, retryAfter: 1 });

    const started = performance.now();
    const result = await web.chat.postMessage({ channel: "C0TEST0001", text: "after the limit" });
    expect(result.ok).toBe(true);
    expect(performance.now() - started).toBeGreaterThanOrEqual(990);
    expect(rateLimited).toEqual([1]);
    expect(slack.current.calls.map((c) => [c.status, c.fault])).toEqual([
      [429, "ratelimited"],
      [200, undefined],
    ]);
    expect(slack.current.visible("C0TEST0001")).toHaveLength(1);
  });

  it("with rejectRateLimitedCalls, reaches the caller at once as WebAPIRateLimitedError", async () => {
    const web = client({ rejectRateLimitedCalls: true });
    slack.current.fail("chat.postMessage", { status: 429, retryAfter: 7 });
    const started = performance.now();
    await expect(web.chat.postMessage({ channel: "C0TEST0001", text: "x" })).rejects.toMatchObject({
      code: ErrorCode.RateLimitedError,
      retryAfter: 7,
    });
    expect(performance.now() - started).toBeLessThan(5000);
    expect(slack.current.calls).toHaveLength(1);
  });

  it("without retries left, WebClient still waits Retry-After, then fails as a request error", async () => {
    const web = client();
    slack.current.fail("chat.postMessage", { status: 429, retryAfter: 1 });
    const started = performance.now();
    await expect(web.chat.postMessage({ channel: "C0TEST0001", text: "x" })).rejects.toMatchObject({
      code: ErrorCode.RequestError,
      original: { message: expect.stringMatching(/rate limit was exceeded/) },
    });
    expect(performance.now() - started).toBeGreaterThanOrEqual(990);
  });
});

describe("HTTP errors, resets and slow answers", () => {
  it("5xx is retried by WebClient, and surfaces as WebAPIHTTPError when retries run out", async () => {
    slack.current.fail("chat.postMessage", { status: 503 });
    await expect(
      client({ retryConfig: { retries: 1, ...noBackoff } }).chat.postMessage({
        channel: "C0TEST0001",
        text: "x",
      }),
    ).resolves.toMatchObject({ ok: true });

    slack.current.fail("chat.postMessage", { status: 500 });
    await expect(
      client().chat.postMessage({ channel: "C0TEST0001", text: "x" }),
    ).rejects.toMatchObject({
      code: ErrorCode.HTTPError,
      statusCode: 500,
    });
  });

  it("a connection reset is a request error, retried like 5xx", async () => {
    slack.current.inject({ kind: "reset", method: "auth.test" });
    await expect(client().auth.test()).rejects.toMatchObject({ code: ErrorCode.RequestError });
    expect(slack.current.calls[0]).toMatchObject({ status: 0, fault: "reset" });

    slack.current.inject({ kind: "reset", method: "auth.test" });
    await expect(
      client({ retryConfig: { retries: 1, ...noBackoff } }).auth.test(),
    ).resolves.toMatchObject({
      ok: true,
    });
  });

  it("a slow answer times WebClient out, yet the message is posted: a retry would duplicate it", async () => {
    slack.current.inject({ kind: "slow", method: "chat.postMessage", delayMs: 400 });
    await expect(
      client({ timeout: 100 }).chat.postMessage({ channel: "C0TEST0001", text: "slow" }),
    ).rejects.toMatchObject({ code: ErrorCode.RequestError });
    const call = await slack.current.waitFor("chat.postMessage");
    expect(call).toMatchObject({ status: 200, fault: "slow", response: { ok: true } });
    expect(slack.current.visible("C0TEST0001")).toHaveLength(1);
  });

  it("Slack errors hit by channel, for the next N calls, until cancelled", async () => {
    const web = client();
    const fault = slack.current.inject({
      kind: "slack_error",
      error: "not_in_channel",
      channel: "C0PRIVATE1",
      times: 2,
    });
    const post = (channel: string) =>
      web.chat.postMessage({ channel, text: "x" }).then(
        () => "ok",
        (error: { data?: { error?: string } }) => error.data?.error,
      );
    expect([
      await post("C0PRIVATE1"),
      await post("C0OTHER001"),
      await post("C0PRIVATE1"),
      await post("C0PRIVATE1"),
    ]).toEqual(["not_in_channel", "ok", "not_in_channel", "ok"]);
    expect(fault).toMatchObject({ hits: 2, remaining: 0 });

    const forever = slack.current.inject({
      kind: "slack_error",
      method: "auth.test",
      times: Number.POSITIVE_INFINITY,
    });
    await expect(web.auth.test()).rejects.toMatchObject({ data: { error: "internal_error" } });
    forever.cancel();
    await expect(web.auth.test()).resolves.toMatchObject({ ok: true });
  });

  it("faults reach response URLs and the file upload URL too", async () => {
    slack.current.inject({ kind: "http_error", method: "response_url", status: 404 });
    const response = await fetch(slack.current.responseUrl(), { method: "POST", body: "{}" });
    expect(response.status).toBe(404);

    slack.current.inject({ kind: "http_error", method: "file_upload" });
    await expect(
      client().files.uploadV2({
        channel_id: "C0TEST0001",
        content: "a,b\n1,2",
        filename: "leads.csv",
      }),
    ).rejects.toMatchObject({ code: ErrorCode.HTTPError, statusCode: 500 });
  });
});

describe("per-channel rate limit (token bucket)", () => {
  it("lets a burst through, answers 429 beyond it, counts refused calls, per channel", async () => {
    slack.current.setRateLimit({ perSecond: 10, burst: 3 });
    const web = client({ rejectRateLimitedCalls: true });
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) =>
        web.chat.postMessage({ channel: "C0BURST001", text: `${i}` }),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(3);
    expect(results.filter((r) => r.status === "rejected").map((r) => r.reason)).toEqual([
      expect.objectContaining({ code: ErrorCode.RateLimitedError, retryAfter: 1 }),
      expect.objectContaining({ code: ErrorCode.RateLimitedError, retryAfter: 1 }),
    ]);
    expect(slack.current.overLimit()).toBe(2);
    expect(slack.current.overLimit("C0BURST001")).toBe(2);
    expect(
      slack.current.callsTo("chat.postMessage").filter((c) => c.fault === "rate_limit"),
    ).toHaveLength(2);

    // Another channel has its own bucket; this one refills at perSecond.
    await expect(web.chat.postMessage({ channel: "C0BURST002", text: "x" })).resolves.toMatchObject(
      { ok: true },
    );
    await new Promise((resolve) => setTimeout(resolve, 150));
    await expect(web.chat.postMessage({ channel: "C0BURST001", text: "x" })).resolves.toMatchObject(
      { ok: true },
    );
    // Other methods are not limited.
    await expect(
      web.chat.update({
        channel: "C0BURST001",
        ts: slack.current.visible("C0BURST001")[0]!.ts,
        text: "y",
      }),
    ).resolves.toMatchObject({ ok: true });
  });

  it("a WebClient that honours Retry-After gets every message through, later", async () => {
    slack.current.setRateLimit({ perSecond: 1, burst: 1 });
    const web = client({ retryConfig: { retries: 3, ...noBackoff } });
    const started = performance.now();
    await Promise.all(
      [1, 2].map((i) => web.chat.postMessage({ channel: "C0BURST003", text: `${i}` })),
    );
    expect(slack.current.visible("C0BURST003")).toHaveLength(2);
    expect(slack.current.overLimit("C0BURST003")).toBeGreaterThanOrEqual(1);
    expect(performance.now() - started).toBeGreaterThanOrEqual(990);
  });
});

describe("seeded fault probability", () => {
  const outcomes = async (seed: number) => {
    slack.current.reset();
    slack.current.inject({ kind: "slack_error", error: "fatal_error", probability: 0.3, seed });
    const web = client();
    const results: string[] = [];
    for (let i = 0; i < 40; i++) {
      results.push(
        await web.auth.test().then(
          () => "ok",
          () => "fault",
        ),
      );
    }
    return results.join(" ");
  };

  it("hits the same calls for the same seed, and others for another", async () => {
    const first = await outcomes(42);
    expect(await outcomes(42)).toBe(first);
    expect(await outcomes(43)).not.toBe(first);
    const hits = first.split(" ").filter((o) => o === "fault").length;
    expect(hits).toBeGreaterThan(4);
    expect(hits).toBeLessThan(20);
  });

  it("draws per rule, so adding a rule for another method does not shift the first", () => {
    const alone = new FaultRules(7);
    alone.add({ kind: "slack_error", method: "chat.postMessage", probability: 0.5 });
    const mixed = new FaultRules(7);
    mixed.add({ kind: "slack_error", method: "chat.postMessage", probability: 0.5 });
    mixed.add({ kind: "http_error", method: "chat.update", probability: 0.5 });
    const run = (rules: FaultRules, interleave: boolean) =>
      Array.from({ length: 30 }, () => {
        if (interleave) rules.pick("chat.update", "C1");
        return rules.pick("chat.postMessage", "C1") ? 1 : 0;
      }).join("");
    expect(run(mixed, true)).toBe(run(alone, false));
  });
});
