import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeSlack, startFakeSlack } from "#test/fakes/fake-slack.ts";
import { type FakeSocketMode, startFakeSocketMode } from "#test/fakes/fake-socket-mode.ts";
import { buildSlashCommand } from "#test/fakes/slack-requests.ts";
import { startTestApp } from "#test/setup/app.ts";
import { useTestDatabase } from "#test/setup/database.ts";

let slack: FakeSlack;
let socket: FakeSocketMode;
beforeAll(async () => {
  slack = await startFakeSlack();
  socket = await startFakeSocketMode();
});
afterAll(async () => {
  await socket.close();
  await slack.close();
});

const database = useTestDatabase();

describe("Baton in Socket Mode", () => {
  it("connects with the app token and answers /leads help over the socket", async () => {
    slack.socketModeUrl = socket.url;
    const app = await startTestApp({
      db: database.current,
      slackApiUrl: slack.url,
      env: { SLACK_MODE: "socket", SLACK_APP_TOKEN: "xapp-1-A0BATON001-123-abc" },
    });
    try {
      await socket.connected();
      expect(slack.callsTo("apps.connections.open")[0]?.token).toBe("xapp-1-A0BATON001-123-abc");

      const responseUrl = slack.responseUrl();
      const ack = await socket.send({
        type: "slash_commands",
        accepts_response_payload: true,
        payload: buildSlashCommand({ text: "help", response_url: responseUrl }),
      });
      expect(ack.envelope_id).toBeTruthy();
      const answer = await slack.waitFor(() =>
        slack.responses.find((r) => responseUrl.endsWith(`/${r.id}`)),
      );
      expect(JSON.stringify(answer.body)).toContain("/leads help");

      // Health and readiness are served over HTTP in Socket Mode too.
      expect((await fetch(`${app.url}/readyz`)).status).toBe(200);
    } finally {
      await app.stop();
    }
  });

  it("stops with a clear message when Slack refuses the app token", async () => {
    slack.socketModeUrl = undefined;
    await expect(
      startTestApp({
        db: database.current,
        slackApiUrl: slack.url,
        env: { SLACK_MODE: "socket", SLACK_APP_TOKEN: "xapp-1-A0BATON001-123-revoked" },
      }),
    ).rejects.toThrow(
      /Slack refused to open a Socket Mode connection \(invalid_auth\)\. Check SLACK_APP_TOKEN/,
    );
  });
});
