// Payload factories with overrides, shaped like Slack's documented payloads and typed with
// Bolt's and @slack/types' own types: slash commands, button clicks, modal submissions and
// closes, app_home_opened, user_change, and the event_callback envelope.
import { randomBytes } from "node:crypto";
import type {
  BlockAction,
  ButtonAction,
  EnvelopedEvent,
  SlashCommand,
  ViewClosedAction,
  ViewOutput,
  ViewStateValue,
  ViewSubmitAction,
} from "@slack/bolt";
import type { AppHomeOpenedEvent, UserChangeEvent, View } from "@slack/types";
import {
  type FakeUser,
  type SlackUser,
  TEST_WORKSPACE,
  toSlackUser,
} from "#test/support/slack-fixtures.ts";

/**
 * Where a payload's response URL leads until the requester swaps in one of the fake Slack's
 * (port 9 refuses connections, so a `respond()` to it fails loudly).
 */
export const UNSET_RESPONSE_URL = "http://127.0.0.1:9/response-url/unset";

/** Modal state values: `{ [blockId]: { [actionId]: ViewStateValue } }`. */
export type ViewStateValues = ViewOutput["state"]["values"];

let sequence = 0;

/** A fresh trigger id; the fake Slack refuses it after 3 s or a second use, as Slack does. */
export function newTriggerId(): string {
  return `${Date.now()}.${++sequence}.${randomBytes(8).toString("hex")}`;
}

/** A fresh event id like Slack's "Ev08ABCD1234". */
export function newEventId(): string {
  return `Ev${randomBytes(5).toString("hex").toUpperCase()}${String(++sequence).padStart(4, "0")}`;
}

/** A slash command as Slack posts it (form fields). */
export function buildSlashCommand(overrides: Partial<SlashCommand> = {}): SlashCommand {
  return {
    token: "legacy-verification-token",
    command: "/leads",
    text: "",
    response_url: UNSET_RESPONSE_URL,
    trigger_id: newTriggerId(),
    user_id: "U0REP00001",
    user_name: "rep",
    team_id: TEST_WORKSPACE.teamId,
    team_domain: TEST_WORKSPACE.teamDomain,
    channel_id: "C0INB00001",
    channel_name: "inbound",
    api_app_id: TEST_WORKSPACE.appId,
    ...overrides,
  };
}

export interface ButtonActionOptions {
  actionId: string;
  value?: string;
  userId?: string;
  /** The message the button is on: a message from the fake Slack's `visible()` fits. */
  message?: { ts: string; channel?: string; text?: string; blocks?: unknown[] };
  channelId?: string;
  messageTs?: string;
  /** A button in a modal or the Home tab instead of a message (no response URL then). */
  view?: ViewOutput;
  blockId?: string;
  text?: string;
  responseUrl?: string;
  triggerId?: string;
}

/** A block_actions payload for a button click, as Slack posts it. */
export function buildButtonAction(options: ButtonActionOptions): BlockAction<ButtonAction> {
  const userId = options.userId ?? "U0REP00001";
  const action: ButtonAction = {
    type: "button",
    action_id: options.actionId,
    block_id: options.blockId ?? "actions",
    text: { type: "plain_text", text: options.text ?? "Button", emoji: true },
    action_ts: (Date.now() / 1000).toFixed(6),
    ...(options.value === undefined ? {} : { value: options.value }),
  };
  const base = {
    type: "block_actions" as const,
    user: {
      id: userId,
      username: userId.toLowerCase(),
      name: userId.toLowerCase(),
      team_id: TEST_WORKSPACE.teamId,
    },
    api_app_id: TEST_WORKSPACE.appId,
    token: "legacy-verification-token",
    trigger_id: options.triggerId ?? newTriggerId(),
    team: { id: TEST_WORKSPACE.teamId, domain: TEST_WORKSPACE.teamDomain },
    is_enterprise_install: false,
    actions: [action],
  };
  if (options.view) {
    return {
      ...base,
      container: { type: "view", view_id: options.view.id },
      view: options.view,
      // Slack sends no response URL for clicks in modals and the Home tab.
      response_url: options.responseUrl ?? "",
    };
  }
  const channel = options.channelId ?? options.message?.channel ?? "C0INB00001";
  const ts = options.messageTs ?? options.message?.ts ?? "1732270000.000100";
  return {
    ...base,
    container: { type: "message", message_ts: ts, channel_id: channel, is_ephemeral: false },
    channel: { id: channel, name: channel.toLowerCase() },
    message: {
      type: "message",
      ts,
      user: TEST_WORKSPACE.botUserId,
      bot_id: TEST_WORKSPACE.botId,
      text: options.message?.text ?? "",
      ...(options.message?.blocks ? { blocks: options.message.blocks } : {}),
    },
    response_url: options.responseUrl ?? UNSET_RESPONSE_URL,
  };
}

export interface ViewPayloadOptions {
  /** The modal as opened: a view from the fake Slack's `views` fits. */
  view?: Partial<ViewOutput> | Record<string, unknown>;
  callbackId?: string;
  privateMetadata?: string;
  values?: ViewStateValues;
  userId?: string;
}

/** A view_submission payload for a modal, with its state values. */
export function buildViewSubmission(options: ViewPayloadOptions): ViewSubmitAction {
  return {
    type: "view_submission",
    ...viewPayloadBase(options),
    trigger_id: newTriggerId(),
    response_urls: [],
  };
}

/** A view_closed payload (sent when the modal has `notify_on_close`). */
export function buildViewClosed(options: ViewPayloadOptions): ViewClosedAction {
  return { type: "view_closed", ...viewPayloadBase(options), is_cleared: false };
}

function viewPayloadBase(options: ViewPayloadOptions) {
  const userId = options.userId ?? "U0REP00001";
  const given = (options.view ?? {}) as Partial<ViewOutput>;
  const id = given.id ?? "V0MODAL0001";
  const view: ViewOutput = {
    team_id: TEST_WORKSPACE.teamId,
    type: "modal",
    blocks: [],
    title: { type: "plain_text", text: "Modal", emoji: true },
    close: null,
    submit: null,
    hash: `${Math.floor(Date.now() / 1000)}.fake`,
    root_view_id: id,
    previous_view_id: null,
    app_id: TEST_WORKSPACE.appId,
    app_installed_team_id: TEST_WORKSPACE.teamId,
    bot_id: TEST_WORKSPACE.botId,
    external_id: "",
    clear_on_close: false,
    notify_on_close: false,
    ...given,
    id,
    callback_id: options.callbackId ?? given.callback_id ?? "",
    private_metadata: options.privateMetadata ?? given.private_metadata ?? "",
    state: { values: options.values ?? given.state?.values ?? {} },
  };
  return {
    team: { id: TEST_WORKSPACE.teamId, domain: TEST_WORKSPACE.teamDomain },
    user: { id: userId, name: userId.toLowerCase(), team_id: TEST_WORKSPACE.teamId },
    view,
    api_app_id: TEST_WORKSPACE.appId,
    token: "legacy-verification-token",
    is_enterprise_install: false,
  };
}

/** A plain_text_input's state value. */
export function plainTextInput(value: string | null): ViewStateValue {
  return { type: "plain_text_input", value };
}

/** A static_select's state value. */
export function staticSelect(value: string, text: string = value): ViewStateValue {
  return {
    type: "static_select",
    selected_option: { text: { type: "plain_text", text, emoji: true }, value },
  };
}

/** A radio_buttons state value. */
export function radioButtons(value: string, text: string = value): ViewStateValue {
  return {
    type: "radio_buttons",
    selected_option: { text: { type: "plain_text", text, emoji: true }, value },
  };
}

/** A datepicker's state value (YYYY-MM-DD). */
export function datePicker(date: string | null): ViewStateValue {
  return { type: "datepicker", selected_date: date };
}

/** A users_select's state value. */
export function usersSelect(userId: string | null): ViewStateValue {
  return { type: "users_select", selected_user: userId };
}

/** The app_home_opened event of a user opening the app's Home tab (or Messages tab). */
export function buildAppHomeOpened(options: {
  userId: string;
  tab?: "home" | "messages";
  /** The Home view last published, as Slack includes it. */
  view?: View;
  channel?: string;
}): AppHomeOpenedEvent {
  return {
    type: "app_home_opened",
    user: options.userId,
    channel: options.channel ?? `D${options.userId.replace(/^[UW]/, "")}`,
    tab: options.tab ?? "home",
    ...(options.view ? { view: options.view } : {}),
    event_ts: (Date.now() / 1000).toFixed(6),
  };
}

/** A user_change event for a user fixture (e.g. `{ id, deleted: true }` for a deactivation). */
export function buildUserChange(
  user: FakeUser,
  overrides: Partial<SlackUser> = {},
): UserChangeEvent {
  return {
    type: "user_change",
    user: { ...toSlackUser(user), ...overrides },
    cache_ts: Math.floor(Date.now() / 1000),
    event_ts: (Date.now() / 1000).toFixed(6),
  };
}

/** The event_callback envelope Slack wraps every Events API event in. */
export function buildEventEnvelope<E extends { type: string }>(
  event: E,
  options: { eventId?: string; teamId?: string } = {},
): EnvelopedEvent<E> {
  const teamId = options.teamId ?? TEST_WORKSPACE.teamId;
  return {
    token: "legacy-verification-token",
    team_id: teamId,
    api_app_id: TEST_WORKSPACE.appId,
    event,
    type: "event_callback",
    event_id: options.eventId ?? newEventId(),
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [
      {
        enterprise_id: null,
        team_id: teamId,
        user_id: TEST_WORKSPACE.botUserId,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
    event_context: `4-fake-${teamId}`,
  };
}
