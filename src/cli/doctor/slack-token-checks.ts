// The Slack tokens: the bot token answers auth.test and carries every bot scope that
// slack-manifest.yml asks for (Slack lists a token's scopes in the x-oauth-scopes header of
// each Web API answer); in Socket Mode the app-level token may open a connection.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { WebClient } from "@slack/web-api";
import { parse } from "yaml";
import { type Check, fail, pass, skip } from "#src/cli/doctor/checklist.ts";
import { doctorSlackClient, slackFailure, TOKEN_ERRORS } from "#src/cli/doctor/slack-client.ts";

export const SLACK_MANIFEST = fileURLToPath(
  new URL("../../../slack-manifest.yml", import.meta.url),
);

const REINSTALL =
  "api.slack.com/apps → your app → OAuth & Permissions: add the missing scopes under Bot Token Scopes (or paste slack-manifest.yml into App Manifest), then Reinstall to Workspace";

/** The bot scopes slack-manifest.yml asks for; undefined when the file is not there. */
export function manifestBotScopes(path = SLACK_MANIFEST): string[] | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return undefined; // an installation without the repository's files (a slim image)
  }
  const manifest = parse(text) as { oauth_config?: { scopes?: { bot?: unknown } } };
  const scopes = manifest.oauth_config?.scopes?.bot;
  return Array.isArray(scopes) ? scopes.map(String) : [];
}

export interface BotIdentity {
  team: string;
  teamId: string;
  botUserId: string;
  /** From x-oauth-scopes; undefined when Slack (or a proxy) did not send the header. */
  scopes?: string[];
}

export async function checkBotToken(
  client: WebClient,
): Promise<{ check: Check; identity?: BotIdentity }> {
  try {
    const answer = await client.auth.test();
    const identity: BotIdentity = {
      team: String(answer.team ?? ""),
      teamId: String(answer.team_id ?? ""),
      botUserId: String(answer.user_id ?? ""),
      scopes: answer.response_metadata?.scopes,
    };
    return {
      check: pass(
        `Bot token works: bot user ${identity.botUserId} in ${identity.team} (${identity.teamId})`,
      ),
      identity,
    };
  } catch (error) {
    const failure = slackFailure(error);
    if (failure.code && TOKEN_ERRORS.has(failure.code)) {
      return {
        check: fail(
          `Slack refused SLACK_BOT_TOKEN (${failure.text})`,
          "copy the Bot User OAuth Token (xoxb-...) again from api.slack.com/apps → your app → OAuth & Permissions into SLACK_BOT_TOKEN; reinstall the app if it was uninstalled",
        ),
      };
    }
    return {
      check: fail(
        `Slack did not accept auth.test with SLACK_BOT_TOKEN (${failure.text})`,
        "check that this machine reaches Slack (proxy, firewall) and that SLACK_API_URL, if set, is right",
      ),
    };
  }
}

export function checkScopes(granted: string[] | undefined, required: string[] | undefined): Check {
  if (required === undefined) {
    return skip(`Bot token scopes: skipped (${SLACK_MANIFEST} is not there to compare with)`);
  }
  if (granted === undefined) {
    return skip(
      "Bot token scopes: skipped (Slack's answer did not list them: x-oauth-scopes missing)",
    );
  }
  const missing = required.filter((scope) => !granted.includes(scope));
  if (missing.length === 0) {
    return pass(`Bot token has the ${required.length} scopes slack-manifest.yml asks for`);
  }
  return fail(
    `Bot token is missing scope${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`,
    REINSTALL,
  );
}

export async function checkAppToken(
  mode: "socket" | "http",
  appToken: string | undefined,
  slackApiUrl: string | undefined,
): Promise<Check> {
  if (mode === "http") return skip("App token: skipped (SLACK_MODE=http needs none)");
  if (!appToken) return skip("App token: skipped (SLACK_APP_TOKEN is not set)");
  try {
    await doctorSlackClient(appToken, slackApiUrl).apps.connections.open();
    return pass("App token works: Slack grants Socket Mode connections");
  } catch (error) {
    const failure = slackFailure(error);
    if (failure.code && (TOKEN_ERRORS.has(failure.code) || failure.code === "missing_scope")) {
      return fail(
        `Slack refused SLACK_APP_TOKEN for Socket Mode (${failure.text})`,
        "api.slack.com/apps → your app → Basic Information → App-Level Tokens: generate a token with the connections:write scope and set SLACK_APP_TOKEN to it (xapp-...); Socket Mode must be on (Settings → Socket Mode)",
      );
    }
    if (!failure.code) {
      return fail(
        `Slack did not accept apps.connections.open with SLACK_APP_TOKEN (${failure.text})`,
        "check that this machine reaches Slack (proxy, firewall) and that SLACK_API_URL, if set, is right",
      );
    }
    return fail(
      `Socket Mode connection refused with SLACK_APP_TOKEN (${failure.text})`,
      "turn Socket Mode on (api.slack.com/apps → your app → Settings → Socket Mode), or set SLACK_MODE=http with SLACK_SIGNING_SECRET",
    );
  }
}
