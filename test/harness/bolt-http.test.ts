// A real Bolt App in HTTP mode on a free port, its client pointed at the fake Slack, driven by
// signed requests: Bolt's signature check, ack, routing and respond() run for real.
import type { AddressInfo } from "node:net";
import { App, LogLevel } from "@slack/bolt";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeSlack, startFakeSlack } from "#test/support/fake-slack.ts";
import {
  buildAppHomeOpened,
  buildButtonAction,
  buildSlashCommand,
  buildUserChange,
  buildViewClosed,
  buildViewSubmission,
  plainTextInput,
  staticSelect,
} from "#test/support/slack-payloads.ts";
import { createSlackRequester, type SlackRequester } from "#test/support/slack-requests.ts";

const SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";

let slack: FakeSlack;
let app: App;
let requester: SlackRequester;
const handled: string[] = [];

beforeAll(async () => {
  slack = await startFakeSlack({ users: [{ id: "U0REP00001", realName: "Rep One" }] });
  app = new App({
    signingSecret: SIGNING_SECRET,
    token: "xoxb-1-test",
    clientOptions: { slackApiUrl: slack.url },
    logLevel: LogLevel.ERROR,
  });
  app.command("/leads", async ({ ack, respond, command }) => {
    await ack();
    handled.push(`/leads ${command.text}`);
    // Slow work after ack: the HTTP answer has gone already.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await respond({ text: `You asked for ${command.text}` });
  });
  app.action("claim", async ({ ack, respond, body }) => {
    await ack();
    handled.push(`claim by ${body.user.id}`);
    await respond({ replace_original: true, text: `Claimed by <@${body.user.id}>` });
  });
  app.view("disqualify", async ({ ack, view }) => {
    const note = view.state.values.note?.note_input?.value ?? "";
    handled.push(`disqualify ${view.state.values.reason?.reason_select?.selected_option?.value}`);
    if (note.length < 3) {
      await ack({ response_action: "errors", errors: { note: "Say why in a few words." } });
      return;
    }
    await ack();
  });
  app.view({ type: "view_closed", callback_id: "disqualify" }, async ({ ack, body }) => {
    await ack();
    handled.push(`closed cleared=${body.type === "view_closed" && body.is_cleared}`);
  });
  app.event("app_home_opened", async ({ event, client, context }) => {
    handled.push(`home ${event.user} retry ${context.retryNum ?? 0}`);
    await client.views.publish({ user_id: event.user, view: { type: "home", blocks: [] } });
  });
  app.event("user_change", async ({ event }) => {
    handled.push(`user_change ${event.user.id} deleted=${event.user.deleted}`);
  });
  // HTTPReceiver listens on whatever app.start() is given: port 0 and 127.0.0.1 work.
  const server = await app.start({ port: 0, host: "127.0.0.1" });
  const { port } = server.address() as AddressInfo;
  requester = createSlackRequester({
    url: `http://127.0.0.1:${port}/slack/events`,
    signingSecret: SIGNING_SECRET,
    fakeSlack: slack,
  });
});

afterAll(async () => {
  await app.stop();
  await slack.close();
});

beforeEach(() => {
  handled.length = 0;
});

describe("a signed slash command", () => {
  it("is acked with 200 before the handler's slow work, and respond() reaches the response URL", async () => {
    const response = await requester.slashCommand({ text: "mine" });
    expect(response).toMatchObject({ status: 200, text: "" });
    expect(slack.responses.filter((r) => response.responseUrl?.endsWith(r.id))).toEqual([]);

    const answer = await slack.waitForResponse(response.responseUrl);
    expect(answer.body).toEqual({ text: "You asked for mine" });
    expect(handled).toEqual(["/leads mine"]);
    // Bolt checked the bot token against the fake with auth.test.
    expect(slack.callsTo("auth.test")[0]?.response).toMatchObject({ ok: true });
  });
});

describe("Bolt's signature check", () => {
  it("refuses a forged signature with 401, and the handler never runs", async () => {
    const response = await requester.slashCommand(
      { text: "forged" },
      { signingSecret: "not-the-secret" },
    );
    expect(response.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(handled).toEqual([]);
  });

  it("refuses a timestamp older than 5 minutes, even correctly signed", async () => {
    const stale = Math.floor(Date.now() / 1000) - 5 * 60 - 5;
    const response = await requester.slashCommand({ text: "stale" }, { timestamp: stale });
    expect(response.status).toBe(401);
    const fresh = Math.floor(Date.now() / 1000) - 4 * 60;
    await expect(
      requester.slashCommand({ text: "fresh" }, { timestamp: fresh }),
    ).resolves.toMatchObject({
      status: 200,
    });
    // Bolt only checks staleness: a timestamp from the future passes.
    const future = Math.floor(Date.now() / 1000) + 60 * 60;
    await expect(
      requester.slashCommand({ text: "future" }, { timestamp: future }),
    ).resolves.toMatchObject({
      status: 200,
    });
    await slack.waitFor(
      () => handled.includes("/leads fresh") && handled.includes("/leads future"),
    );
    expect(handled).not.toContain("/leads stale");
  });

  it("refuses unsigned or tampered bodies", async () => {
    const body = new URLSearchParams(buildSlashCommand({ text: "unsigned" })).toString();
    const form = { "content-type": "application/x-www-form-urlencoded" };
    expect((await requester.raw(body, form)).status).toBe(401);
    const signed = requester.sign(body);
    expect((await requester.raw(`${body}&text=tampered`, { ...form, ...signed })).status).toBe(401);
    expect((await requester.raw(body, { ...form, ...signed })).status).toBe(200);
  });

  it("answers Slack's url_verification challenge", async () => {
    await expect(requester.urlVerification("c-123")).resolves.toMatchObject({
      status: 200,
      body: { challenge: "c-123" },
    });
  });
});

describe("interactivity and events", () => {
  it("a button click on a posted card replaces it through respond()", async () => {
    const posted = await app.client.chat.postMessage({ channel: "C0SALES001", text: "New lead" });
    const card = slack.visible("C0SALES001").find((m) => m.ts === posted.ts)!;
    const response = await requester.blockAction(
      buildButtonAction({
        actionId: "claim",
        value: "lead-1",
        userId: "U0REP00001",
        message: card,
      }),
    );
    expect(response.status).toBe(200);
    await slack.waitForResponse(response.responseUrl);
    expect(slack.visible("C0SALES001")).toEqual([
      expect.objectContaining({ ts: posted.ts, text: "Claimed by <@U0REP00001>" }),
    ]);
  });

  it("a modal submission gets its field errors back in the HTTP answer", async () => {
    const submission = (note: string) =>
      buildViewSubmission({
        callbackId: "disqualify",
        privateMetadata: '{"leadId":"L1"}',
        values: {
          reason: { reason_select: staticSelect("budget", "No budget") },
          note: { note_input: plainTextInput(note) },
        },
      });
    await expect(requester.viewSubmission(submission("x"))).resolves.toMatchObject({
      status: 200,
      body: { response_action: "errors", errors: { note: "Say why in a few words." } },
    });
    await expect(
      requester.viewSubmission(submission("no budget this year")),
    ).resolves.toMatchObject({
      status: 200,
      text: "",
    });
    await expect(
      requester.viewClosed(buildViewClosed({ callbackId: "disqualify" })),
    ).resolves.toMatchObject({
      status: 200,
    });
    expect(handled).toEqual(["disqualify budget", "disqualify budget", "closed cleared=false"]);
  });

  it("events arrive in their envelope, retries carry their number, and the client reaches the fake", async () => {
    await expect(
      requester.event(buildAppHomeOpened({ userId: "U0REP00001" })),
    ).resolves.toMatchObject({
      status: 200,
    });
    await requester.event(buildAppHomeOpened({ userId: "U0REP00001" }), { retryNum: 1 });
    await requester.event(buildUserChange({ id: "U0REP00001", deleted: true }));
    await slack.waitFor("views.publish", { count: 2 });
    await slack.waitFor(() => handled.length === 3);
    expect(handled.sort()).toEqual([
      "home U0REP00001 retry 0",
      "home U0REP00001 retry 1",
      "user_change U0REP00001 deleted=true",
    ]);
    expect(slack.homeView("U0REP00001")).toMatchObject({ type: "home" });
  });
});
