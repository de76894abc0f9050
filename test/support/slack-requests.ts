// Sends Slack-signed HTTP requests to a Bolt app in HTTP mode, so Bolt's signature check, ack
// and routing run for real. The signature is Slack's: HMAC-SHA256 of `v0:{timestamp}:{raw body}`
// with the signing secret, in X-Slack-Signature, with X-Slack-Request-Timestamp.
import { createHmac } from "node:crypto";
import type {
  BasicElementAction,
  BlockAction,
  SlashCommand,
  ViewClosedAction,
  ViewSubmitAction,
} from "@slack/bolt";
import type { ResponseUrlContext } from "#test/support/fake-slack-workspace.ts";
import {
  buildEventEnvelope,
  buildSlashCommand,
  UNSET_RESPONSE_URL,
} from "#test/support/slack-payloads.ts";

/** Bolt's answer to a request. */
export interface SlackHttpResponse {
  status: number;
  /** Parsed JSON when the answer is JSON, else the text (undefined when empty). */
  body: unknown;
  text: string;
  headers: Record<string, string>;
  /** The response URL the payload carried (slash commands and message actions). */
  responseUrl?: string;
}

/** How to sign: another timestamp (stale requests) or another secret (forged ones). */
export interface SignOptions {
  /** Seconds since the epoch (default: now). */
  timestamp?: number;
  signingSecret?: string;
}

export interface EventOptions extends SignOptions {
  eventId?: string;
  teamId?: string;
  /** Sent as X-Slack-Retry-Num, as Slack does when it retries a delivery. */
  retryNum?: number;
  retryReason?: string;
}

export interface SlackRequester {
  /** A slash command (form-encoded); its response URL leads to the fake Slack when one is given. */
  slashCommand(fields?: Partial<SlashCommand>, options?: SignOptions): Promise<SlackHttpResponse>;
  /** A block_actions payload (`payload=` JSON, form-encoded). */
  blockAction<A extends BasicElementAction>(
    payload: BlockAction<A>,
    options?: SignOptions,
  ): Promise<SlackHttpResponse>;
  viewSubmission(payload: ViewSubmitAction, options?: SignOptions): Promise<SlackHttpResponse>;
  viewClosed(payload: ViewClosedAction, options?: SignOptions): Promise<SlackHttpResponse>;
  /** Any interactivity payload (shortcuts, options requests...). */
  interaction(payload: object, options?: SignOptions): Promise<SlackHttpResponse>;
  /** An Events API event in its event_callback envelope (JSON). */
  event(event: { type: string }, options?: EventOptions): Promise<SlackHttpResponse>;
  /** The url_verification handshake Slack sends when the Request URL is saved. */
  urlVerification(challenge?: string, options?: SignOptions): Promise<SlackHttpResponse>;
  /** A body sent as is with these headers (forged, stale or missing signatures). */
  raw(body: string, headers: Record<string, string>): Promise<SlackHttpResponse>;
  /** Slack's signature headers for a body. */
  sign(body: string, options?: SignOptions): Record<string, string>;
}

/** Slack's request signature of a body: `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}`. */
export function slackSignature(signingSecret: string, timestamp: number, body: string): string {
  return `v0=${createHmac("sha256", signingSecret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
}

const FORM = "application/x-www-form-urlencoded";

/** A requester for a Bolt endpoint (e.g. http://127.0.0.1:PORT/slack/events). */
export function createSlackRequester(options: {
  url: string;
  signingSecret: string;
  /** The fake Slack whose response URLs replace UNSET_RESPONSE_URL in payloads. */
  fakeSlack?: { responseUrl(context?: ResponseUrlContext): string };
}): SlackRequester {
  const sign = (body: string, signOptions: SignOptions = {}) => {
    const timestamp = signOptions.timestamp ?? Math.floor(Date.now() / 1000);
    const secret = signOptions.signingSecret ?? options.signingSecret;
    return {
      "x-slack-request-timestamp": String(timestamp),
      "x-slack-signature": slackSignature(secret, timestamp, body),
    };
  };

  const send = async (
    body: string,
    headers: Record<string, string>,
  ): Promise<SlackHttpResponse> => {
    const response = await fetch(options.url, { method: "POST", headers, body });
    const text = await response.text();
    const isJson = response.headers.get("content-type")?.includes("application/json") ?? false;
    let parsed: unknown = text === "" ? undefined : text;
    if (isJson || /^[[{]/.test(text)) {
      try {
        parsed = JSON.parse(text);
      } catch {
        // Not JSON after all: keep the text.
      }
    }
    return {
      status: response.status,
      body: parsed,
      text,
      headers: Object.fromEntries(response.headers),
    };
  };

  const responseUrl = (given: string, context: ResponseUrlContext) =>
    given === UNSET_RESPONSE_URL && options.fakeSlack
      ? options.fakeSlack.responseUrl(context)
      : given;

  const interaction = async (payload: object, signOptions?: SignOptions, url?: string) => {
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const response = await send(body, { "content-type": FORM, ...sign(body, signOptions) });
    return url ? { ...response, responseUrl: url } : response;
  };

  return {
    sign,
    raw: send,
    async slashCommand(fields, signOptions) {
      const command = buildSlashCommand(fields);
      command.response_url = responseUrl(command.response_url, {
        channel: command.channel_id,
        user: command.user_id,
      });
      const entries = Object.entries(command).flatMap(([key, value]): [string, string][] =>
        value === undefined ? [] : [[key, String(value)]],
      );
      const body = new URLSearchParams(entries).toString();
      const response = await send(body, { "content-type": FORM, ...sign(body, signOptions) });
      return { ...response, responseUrl: command.response_url };
    },
    blockAction(payload, signOptions) {
      const container = payload.container;
      const withUrl = {
        ...payload,
        response_url: responseUrl(payload.response_url, {
          channel: payload.channel?.id ?? stringOrUndefined(container.channel_id),
          messageTs: stringOrUndefined(container.message_ts),
          user: payload.user.id,
        }),
      };
      return interaction(withUrl, signOptions, withUrl.response_url || undefined);
    },
    viewSubmission: (payload, signOptions) => interaction(payload, signOptions),
    viewClosed: (payload, signOptions) => interaction(payload, signOptions),
    interaction: (payload, signOptions) => interaction(payload, signOptions),
    event(event, eventOptions = {}) {
      const body = JSON.stringify(buildEventEnvelope(event, eventOptions));
      const headers: Record<string, string> = {
        "content-type": "application/json",
        ...sign(body, eventOptions),
      };
      if (eventOptions.retryNum !== undefined) {
        headers["x-slack-retry-num"] = String(eventOptions.retryNum);
        headers["x-slack-retry-reason"] = eventOptions.retryReason ?? "http_timeout";
      }
      return send(body, headers);
    },
    urlVerification(
      challenge = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
      signOptions,
    ) {
      const body = JSON.stringify({
        token: "legacy-verification-token",
        challenge,
        type: "url_verification",
      });
      return send(body, { "content-type": "application/json", ...sign(body, signOptions) });
    },
  };
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}
