import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runBaton } from "#test/process/run-baton.ts";
import { tempDir } from "#test/setup/temp-dir.ts";

const HTTP_SLACK = {
  SLACK_MODE: "http",
  SLACK_BOT_TOKEN: "xoxb-1-2-test",
  SLACK_SIGNING_SECRET: "0123456789abcdef0123",
};

const newDataDir = () => tempDir("baton-fail");

/** A port nothing listens on: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Runs Baton until it exits and returns what it printed, with the exit code. */
async function failingStart(env: Record<string, string>) {
  const started = Date.now();
  const baton = runBaton({ DATA_DIR: newDataDir(), ...env });
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

describe("npm start while Slack cannot be reached", () => {
  it("says so once per attempt, backs off, is not ready with the reason, and stops at once on SIGINT", async () => {
    const slackPort = await closedPort();
    const port = await closedPort();
    const dataDir = newDataDir();
    const baton = runBaton({
      ...HTTP_SLACK,
      SLACK_API_URL: `http://127.0.0.1:${slackPort}/api/`,
      HOST: "127.0.0.1",
      PORT: String(port),
      DATA_DIR: dataDir,
    });
    try {
      const line = new RegExp(
        `cannot reach Slack at http://127\\.0\\.0\\.1:${slackPort}/api/: [^"]*ECONNREFUSED[^"]*; retrying in (\\d+)s`,
        "g",
      );
      // Three attempts: 1 s, then 2 s, then 4 s apart.
      await baton.waitForOutput(new RegExp(`${line.source}[^]*${line.source}`), 60_000);
      const waits = [...baton.output().matchAll(line)].map((match) => Number(match[1]));
      expect(waits.slice(0, 2)).toEqual([1, 2]);
      expect(baton.output()).not.toContain("http request failed");

      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(ready.status).toBe(503);
      const body = (await ready.json()) as { checks: { slack: { ok: boolean; detail: string } } };
      expect(body.checks.slack.ok).toBe(false);
      expect(body.checks.slack.detail).toMatch(
        new RegExp(
          `^cannot reach Slack at http://127\\.0\\.0\\.1:${slackPort}/api/: .*ECONNREFUSED`,
        ),
      );
      expect(existsSync(join(dataDir, "baton.pid"))).toBe(true);

      const signalled = Date.now();
      baton.child.kill("SIGINT");
      expect(await baton.exited).toBe(0);
      expect(Date.now() - signalled).toBeLessThan(3000);
      expect(baton.output()).toContain("stopped before the start finished");
      // The embedded database was closed and its lock file removed.
      expect(existsSync(join(dataDir, "baton.pid"))).toBe(false);
    } finally {
      baton.child.kill("SIGKILL");
    }
  });
});
