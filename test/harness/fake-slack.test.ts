// The fake Slack must not lie: the real WebClient is driven against it here.
import { LogLevel, WebClient } from "@slack/web-api";
import { beforeEach, describe, expect, it } from "vitest";
import { useFakeSlack } from "#test/support/fake-slack.ts";
import { TEST_WORKSPACE } from "#test/support/slack-fixtures.ts";

const slack = useFakeSlack({
  users: [
    { id: "U0PRIYA001", realName: "Priya Shah", email: "Priya@Example.com", tz: "Europe/Paris" },
    { id: "U0GONE0001", realName: "Gone Rep", deleted: true },
  ],
  channels: [
    { id: "C0SALES001", name: "sales" },
    { id: "C0GHOST001", name: "ghost", missing: true },
  ],
});

/** What WebClient logs (it logs Slack's "[ERROR] ..." response messages at error level). */
const logged: string[] = [];
const logger = {
  debug: () => {},
  info: () => {},
  warn: (...msg: unknown[]) => void logged.push(msg.join(" ")),
  error: (...msg: unknown[]) => void logged.push(msg.join(" ")),
  setLevel: () => {},
  getLevel: () => LogLevel.WARN,
  setName: () => {},
};
const client = (token = "xoxb-1-test") =>
  new WebClient(token, { slackApiUrl: slack.current.url, logger });

beforeEach(() => {
  slack.current.reset();
  logged.length = 0;
});

describe("messages", () => {
  it("posts, updates, deletes and shows what is visible in a channel", async () => {
    const web = client();
    const blocks = [{ type: "section", text: { type: "mrkdwn", text: "*hi* [1,2]" } }];
    const first = await web.chat.postMessage({ channel: "C0SALES001", text: "[1,2]", blocks });
    const second = await web.chat.postMessage({ channel: "C0SALES001", text: "second" });
    expect(first.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(Number(second.ts)).toBeGreaterThan(Number(first.ts));
    expect(first.message).toMatchObject({ text: "[1,2]", bot_id: TEST_WORKSPACE.botId, blocks });

    await web.chat.update({ channel: "C0SALES001", ts: first.ts!, text: "edited" });
    await web.chat.delete({ channel: "C0SALES001", ts: second.ts! });

    const visible = slack.current.visible("C0SALES001");
    expect(visible).toHaveLength(1);
    // An update that leaves blocks out keeps them, as in Slack.
    expect(visible[0]).toMatchObject({ ts: first.ts, text: "edited", blocks, edited: {} });

    const posted = slack.current.callsTo("chat.postMessage")[0]!;
    expect(posted.args.blocks).toEqual(blocks);
    expect(posted.args.text).toBe("[1,2]");
    expect(posted.token).toBe("xoxb-1-test");
    expect(posted.contentType).toBe("application/x-www-form-urlencoded");
    expect(posted.response).toMatchObject({ ok: true, ts: first.ts });
  });

  it("keeps thread replies with their thread_ts and counts them on the parent", async () => {
    const web = client();
    const parent = await web.chat.postMessage({ channel: "C0SALES001", text: "card" });
    await web.chat.postMessage({ channel: "C0SALES001", text: "reply", thread_ts: parent.ts! });
    expect(slack.current.thread("C0SALES001", parent.ts!)).toEqual([
      expect.objectContaining({ text: "reply", thread_ts: parent.ts }),
    ]);
    expect(slack.current.visible("C0SALES001")[0]).toMatchObject({ reply_count: 1 });
    const link = await web.chat.getPermalink({ channel: "C0SALES001", message_ts: parent.ts! });
    expect(link.permalink).toBe(
      `https://baton-test.slack.com/archives/C0SALES001/p${parent.ts!.replace(".", "")}`,
    );
  });

  it("posts to a user id in the bot's DM, and ephemerals stay out of the channel", async () => {
    const web = client();
    const dm = await web.conversations.open({ users: "U0PRIYA001" });
    const posted = await web.chat.postMessage({ channel: "U0PRIYA001", text: "a lead for you" });
    expect(posted.channel).toBe(dm.channel?.id);
    expect(dm.channel?.id).toMatch(/^D/);
    expect(slack.current.visible(dm.channel!.id!)).toHaveLength(1);

    const ephemeral = await web.chat.postEphemeral({
      channel: "C0SALES001",
      user: "U0PRIYA001",
      text: "only you",
    });
    expect(ephemeral.message_ts).toMatch(/^\d+\.\d{6}$/);
    expect(slack.current.visible("C0SALES001")).toEqual([]);
    expect(slack.current.ephemerals).toEqual([
      expect.objectContaining({ channel: "C0SALES001", user: "U0PRIYA001", text: "only you" }),
    ]);
  });

  it("answers Slack's errors: missing channel, unknown message, no text, Block Kit limits", async () => {
    const web = client();
    await expect(web.chat.postMessage({ channel: "C0GHOST001", text: "x" })).rejects.toMatchObject({
      code: "slack_webapi_platform_error",
      data: { error: "channel_not_found" },
    });
    await expect(
      web.chat.update({ channel: "C0SALES001", ts: "1.000001", text: "x" }),
    ).rejects.toMatchObject({
      data: { error: "message_not_found" },
    });
    await expect(web.chat.postMessage({ channel: "C0SALES001" } as never)).rejects.toMatchObject({
      data: { error: "no_text" },
    });
    const tooLong = [{ type: "section", text: { type: "mrkdwn", text: "x".repeat(3001) } }];
    await expect(
      web.chat.postMessage({ channel: "C0SALES001", text: "x", blocks: tooLong }),
    ).rejects.toMatchObject({
      data: {
        error: "invalid_blocks",
        response_metadata: {
          messages: [
            "[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]",
          ],
        },
      },
    });
    expect(logged).toContain(
      "must be less than 3001 characters [json-pointer:/blocks/0/text/text]",
    );
    await expect(web.apiCall("leads.teleport")).rejects.toMatchObject({
      data: { error: "unknown_method" },
    });
  });
});

describe("tokens", () => {
  it("answers auth.test with the bot's identity, and refuses bad or missing tokens", async () => {
    await expect(client().auth.test()).resolves.toMatchObject({
      ok: true,
      team_id: TEST_WORKSPACE.teamId,
      user_id: TEST_WORKSPACE.botUserId,
      bot_id: TEST_WORKSPACE.botId,
    });
    await expect(client("not-a-token").auth.test()).rejects.toMatchObject({
      data: { error: "invalid_auth" },
    });
    const anonymous = new WebClient(undefined, { slackApiUrl: slack.current.url, logger });
    await expect(anonymous.auth.test()).rejects.toMatchObject({ data: { error: "not_authed" } });
    // A token passed per call travels as a Bearer header too.
    await anonymous.auth.test({ token: "xoxp-per-call" });
    expect(slack.current.calls.at(-1)?.token).toBe("xoxp-per-call");
  });
});

describe("users, conversations and views", () => {
  it("serves users from fixtures: time zone, email, deactivation", async () => {
    const web = client();
    const { user } = await web.users.info({ user: "U0PRIYA001" });
    expect(user).toMatchObject({
      id: "U0PRIYA001",
      real_name: "Priya Shah",
      tz: "Europe/Paris",
      deleted: false,
      profile: { email: "Priya@Example.com", first_name: "Priya", last_name: "Shah" },
    });
    expect([3600, 7200]).toContain(user?.tz_offset);
    await expect(web.users.info({ user: "U0GONE0001" })).resolves.toMatchObject({
      user: { deleted: true },
    });
    await expect(web.users.info({ user: "U0NOBODY01" })).rejects.toMatchObject({
      data: { error: "user_not_found" },
    });
    await expect(web.users.lookupByEmail({ email: "priya@example.com" })).resolves.toMatchObject({
      user: { id: "U0PRIYA001" },
    });
    await expect(web.users.lookupByEmail({ email: "who@example.com" })).rejects.toMatchObject({
      data: { error: "users_not_found" },
    });
    await expect(web.conversations.open({ users: "U0GONE0001" })).rejects.toMatchObject({
      data: { error: "user_disabled" },
    });
  });

  it("describes channels and DMs", async () => {
    const web = client();
    await expect(web.conversations.info({ channel: "C0SALES001" })).resolves.toMatchObject({
      channel: { id: "C0SALES001", name: "sales", is_channel: true, is_private: false },
    });
    const dm = slack.current.dmChannel("U0PRIYA001");
    await expect(web.conversations.info({ channel: dm })).resolves.toMatchObject({
      channel: { id: dm, is_im: true, user: "U0PRIYA001" },
    });
    await expect(web.conversations.info({ channel: "C0GHOST001" })).rejects.toMatchObject({
      data: { error: "channel_not_found" },
    });
  });

  it("opens, updates and publishes views; a trigger id works once", async () => {
    const web = client();
    const modal = {
      type: "modal" as const,
      callback_id: "disqualify",
      private_metadata: '{"leadId":"L1"}',
      title: { type: "plain_text" as const, text: "Disqualify" },
      blocks: [],
    };
    const opened = await web.views.open({ trigger_id: "t-1", view: modal });
    expect(opened.view).toMatchObject({
      id: expect.stringMatching(/^V/),
      callback_id: "disqualify",
    });
    await expect(web.views.open({ trigger_id: "t-1", view: modal })).rejects.toMatchObject({
      data: { error: "exchanged_trigger_id" },
    });
    const updated = await web.views.update({
      view_id: opened.view!.id!,
      hash: opened.view!.hash!,
      view: { ...modal, title: { type: "plain_text", text: "Done" } },
    });
    expect(slack.current.views.get(opened.view!.id!)).toMatchObject({ title: { text: "Done" } });
    await expect(
      web.views.update({ view_id: opened.view!.id!, hash: opened.view!.hash!, view: modal }),
    ).rejects.toMatchObject({ data: { error: "hash_conflict" } });
    expect(updated.view?.root_view_id).toBe(opened.view?.id);
    await expect(
      web.views.open({
        trigger_id: "t-2",
        view: { ...modal, title: { type: "plain_text", text: "x".repeat(25) } },
      }),
    ).rejects.toMatchObject({ data: { error: "invalid_arguments" } });

    await web.views.publish({ user_id: "U0PRIYA001", view: { type: "home", blocks: [] } });
    expect(slack.current.homeView("U0PRIYA001")).toMatchObject({ type: "home" });
  });
});

describe("files.uploadV2", () => {
  it("runs end to end: upload URL, the bytes, completion, and the file shared in the channel", async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 255]);
    const result = await client().files.uploadV2({
      channel_id: "C0SALES001",
      file: png,
      filename: "funnel.png",
      title: "Funnel",
      initial_comment: "Weekly digest",
    });
    expect(result.ok).toBe(true);
    const [file] = [...slack.current.files.values()];
    expect(file).toMatchObject({
      filename: "funnel.png",
      length: 10,
      completed: true,
      title: "Funnel",
    });
    expect(file?.data?.equals(png)).toBe(true);
    expect(slack.current.visible("C0SALES001")).toEqual([
      expect.objectContaining({
        text: "Weekly digest",
        files: [expect.objectContaining({ id: file?.id, mimetype: "image/png", size: 10 })],
      }),
    ]);
    expect(slack.current.calls.map((c) => c.method)).toEqual([
      "files.getUploadURLExternal",
      "files.completeUploadExternal",
    ]);
  });
});

describe("response URLs", () => {
  it("records posts and shows in_channel answers in the channel", async () => {
    const url = slack.current.responseUrl({ channel: "C0SALES001", user: "U0PRIYA001" });
    const post = (body: object) =>
      fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    await post({ text: "just for you" });
    await post({ response_type: "in_channel", text: "for everyone" });
    await expect(slack.current.waitForResponse(url)).resolves.toMatchObject({
      body: { text: "just for you" },
    });
    expect(slack.current.ephemerals).toEqual([
      expect.objectContaining({ text: "just for you", user: "U0PRIYA001", via: "response_url" }),
    ]);
    expect(slack.current.visible("C0SALES001")).toEqual([
      expect.objectContaining({ text: "for everyone", via: "response_url" }),
    ]);
  });
});

describe("waitFor", () => {
  it("waits for the count-th answered call, or fails naming what did arrive", async () => {
    const web = client();
    setTimeout(() => void web.chat.postMessage({ channel: "C0SALES001", text: "later" }), 50);
    await expect(slack.current.waitFor("chat.postMessage")).resolves.toMatchObject({
      args: { text: "later" },
      status: 200,
    });
    await expect(slack.current.waitFor("chat.update", { timeout: 50 })).rejects.toThrow(
      /no answered chat.update call #1; calls so far: chat.postMessage/,
    );
    await expect(
      slack.current.waitFor(() => slack.current.visible("C0SALES001")[0]?.text, 100),
    ).resolves.toBe("later");
  });
});
