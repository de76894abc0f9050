// The benchmarks' baseline: a Bolt app on Bolt's own HTTP receiver whose only listener acks
// a Claim click. Started as a child process (like Baton) with SLACK_SIGNING_SECRET and PORT.
import { createServer } from "node:http";
import { App, HTTPReceiver } from "@slack/bolt";
import { ACTIONS } from "#src/slack/ids.ts";

const receiver = new HTTPReceiver({
  signingSecret: process.env.SLACK_SIGNING_SECRET ?? "",
  endpoints: ["/slack/events"],
  processBeforeResponse: false,
});
const app = new App({
  token: "xoxb-bench-0000-bareapp",
  receiver,
  tokenVerificationEnabled: false,
  // Known ids: Bolt would otherwise ask Slack (auth.test) on the first request.
  botId: "B0BAREBOLT",
  botUserId: "U0BAREBOLT",
  clientOptions: { slackApiUrl: process.env.SLACK_API_URL },
});
app.action(ACTIONS.claim, async ({ ack }) => {
  await ack();
});
createServer((req, res) => {
  // Bolt's listener throws for paths it does not own; readiness probes get a 404.
  if (req.url !== "/slack/events") res.writeHead(404).end();
  else receiver.requestListener(req, res);
}).listen(Number(process.env.PORT), "127.0.0.1");
