// Sends Slack-signed HTTP requests to Baton in HTTP mode, so Bolt's signature check, ack and
// routing run for real. Payloads are shaped like Slack's and typed against Bolt's types.
import { createHmac } from "node:crypto";
import { request as httpRequest } from "node:http";
import type { BlockAction, BlockElementAction, ButtonAction, SlashCommand } from "@slack/bolt";

export interface SlackResponse {
  status: number;
  text: string;
  json?: unknown;
}

export interface SlackRequester {
  slashCommand(fields: Partial<SlashCommand>): Promise<SlackResponse>;
  interaction(payload: object): Promise<SlackResponse>;
  event(
    event: Record<string, unknown>,
    options?: { eventId?: string; retryNum?: number },
  ): Promise<SlackResponse>;
  /** A body sent as is, with the given headers (forged or stale signatures). */
  raw(body: string, headers: Record<string, string>): Promise<SlackResponse>;
  sign(body: string, timestamp?: number): Record<string, string>;
}

export function signature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
}

export function createSlackRequester({
  url,
  signingSecret,
}: {
  url: string;
  signingSecret: string;
}): SlackRequester {
  const sign = (body: string, timestamp = Math.floor(Date.now() / 1000)) => ({
    "x-slack-request-timestamp": String(timestamp),
    "x-slack-signature": signature(signingSecret, timestamp, body),
  });
  const send = async (body: string, headers: Record<string, string>): Promise<SlackResponse> => {
    const response = await post(url, headers, body);
    const text = response.text;
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, text, json };
  };
  const form = "application/x-www-form-urlencoded";
  return {
    sign,
    raw: send,
    slashCommand(fields) {
      const entries = Object.entries(buildSlashCommand(fields)).map(
        ([key, value]): [string, string] => [key, String(value)],
      );
      const body = new URLSearchParams(entries).toString();
      return send(body, { "content-type": form, ...sign(body) });
    },
    interaction(payload) {
      const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
      return send(body, { "content-type": form, ...sign(body) });
    },
    event(event, options = {}) {
      const envelope = {
        token: "legacy",
        team_id: "T0TEST0001",
        api_app_id: "A0BATON001",
        type: "event_callback",
        event_id: options.eventId ?? `Ev${Math.random().toString(36).slice(2, 12).toUpperCase()}`,
        event_time: Math.floor(Date.now() / 1000),
        authorizations: [{ team_id: "T0TEST0001", user_id: "U0BATONBOT", is_bot: true }],
        event,
      };
      const body = JSON.stringify(envelope);
      const headers: Record<string, string> = { "content-type": "application/json", ...sign(body) };
      if (options.retryNum !== undefined) {
        headers["x-slack-retry-num"] = String(options.retryNum);
        headers["x-slack-retry-reason"] = "http_timeout";
      }
      return send(body, headers);
    },
  };
}

/** A slash command payload as Slack sends it; `response_url` should point at the fake Slack. */
export function buildSlashCommand(overrides: Partial<SlashCommand>): SlashCommand {
  return {
    token: "legacy-verification-token",
    command: "/leads",
    text: "",
    response_url: "http://127.0.0.1:9/response-url/unset",
    trigger_id: `${Date.now()}.trigger`,
    user_id: "U0REP00001",
    user_name: "rep",
    team_id: "T0TEST0001",
    team_domain: "baton-test",
    channel_id: "C0INB00001",
    channel_name: "inbound",
    api_app_id: "A0BATON001",
    ...overrides,
  };
}

/**
 * Where a click happens. Slack shapes block_actions by surface: a click on a message names the
 * channel and the message and carries a response_url; a click in a view (the App Home tab, a
 * modal) names only the view, with no channel, no message and no response_url.
 */
export type ClickSurface =
  /** A message in a channel (a card, a burst summary, a review page), or in its thread. */
  | { on: "channel"; channelId?: string; messageTs?: string; threadTs?: string }
  /** A message the app posted in its DM with the person (an offer, a ghost alert). */
  | { on: "dm"; channelId: string; messageTs?: string }
  /** An ephemeral message (Show card, `/leads find`): Slack sends no `message` with it. */
  | { on: "ephemeral"; channelId?: string; messageTs?: string }
  /** The App Home tab. */
  | { on: "home"; viewId?: string }
  /** A modal. */
  | { on: "modal"; viewId?: string; callbackId?: string };

/** A block_actions payload; `response_url` is absent for clicks in a view. */
export type BlockActionPayload<A extends BlockElementAction> = Omit<
  BlockAction<A>,
  "response_url"
> & { response_url?: string };

/** A block_actions payload for one element (a button, a user picker) on a surface. */
export function buildBlockAction<A extends BlockElementAction>(options: {
  action: A;
  userId: string;
  surface?: ClickSurface;
  /** Sent with clicks on messages; leave it out to model a message click without one. */
  responseUrl?: string;
}): BlockActionPayload<A> {
  const surface = options.surface ?? { on: "channel" };
  const base = {
    type: "block_actions" as const,
    user: {
      id: options.userId,
      username: options.userId.toLowerCase(),
      name: options.userId.toLowerCase(),
      team_id: "T0TEST0001",
    },
    api_app_id: "A0BATON001",
    token: "legacy-verification-token",
    trigger_id: `${Date.now()}.trigger`,
    team: { id: "T0TEST0001", domain: "baton-test" },
    enterprise: undefined,
    is_enterprise_install: false,
    actions: [options.action],
  };
  if (surface.on === "home" || surface.on === "modal") {
    const id = surface.viewId ?? (surface.on === "home" ? "V0HOMETAB1" : "V0MODAL001");
    return { ...base, container: { type: "view", view_id: id }, view: viewOf(surface, id) };
  }
  const channel = surface.channelId ?? "C0NAMIDMKT";
  const ts = surface.messageTs ?? "1795000000.000100";
  const threadTs = surface.on === "channel" ? surface.threadTs : undefined;
  const ephemeral = surface.on === "ephemeral";
  return {
    ...base,
    container: {
      type: "message",
      message_ts: ts,
      channel_id: channel,
      is_ephemeral: ephemeral,
      ...(threadTs ? { thread_ts: threadTs } : {}),
    },
    channel: { id: channel, name: surface.on === "dm" ? "directmessage" : "sales" },
    ...(ephemeral
      ? {}
      : {
          message: {
            type: "message",
            ts,
            text: "lead card",
            ...(threadTs ? { thread_ts: threadTs } : {}),
          },
        }),
    ...(options.responseUrl ? { response_url: options.responseUrl } : {}),
  };
}

function viewOf(surface: { on: "home" } | { on: "modal"; callbackId?: string }, id: string) {
  return {
    id,
    team_id: "T0TEST0001",
    type: surface.on,
    blocks: [],
    private_metadata: "",
    callback_id: "callbackId" in surface ? (surface.callbackId ?? "") : "",
    state: { values: {} },
    hash: "1795000000.h0me",
    title: { type: "plain_text" as const, text: "Baton" },
    clear_on_close: false,
    notify_on_close: false,
    close: null,
    submit: null,
    previous_view_id: null,
    root_view_id: id,
    app_id: "A0BATON001",
    external_id: "",
    app_installed_team_id: "T0TEST0001",
    bot_id: "B0BATONBOT",
  };
}

/** A block_actions payload for a button click, on a message in a channel unless told. */
export function buildButtonAction(options: {
  actionId: string;
  value: string;
  userId: string;
  channelId?: string;
  messageTs?: string;
  responseUrl?: string;
  surface?: ClickSurface;
}): BlockActionPayload<ButtonAction> {
  return buildBlockAction({
    userId: options.userId,
    responseUrl: options.responseUrl,
    surface: options.surface ?? {
      on: "channel",
      channelId: options.channelId,
      messageTs: options.messageTs,
    },
    action: {
      type: "button",
      action_id: options.actionId,
      block_id: "actions",
      value: options.value,
      text: { type: "plain_text", text: "Claim" },
      action_ts: `${Date.now() / 1000}`,
    },
  });
}

/** A view_submission payload for a modal, with its state values as Slack sends them. */
export function buildViewSubmission(options: {
  callbackId: string;
  userId: string;
  privateMetadata: string;
  values: Record<string, Record<string, unknown>>;
}) {
  return {
    type: "view_submission",
    team: { id: "T0TEST0001", domain: "baton-test" },
    user: {
      id: options.userId,
      username: options.userId.toLowerCase(),
      name: options.userId.toLowerCase(),
      team_id: "T0TEST0001",
    },
    api_app_id: "A0BATON001",
    token: "legacy-verification-token",
    trigger_id: `${Date.now()}.trigger`,
    view: {
      id: "V0MODAL001",
      team_id: "T0TEST0001",
      type: "modal",
      callback_id: options.callbackId,
      private_metadata: options.privateMetadata,
      blocks: [],
      state: { values: options.values },
      hash: "h",
      title: { type: "plain_text", text: "Modal" },
      close: null,
      submit: null,
      root_view_id: "V0MODAL001",
      previous_view_id: null,
      app_id: "A0BATON001",
      external_id: "",
      app_installed_team_id: "T0TEST0001",
      bot_id: "B0BATONBOT",
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

/**
 * One request on a fresh connection, as Slack sends them: a pooled keep-alive socket that the
 * app closes while idle (slow machine, long test) would otherwise fail with ECONNRESET.
 */
function post(
  url: string,
  headers: Record<string, string>,
  body: string,
): Promise<{
  status: number;
  text: string;
  headers: Record<string, string | string[] | undefined>;
}> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      {
        method: "POST",
        headers: { ...headers, "content-length": Buffer.byteLength(body) },
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            text: Buffer.concat(chunks).toString("utf8"),
            headers: response.headers,
          }),
        );
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    request.end(body);
  });
}
