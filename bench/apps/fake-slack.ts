// The fake Slack in a process of its own, for benchmarks whose clients must not share a
// process (and its event loop) with the fake Slack's work. Prints its API URL on stdout.
import { startFakeSlack } from "#test/fakes/fake-slack.ts";

const slack = await startFakeSlack();
process.stdout.write(`${slack.url}\n`);
process.on("SIGTERM", () => {
  void slack.close().then(() => process.exit(0));
});
