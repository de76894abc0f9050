import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runBaton } from "#test/process/run-baton.ts";

const HTTP_SLACK = {
  SLACK_MODE: "http",
  SLACK_BOT_TOKEN: "xoxb-1-2-test",
  SLACK_SIGNING_SECRET: "0123456789abcdef0123",
};

/** Runs Baton until it exits and returns what it printed, with the exit code. */
async function failingStart(env: Record<string, string>) {
  const started = Date.now();
  const baton = runBaton({ DATA_DIR: mkdtempSync(join(tmpdir(), "baton-fail-")), ...env });
  const code = await baton.exited;
  return { code, output: baton.output(), seconds: (Date.now() - started) / 1000 };
}

describe("npm start refuses to run with a clear message", () => {
  it("names every missing Slack variable and where to get it", async () => {
    const { code, output, seconds } = await failingStart({});
    expect(code).toBe(1);
    expect(seconds).toBeLessThan(20);
    expect(output).toContain(
      "SLACK_BOT_TOKEN is required: create the Slack app from slack-manifest.yml",
    );
    expect(output).toContain("SLACK_APP_TOKEN is required in Socket Mode");
    expect(output).not.toMatch(/\n\s+at /); // no stack trace
  });

  it("says in one line that a token is malformed", async () => {
    const { code, output } = await failingStart({
      ...HTTP_SLACK,
      SLACK_BOT_TOKEN: "xoxp-wrong-kind",
    });
    expect(code).toBe(1);
    expect(output.trim().split("\n")).toHaveLength(1);
    expect(output).toMatch(/SLACK_BOT_TOKEN must be a bot token starting with xoxb-/);
    expect(output).not.toContain("xoxp-wrong-kind");
  });

  it("says in one line that the database cannot be reached, without the password", async () => {
    const { code, output } = await failingStart({
      ...HTTP_SLACK,
      PORT: "0",
      DATABASE_URL: "postgres://baton:hunter2@127.0.0.1:1/baton",
    });
    expect(code).toBe(1);
    const fatal = output
      .trim()
      .split("\n")
      .filter((line) => line.includes('"level":60'));
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toMatch(
      /Cannot connect to PostgreSQL at 127\.0\.0\.1:1\/baton.*Check DATABASE_URL/,
    );
    expect(output).not.toContain("hunter2");
    expect(output).not.toMatch(/\\n\s+at /);
  });

  it("says in one line that the port is in use", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const { code, output } = await failingStart({
        ...HTTP_SLACK,
        HOST: "127.0.0.1",
        PORT: String(port),
      });
      expect(code).toBe(1);
      const fatal = output.split("\n").filter((line) => line.includes('"level":60'));
      expect(fatal).toHaveLength(1);
      expect(fatal[0]).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect(output).not.toContain('"stack"');
    } finally {
      blocker.close();
    }
  });
});
