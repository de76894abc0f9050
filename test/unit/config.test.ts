import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "#src/config.ts";

const socket = { SLACK_BOT_TOKEN: "xoxb-1-2-abc", SLACK_APP_TOKEN: "xapp-1-A1-xyz" };
const http = {
  SLACK_BOT_TOKEN: "xoxb-1-2-abc",
  SLACK_MODE: "http",
  SLACK_SIGNING_SECRET: "a1b2c3d4e5f6a7b8c9d0",
};

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env, { cwd: "/srv/baton" });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("loadConfig", () => {
  it("names each missing Slack variable and where to get it", () => {
    const found = problems({});
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(
      /^SLACK_BOT_TOKEN is required: create the Slack app from slack-manifest.yml.*Bot User OAuth Token/,
    );
    expect(found[1]).toMatch(/^SLACK_APP_TOKEN is required in Socket Mode.*connections:write/);
  });

  it("says one problem on one line", () => {
    const error = (() => {
      try {
        loadConfig({ ...socket, SLACK_BOT_TOKEN: "xoxp-user-token" });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error?.message.split("\n")).toHaveLength(1);
    expect(error?.message).toMatch(/SLACK_BOT_TOKEN must be a bot token starting with xoxb-/);
    // A token is never echoed back.
    expect(error?.message).not.toContain("xoxp-user-token");
  });

  it("requires the signing secret in HTTP mode, not the app token", () => {
    expect(problems({ SLACK_BOT_TOKEN: "xoxb-1", SLACK_MODE: "http" })).toEqual([
      expect.stringMatching(/^SLACK_SIGNING_SECRET is required when SLACK_MODE=http/),
    ]);
    expect(problems(http)).toEqual([]);
  });

  it("rejects bad values with what a good one looks like", () => {
    expect(problems({ ...socket, PORT: "eighty" })).toEqual([
      expect.stringMatching(
        /^PORT must be a port number between 0 and 65535, e.g. 3000 \(got "eighty"\)/,
      ),
    ]);
    expect(problems({ ...socket, DATABASE_URL: "mysql://x@y/z" })).toEqual([
      expect.stringMatching(/^DATABASE_URL must be a PostgreSQL URL like postgres:\/\//),
    ]);
    expect(problems({ ...socket, SLACK_MODE: "websocket" })).toEqual([
      expect.stringMatching(/^SLACK_MODE must be socket \(default\) or http/),
    ]);
    expect(problems({ ...socket, LOG_LEVEL: "loud" })[0]).toMatch(/^LOG_LEVEL must be one of/);
    expect(problems({ ...socket, SLACK_API_URL: "ftp://x" })[0]).toMatch(
      /^SLACK_API_URL must be an http\(s\) URL/,
    );
  });

  it("validates the HubSpot variables, never echoing a secret, and defaults the API URL", () => {
    expect(problems({ ...socket, HUBSPOT_ACCESS_TOKEN: "short token" })).toEqual([
      expect.stringMatching(
        /^HUBSPOT_ACCESS_TOKEN must be the access token of your HubSpot private app \(pat-\.\.\.\): HubSpot → Settings/,
      ),
    ]);
    expect(problems({ ...socket, HUBSPOT_ACCESS_TOKEN: "short token" })[0]).not.toContain(
      "short token",
    );
    expect(problems({ ...socket, HUBSPOT_CLIENT_SECRET: "a b" })[0]).toMatch(
      /^HUBSPOT_CLIENT_SECRET must be your HubSpot app's client secret/,
    );
    expect(problems({ ...socket, HUBSPOT_API_URL: "api.hubapi.com" })[0]).toMatch(
      /^HUBSPOT_API_URL must be an http\(s\) URL, e.g. https:\/\/api.hubapi.com/,
    );
    expect(problems({ ...socket, PUBLIC_URL: "baton.example.com" })[0]).toMatch(
      /^PUBLIC_URL must be an http\(s\) URL, the address HubSpot calls Baton at/,
    );
    expect(loadConfig(socket).hubspot).toEqual({
      accessToken: undefined,
      clientSecret: undefined,
      apiUrl: "https://api.hubapi.com",
      rateLimit: 100,
      pollCron: undefined,
    });
    expect(problems({ ...socket, HUBSPOT_RATE_LIMIT: "100/10s" })[0]).toMatch(
      /^HUBSPOT_RATE_LIMIT must be the number of requests your HubSpot account allows per 10 seconds/,
    );
    expect(problems({ ...socket, HUBSPOT_POLL_CRON: "every 5 minutes" })[0]).toMatch(
      /^HUBSPOT_POLL_CRON must be a cron expression such as "\*\/5 \* \* \* \*"/,
    );
    expect(
      loadConfig({ ...socket, HUBSPOT_RATE_LIMIT: "190", HUBSPOT_POLL_CRON: "*/5 * * * *" })
        .hubspot,
    ).toMatchObject({ rateLimit: 190, pollCron: "*/5 * * * *" });
    expect(problems({ ...socket, SALESFORCE_POLL_CRON: "hourly" })[0]).toMatch(
      /^SALESFORCE_POLL_CRON must be a cron expression such as "\*\/15 \* \* \* \*"/,
    );
    expect(
      loadConfig({ ...socket, SALESFORCE_POLL_CRON: "*/15 * * * *" }).salesforce.pollCron,
    ).toBe("*/15 * * * *");
    expect(
      loadConfig({
        ...socket,
        PUBLIC_URL: "https://baton.example.com/",
        HUBSPOT_API_URL: "http://127.0.0.1:9/",
      }).hubspot.apiUrl,
    ).toBe("http://127.0.0.1:9");
  });

  it("defaults to Socket Mode and the embedded database in ./data", () => {
    const config = loadConfig(socket, { cwd: "/srv/baton" });
    expect(config.slack.mode).toBe("socket");
    expect(config.database).toEqual({
      kind: "pglite",
      dataDir: "/srv/baton/data",
      migrateOnStart: true,
    });
    expect(config.http.port).toBe(3000);
    expect(config.openai.apiKey).toBeUndefined();
  });

  it("uses PostgreSQL when DATABASE_URL is set, and normalizes SLACK_API_URL", () => {
    const config = loadConfig({
      ...socket,
      DATABASE_URL: "postgres://u:p@db:5432/baton",
      SLACK_API_URL: "http://127.0.0.1:9999/api",
      OPENAI_API_KEY: "  ",
    });
    expect(config.database).toMatchObject({
      kind: "postgres",
      url: "postgres://u:p@db:5432/baton",
    });
    expect(config.slack.apiUrl).toBe("http://127.0.0.1:9999/api/");
    expect(config.openai.apiKey).toBeUndefined();
  });

  it("needs no Slack variables for database commands", () => {
    expect(() => loadConfig({}, { requireSlack: false })).not.toThrow();
  });
});
