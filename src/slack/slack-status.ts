// Checks the bot token with auth.test at start, waiting for Slack while it cannot be reached,
// and keeps the answer for /readyz.
import { setTimeout as sleep } from "node:timers/promises";
import { ErrorCode, WebClient } from "@slack/web-api";
import { errorMessage, FatalError } from "#src/errors.ts";
import { boltLogger, type Logger } from "#src/logger.ts";

const DEFAULT_SLACK_API_URL = "https://slack.com/api/";
/** Waits between attempts at start: 1 s, 2 s, 4 s ... up to this. */
const MAX_RETRY_DELAY_MS = 30_000;

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
  /** Set while waitAtStart paces its own attempts: /readyz then reports, without probing. */
  private waiting = false;
  private lastCheckAt = 0;

  private readonly client: WebClient;
  private readonly apiUrl: string;

  constructor(
    token: string,
    slackApiUrl: string | undefined,
    private readonly logger: Logger,
  ) {
    this.apiUrl = slackApiUrl ?? DEFAULT_SLACK_API_URL;
    // A client of its own without retries: this class paces its attempts and says in one line
    // what failed, so the client's own "http request failed" goes to debug.
    const clientLogger = boltLogger(logger);
    this.client = new WebClient(token, {
      slackApiUrl,
      logger: { ...clientLogger, warn: clientLogger.debug },
      retryConfig: { retries: 0 },
      timeout: 10_000,
    });
  }

  get ok(): boolean {
    return this.identity !== undefined;
  }

  /**
   * At start: a refused token is fatal; while Slack cannot be reached, one line per attempt,
   * backing off from 1 s to 30 s, with the reason in /readyz. `signal` (SIGINT/SIGTERM) ends the
   * wait at once, rejecting with its reason.
   */
  async waitAtStart(signal?: AbortSignal): Promise<void> {
    this.waiting = true;
    try {
      await this.attemptUntilReached(signal);
    } finally {
      this.waiting = false;
    }
  }

  private async attemptUntilReached(signal?: AbortSignal): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      try {
        await this.authTest();
        return;
      } catch (error) {
        const code = platformError(error);
        if (code && TOKEN_ERRORS.has(code)) {
          throw new FatalError(
            `Slack refused SLACK_BOT_TOKEN (${code}). Copy the Bot User OAuth Token (xoxb-...) again from your Slack app → OAuth & Permissions, and reinstall the app to your workspace if it was uninstalled.`,
          );
        }
        const delayMs = Math.min(1000 * 2 ** (attempt - 1), MAX_RETRY_DELAY_MS);
        this.lastError = `cannot reach Slack at ${this.apiUrl}: ${slackFailure(error)}`;
        this.logger.warn(
          { attempt, retryInMs: delayMs },
          `${this.lastError}; retrying in ${delayMs / 1000}s (check SLACK_API_URL and the network)`,
        );
        await sleep(delayMs, undefined, { signal });
      }
    }
  }

  /** Re-checks when not ok, at most every 10 s; used by /readyz. */
  async refresh(): Promise<boolean> {
    if (this.ok || this.waiting) return this.ok;
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

/** Why a call failed, in a few words: "connect ECONNREFUSED 127.0.0.1:9", "HTTP 503", "ratelimited". */
function slackFailure(error: unknown): string {
  const code = platformError(error);
  if (code) return code;
  // WebAPIRequestError wraps fetch's TypeError("fetch failed"), whose cause says what happened.
  let cause: unknown = error;
  for (let depth = 0; depth < 4; depth++) {
    const next =
      (cause as { original?: unknown })?.original ?? (cause as { cause?: unknown })?.cause;
    if (!next) break;
    cause = next;
  }
  const detail = cause as { code?: string; message?: string } | undefined;
  const message = errorMessage(cause);
  return detail?.code && !message.includes(detail.code) ? `${detail.code} ${message}` : message;
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
