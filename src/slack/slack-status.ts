// Checks the bot token with auth.test at start and keeps the answer for /readyz.
import { ErrorCode, WebClient } from "@slack/web-api";
import { errorMessage, FatalError } from "#src/errors.ts";
import { boltLogger, type Logger } from "#src/logger.ts";

/** Slack answers that mean the token itself is wrong: retrying cannot help. */
const TOKEN_ERRORS = new Set([
  "invalid_auth",
  "not_authed",
  "account_inactive",
  "token_revoked",
  "token_expired",
  "not_allowed_token_type",
]);

export interface SlackIdentity {
  teamId: string;
  botUserId: string;
  botId?: string;
}

export class SlackStatus {
  identity?: SlackIdentity;
  lastError?: string;
  private checking?: Promise<void>;
  private lastCheckAt = 0;

  private readonly client: WebClient;

  constructor(
    token: string,
    slackApiUrl: string | undefined,
    private readonly logger: Logger,
  ) {
    // A client of its own with few retries: the app's client retries for minutes by design.
    this.client = new WebClient(token, {
      slackApiUrl,
      logger: boltLogger(logger),
      retryConfig: { retries: 2, factor: 1.5, minTimeout: 500, maxTimeout: 2000 },
      timeout: 10_000,
    });
  }

  get ok(): boolean {
    return this.identity !== undefined;
  }

  /** First check at start: a refused token is fatal, an unreachable Slack is not. */
  async checkAtStart(): Promise<void> {
    try {
      await this.authTest();
    } catch (error) {
      const code = platformError(error);
      if (code && TOKEN_ERRORS.has(code)) {
        throw new FatalError(
          `Slack refused SLACK_BOT_TOKEN (${code}). Copy the Bot User OAuth Token (xoxb-...) again from your Slack app → OAuth & Permissions, and reinstall the app to your workspace if it was uninstalled.`,
        );
      }
      this.lastError = errorMessage(error);
      this.logger.warn(
        { err: error },
        "Slack is not reachable yet; Baton starts anyway and /readyz reports not ready until it is",
      );
    }
  }

  /** Re-checks when not ok, at most every 10 s; used by /readyz. */
  async refresh(): Promise<boolean> {
    if (this.ok) return true;
    if (!this.checking && Date.now() - this.lastCheckAt > 10_000) {
      this.checking = this.authTest()
        .catch((error) => {
          this.lastError = errorMessage(error);
        })
        .finally(() => {
          this.checking = undefined;
        });
    }
    await this.checking;
    return this.ok;
  }

  private async authTest(): Promise<void> {
    this.lastCheckAt = Date.now();
    const result = await this.client.auth.test();
    this.identity = {
      teamId: String(result.team_id ?? ""),
      botUserId: String(result.user_id ?? ""),
      botId: result.bot_id,
    };
    this.lastError = undefined;
    this.logger.info(
      { team: result.team, teamId: result.team_id, botUserId: result.user_id },
      "connected to Slack as the bot user",
    );
  }
}

export function platformError(error: unknown): string | undefined {
  if (
    error instanceof Error &&
    "code" in error &&
    error.code === ErrorCode.PlatformError &&
    "data" in error
  ) {
    return (error.data as { error?: string }).error;
  }
  return undefined;
}
