// The Web API client `baton doctor` checks with: the official client, pointed at SLACK_API_URL
// like the app's, with a short timeout, one quick retry and a cap on calls in flight, so a
// playbook with hundreds of people takes seconds, and a Slack that does not answer fails fast.
import {
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
  WebClient,
} from "@slack/web-api";
import { boltLogger, createLogger, scrub } from "#src/logger.ts";

export const SLACK_CALL_TIMEOUT_MS = 5_000;
export const SLACK_CONCURRENCY = 8;

/**
 * `retries` also covers rate limits: Slack answers a burst of lookups with 429 and a
 * Retry-After, the client waits that long (holding its other calls) and tries again, and each
 * such wait uses a retry. Token checks retry once, so a Slack that does not answer fails fast;
 * lookups, which run only once the token works, retry more.
 */
export function doctorSlackClient(
  token: string,
  slackApiUrl: string | undefined,
  retries = 1,
): WebClient {
  return new WebClient(token, {
    slackApiUrl,
    // The checklist is the output; the client's own warnings would only repeat it.
    logger: boltLogger(createLogger({ level: "silent" })),
    timeout: SLACK_CALL_TIMEOUT_MS,
    retryConfig: { retries, factor: 1, minTimeout: 200, maxTimeout: 500 },
    maxRequestConcurrency: SLACK_CONCURRENCY,
  });
}

/** Retries for people and channel lookups: enough for a few rate-limit waits each. */
export const LOOKUP_RETRIES = 5;

/** Slack answers that mean the token itself is wrong. */
export const TOKEN_ERRORS = new Set([
  "invalid_auth",
  "not_authed",
  "account_inactive",
  "token_revoked",
  "token_expired",
  "not_allowed_token_type",
]);

export interface SlackFailure {
  /** Slack's error code (`invalid_auth`, `missing_scope`...), when Slack answered. */
  code?: string;
  /** For `missing_scope`: the scope the method needs. */
  needed?: string;
  /** A short description without tokens: the code, the HTTP status, or the network error. */
  text: string;
}

export function slackFailure(error: unknown): SlackFailure {
  if (error instanceof WebAPIPlatformError) {
    // missing_scope answers name the scope the method needs.
    const { needed: raw } = error.data as { needed?: unknown };
    const needed = typeof raw === "string" ? raw : undefined;
    return {
      code: error.data.error,
      needed,
      text: needed ? `${error.data.error}, needs ${needed}` : error.data.error,
    };
  }
  if (error instanceof WebAPIRateLimitedError) {
    return { code: "ratelimited", text: `rate limited, retry after ${error.retryAfter} s` };
  }
  if (error instanceof WebAPIHTTPError) {
    return { text: `HTTP ${error.statusCode} ${error.statusMessage}` };
  }
  if (error instanceof WebAPIRequestError) {
    // fetch says only "fetch failed"; why (ECONNREFUSED, ENOTFOUND, a bad port) is its cause.
    const original = error.original as Error & { code?: string; cause?: Error & { code?: string } };
    const why =
      original.cause?.code ?? original.code ?? original.cause?.message ?? original.message;
    return { text: `no answer: ${scrub(why)}` };
  }
  return { text: scrub(error instanceof Error ? error.message : String(error)) };
}
