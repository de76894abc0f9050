import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeSlack, startFakeSlack } from "#test/fakes/fake-slack.ts";
import { runBaton } from "#test/process/run-baton.ts";
import { tempDir } from "#test/setup/temp-dir.ts";

let slack: FakeSlack;
beforeAll(async () => {
  slack = await startFakeSlack();
});
afterAll(async () => {
  await slack.close();
});

describe("npm start", () => {
  it("starts in HTTP mode on the embedded database, migrates, is ready, and stops cleanly on SIGTERM", async () => {
    const dataDir = tempDir("baton-life");
    const baton = runBaton({
      SLACK_MODE: "http",
      SLACK_BOT_TOKEN: "xoxb-1-2-lifecycle",
      SLACK_SIGNING_SECRET: "0123456789abcdef0123",
      SLACK_API_URL: slack.url,
      HOST: "127.0.0.1",
      PORT: "0",
      DATA_DIR: dataDir,
    });
    try {
      const [, port] = await baton.waitForOutput(/"port":(\d+)[^\n]*Baton is ready/, 60_000);
      expect(baton.output()).toContain('"msg":"migration applied"');
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(ready.status).toBe(200);
      expect(existsSync(join(dataDir, "baton.pid"))).toBe(true);

      baton.child.kill("SIGTERM");
      expect(await baton.exited).toBe(0);
      expect(baton.output()).toContain('"msg":"stopped"');
      // The embedded database was closed and its lock released.
      expect(existsSync(join(dataDir, "baton.pid"))).toBe(false);
    } finally {
      baton.child.kill("SIGKILL");
    }

    // It opens again with the data it had, applying nothing new.
    const again = runBaton({
      SLACK_MODE: "http",
      SLACK_BOT_TOKEN: "xoxb-1-2-lifecycle",
      SLACK_SIGNING_SECRET: "0123456789abcdef0123",
      SLACK_API_URL: slack.url,
      HOST: "127.0.0.1",
      PORT: "0",
      DATA_DIR: dataDir,
    });
    try {
      await again.waitForOutput(/Baton is ready/, 60_000);
      expect(again.output()).not.toContain("migration applied");
      again.child.kill("SIGINT");
      expect(await again.exited).toBe(0);
    } finally {
      again.child.kill("SIGKILL");
    }
  }, 120_000);
});
