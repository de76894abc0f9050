import { describe, expect, it } from "vitest";
import { useFakeSlack } from "#test/fakes/fake-slack.ts";
import { createSlackRequester, signature } from "#test/fakes/slack-requests.ts";
import { BOT_TOKEN, SIGNING_SECRET, useTestApp } from "#test/setup/app.ts";
import { useTestDatabase } from "#test/setup/database.ts";

const fakeSlack = useFakeSlack();

const database = useTestDatabase();
const logLines: string[] = [];
const app = useTestApp(() => ({
  db: database.current,
  slackApiUrl: fakeSlack.current.url,
  logLines,
}));
const slackRequests = () =>
  createSlackRequester({ url: `${app.current.url}/slack/events`, signingSecret: SIGNING_SECRET });

describe("Baton in HTTP mode", () => {
  it("checked its bot token with auth.test at start", () => {
    const [check] = fakeSlack.current.callsTo("auth.test");
    expect(check?.token).toBe(BOT_TOKEN);
  });

  it("acks a signed /leads help at once and answers through the response URL", async () => {
    const responseUrl = fakeSlack.current.responseUrl();
    const ack = await slackRequests().slashCommand({ text: "help", response_url: responseUrl });
    expect(ack.status).toBe(200);
    const answer = await fakeSlack.current.waitFor(() =>
      fakeSlack.current.responses.find((r) => responseUrl.endsWith(`/${r.id}`)),
    );
    expect(answer.body).toMatchObject({ response_type: "ephemeral" });
    expect(JSON.stringify(answer.body.blocks)).toContain("/leads help");
    expect(JSON.stringify(answer.body.blocks)).toContain("/leads reload");
  });

  it("answers an unknown subcommand with the help and escapes what the user typed", async () => {
    const responseUrl = fakeSlack.current.responseUrl();
    await slackRequests().slashCommand({ text: "<!channel> now", response_url: responseUrl });
    const answer = await fakeSlack.current.waitFor(() =>
      fakeSlack.current.responses.find((r) => responseUrl.endsWith(`/${r.id}`)),
    );
    const text = JSON.stringify(answer.body.blocks);
    expect(text).toContain("&lt;!channel&gt;");
    expect(text).not.toContain("<!channel>");
  });

  it("refuses /leads reload to someone who is not an admin, ephemerally", async () => {
    const responseUrl = fakeSlack.current.responseUrl();
    await slackRequests().slashCommand({
      text: "reload",
      user_id: "U0NOTADMIN",
      response_url: responseUrl,
    });
    const answer = await fakeSlack.current.waitFor(() =>
      fakeSlack.current.responses.find((r) => responseUrl.endsWith(`/${r.id}`)),
    );
    expect(answer.body).toMatchObject({
      response_type: "ephemeral",
      text: expect.stringMatching(/Only Baton admins/),
    });
  });

  it("rejects forged and stale signatures with 401 without running a handler", async () => {
    const before = fakeSlack.current.responses.length;
    const body = new URLSearchParams({
      command: "/leads",
      text: "help",
      response_url: fakeSlack.current.responseUrl(),
    }).toString();
    const now = Math.floor(Date.now() / 1000);
    const forged = await slackRequests().raw(body, {
      "content-type": "application/x-www-form-urlencoded",
      "x-slack-request-timestamp": String(now),
      "x-slack-signature": signature("not-the-secret", now, body),
    });
    expect(forged.status).toBe(401);
    const stale = await slackRequests().raw(body, {
      "content-type": "application/x-www-form-urlencoded",
      ...slackRequests().sign(body, now - 10 * 60),
    });
    expect(stale.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(fakeSlack.current.responses.length).toBe(before);
  });

  it("handles a retried event once", async () => {
    const event = {
      type: "app_mention",
      user: "U0REP00001",
      text: "hi",
      ts: "1.2",
      channel: "C0INB00001",
      event_ts: "1.2",
    };
    expect((await slackRequests().event(event, { eventId: "Ev0DUPLICATE" })).status).toBe(200);
    expect(
      (await slackRequests().event(event, { eventId: "Ev0DUPLICATE", retryNum: 1 })).status,
    ).toBe(200);
    expect(
      await database.current.prisma.processedEvent.count({ where: { id: "Ev0DUPLICATE" } }),
    ).toBe(1);
    await fakeSlack.current.waitFor(() =>
      logLines.some((line) => line.includes("duplicate Slack event ignored")),
    );
  });

  it("is healthy and ready, and serves Prometheus metrics", async () => {
    const health = await fetch(`${app.current.url}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${app.current.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: "ready",
      checks: { database: { ok: true }, migrations: { ok: true }, slack: { ok: true } },
    });
    const metrics = await (await fetch(`${app.current.url}/metrics`)).text();
    expect(metrics).toContain(
      'baton_http_requests_total{route="/healthz",method="GET",status="200",app="baton"} 1',
    );
    expect(metrics).toContain("baton_process_cpu_user_seconds_total");
  });

  it("never logs the bot token or the signing secret", () => {
    const all = logLines.join("");
    expect(all.length).toBeGreaterThan(0);
    expect(all).not.toContain(BOT_TOKEN);
    expect(all).not.toContain(SIGNING_SECRET);
  });
});

describe("the running app's outbox", () => {
  it("delivers queued Slack messages in the background", async () => {
    await database.current.prisma.outboxMessage.create({
      data: {
        kind: "slack.post",
        payload: { channel: "C0OUTBOX01", text: "queued" },
        target: "C0OUTBOX01",
      },
    });
    app.current.outbox.wake();
    const [message] = await fakeSlack.current.waitFor(() => {
      const visible = fakeSlack.current.visible("C0OUTBOX01");
      return visible.length ? visible : undefined;
    });
    expect(message?.text).toBe("queued");
  });
});
