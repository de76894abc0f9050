// The state behind the fake Slack: channels and what is visible in them, ephemeral messages,
// modals and Home tabs, file uploads, users, response URLs; and the Web API methods Baton uses,
// answering as Slack does (including its `ok:false` errors). HTTP lives in fake-slack.ts.
import { blockErrors, viewErrors } from "#test/support/block-kit-limits.ts";
import { isRecord } from "#test/support/http-body.ts";
import {
  BOT_USER,
  type FakeChannel,
  type FakeUser,
  TEST_WORKSPACE,
  toSlackUser,
} from "#test/support/slack-fixtures.ts";

/** A Web API answer: `{ok:true,...}` or `{ok:false,error,...}`. */
export type SlackAnswer = { ok: boolean; error?: string } & Record<string, unknown>;

/** A message as visible in a channel now (after updates and deletes). */
export interface SlackMessage {
  type: "message";
  ts: string;
  channel: string;
  user: string;
  bot_id: string;
  app_id: string;
  team: string;
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
  metadata?: unknown;
  thread_ts?: string;
  reply_count?: number;
  latest_reply?: string;
  edited?: { user: string; ts: string };
  files?: Record<string, unknown>[];
  /** Posted through a response URL rather than chat.postMessage. */
  via?: "response_url";
}

/** A message only one user sees: chat.postEphemeral, or an ephemeral response URL answer. */
export interface EphemeralMessage {
  channel?: string;
  user?: string;
  message_ts: string;
  text?: string;
  blocks?: unknown[];
  thread_ts?: string;
  via: "chat.postEphemeral" | "response_url";
}

/** A file through files.getUploadURLExternal, the upload URL and files.completeUploadExternal. */
export interface UploadedFile {
  id: string;
  filename: string;
  /** Length WebClient declared in files.getUploadURLExternal. */
  length: number;
  /** The bytes posted to the upload URL. */
  data?: Buffer;
  completed: boolean;
  title?: string;
  channel?: string;
  threadTs?: string;
  initialComment?: string;
}

/** A modal or Home tab as Slack stores it (the `view` object its API returns). */
export type StoredView = Record<string, unknown> & { id: string; type: string; hash: string };

/** What was posted to a response URL (Bolt's `respond()`). */
export interface ResponseUrlPost {
  id: string;
  url: string;
  body: Record<string, unknown>;
  at: number;
}

/** Where a response URL came from, so `in_channel` and `replace_original` answers show up. */
export interface ResponseUrlContext {
  channel?: string;
  messageTs?: string;
  user?: string;
}

export interface WorkspaceOptions {
  users?: readonly FakeUser[];
  channels?: readonly FakeChannel[];
  /** Unknown channel ids get `channel_not_found` (default: any id is a channel). */
  strictChannels?: boolean;
  /** Check Block Kit limits like Slack (`invalid_blocks`); default true. */
  validateBlocks?: boolean;
  /** Trigger ids from the payload builders expire after this many ms (Slack: 3 s; 0: never). */
  triggerExpiryMs?: number;
}

type Method = (args: Record<string, unknown>) => SlackAnswer;

/** One fake workspace; `call` answers a Web API method. */
export class FakeWorkspace {
  readonly users = new Map<string, FakeUser>();
  readonly channels = new Map<string, FakeChannel>();
  readonly ephemerals: EphemeralMessage[] = [];
  readonly views = new Map<string, StoredView>();
  readonly homeViews = new Map<string, StoredView>();
  readonly files = new Map<string, UploadedFile>();
  readonly responses: ResponseUrlPost[] = [];
  /** Where apps.connections.open sends Socket Mode clients. */
  socketModeUrl: string | undefined;
  origin = "http://127.0.0.1:0";

  #messages = new Map<string, SlackMessage[]>();
  #dmUsers = new Map<string, string[]>();
  #responseContexts = new Map<string, ResponseUrlContext>();
  #usedTriggers = new Set<string>();
  #lastMicros = 0;
  #seq = 0;
  readonly #methods: Record<string, Method>;

  constructor(private readonly options: WorkspaceOptions = {}) {
    this.reset();
    this.#methods = {
      "api.test": (args) => ({ ok: true, args }),
      "auth.test": () => this.#authTest(),
      "apps.connections.open": () =>
        this.socketModeUrl ? { ok: true, url: this.socketModeUrl } : fail("invalid_auth"),
      "chat.postMessage": (args) => this.#postMessage(args),
      "chat.update": (args) => this.#update(args),
      "chat.delete": (args) => this.#delete(args),
      "chat.postEphemeral": (args) => this.#postEphemeral(args),
      "chat.getPermalink": (args) => this.#permalink(args),
      "views.open": (args) => this.#openView(args),
      "views.push": (args) => this.#openView(args),
      "views.update": (args) => this.#updateView(args),
      "views.publish": (args) => this.#publishView(args),
      "conversations.open": (args) => this.#openConversation(args),
      "conversations.info": (args) => this.#conversationInfo(args),
      "users.info": (args) => this.#userInfo(args),
      "users.lookupByEmail": (args) => this.#lookupByEmail(args),
      "files.getUploadURLExternal": (args) => this.#uploadUrl(args),
      "files.completeUploadExternal": (args) => this.#completeUpload(args),
    };
  }

  /** Answers one Web API call; unknown methods get `unknown_method`, as in Slack. */
  call(method: string, args: Record<string, unknown>): SlackAnswer {
    const handler = this.#methods[method];
    return handler ? handler(args) : fail("unknown_method");
  }

  /** Messages visible in a channel now, oldest first (thread replies included, with thread_ts). */
  visible(channel: string): SlackMessage[] {
    return structuredClone(this.#messages.get(this.#dmFor(channel) ?? channel) ?? []);
  }

  /** Replies in the thread of `threadTs`, oldest first. */
  thread(channel: string, threadTs: string): SlackMessage[] {
    return this.visible(channel).filter((m) => m.thread_ts === threadTs && m.ts !== threadTs);
  }

  /** The DM channel id Slack uses between the bot and a user. */
  dmChannel(userId: string): string {
    const id = `D${userId.replace(/^[UW]/, "")}`;
    this.#dmUsers.set(id, [userId]);
    return id;
  }

  /** A unique, increasing message ts like "1732270000.000100". */
  nextTs(): string {
    const micros = Math.max(Date.now() * 1000, this.#lastMicros + 1);
    this.#lastMicros = micros;
    return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, "0")}`;
  }

  /** A response URL path id, remembered with where it came from. */
  registerResponseUrl(context: ResponseUrlContext = {}): string {
    const id = `R${String(++this.#seq).padStart(6, "0")}`;
    this.#responseContexts.set(id, context);
    return id;
  }

  /** Records a response URL post and applies it to the channel as Slack would. */
  receiveResponse(id: string, url: string, body: Record<string, unknown>): void {
    this.responses.push({ id, url, body, at: Date.now() });
    const context = this.#responseContexts.get(id) ?? {};
    const channel = context.channel;
    const text = typeof body.text === "string" ? body.text : undefined;
    const blocks = Array.isArray(body.blocks) ? body.blocks : undefined;
    const messages = channel ? this.#messages.get(channel) : undefined;
    if (truthy(body.delete_original)) {
      if (messages && context.messageTs) {
        this.#messages.set(
          channel!,
          messages.filter((m) => m.ts !== context.messageTs),
        );
      }
      return;
    }
    if (truthy(body.replace_original)) {
      const original = messages?.find((m) => m.ts === context.messageTs);
      if (original) {
        original.text = text ?? original.text;
        original.blocks = blocks;
        return;
      }
    }
    if (body.response_type === "in_channel" && channel) {
      this.#append({
        ...this.#message(channel, text ?? "", { blocks }),
        thread_ts: typeof body.thread_ts === "string" ? body.thread_ts : undefined,
        via: "response_url",
      });
      return;
    }
    this.ephemerals.push({
      channel,
      user: context.user,
      message_ts: this.nextTs(),
      text,
      blocks,
      via: "response_url",
    });
  }

  /** Stores the bytes posted to a file's upload URL; false for an unknown file. */
  receiveUpload(fileId: string, data: Buffer): boolean {
    const file = this.files.get(fileId);
    if (!file) return false;
    file.data = data;
    return true;
  }

  /** Forgets everything and reloads the fixtures given at start. */
  reset(): void {
    this.users.clear();
    this.channels.clear();
    for (const user of [BOT_USER, ...(this.options.users ?? [])]) this.users.set(user.id, user);
    for (const channel of this.options.channels ?? []) this.channels.set(channel.id, channel);
    this.#messages.clear();
    this.#dmUsers.clear();
    this.#responseContexts.clear();
    this.#usedTriggers.clear();
    this.ephemerals.length = 0;
    this.responses.length = 0;
    this.views.clear();
    this.homeViews.clear();
    this.files.clear();
  }

  #authTest(): SlackAnswer {
    return {
      ok: true,
      url: `https://${TEST_WORKSPACE.teamDomain}.slack.com/`,
      team: TEST_WORKSPACE.teamName,
      user: TEST_WORKSPACE.botName,
      team_id: TEST_WORKSPACE.teamId,
      user_id: TEST_WORKSPACE.botUserId,
      bot_id: TEST_WORKSPACE.botId,
      is_enterprise_install: false,
    };
  }

  #postMessage(args: Record<string, unknown>): SlackAnswer {
    const channel = this.#resolveChannel(args.channel);
    if ("error" in channel) return fail(channel.error);
    if (this.channels.get(channel.id)?.isArchived) return fail("is_archived");
    const content = this.#content(args);
    if ("error" in content) return content.error;
    if (content.text === undefined && !content.blocks && !content.attachments)
      return fail("no_text");
    const message = this.#message(channel.id, content.text ?? "", content);
    const threadTs = str(args.thread_ts);
    if (threadTs) {
      message.thread_ts = threadTs;
      const parent = this.#messages.get(channel.id)?.find((m) => m.ts === threadTs);
      if (parent) {
        parent.thread_ts = threadTs;
        parent.reply_count = (parent.reply_count ?? 0) + 1;
        parent.latest_reply = message.ts;
      }
    }
    this.#append(message);
    const { channel: _, ...shown } = message;
    return { ok: true, channel: channel.id, ts: message.ts, message: structuredClone(shown) };
  }

  #update(args: Record<string, unknown>): SlackAnswer {
    const channel = this.#resolveChannel(args.channel);
    if ("error" in channel) return fail(channel.error);
    const message = this.#messages.get(channel.id)?.find((m) => m.ts === str(args.ts));
    if (!message) return fail("message_not_found");
    const content = this.#content(args);
    if ("error" in content) return content.error;
    // Slack keeps what an update leaves out; an empty array removes blocks or attachments.
    if (content.text !== undefined) message.text = content.text;
    if (content.blocks) message.blocks = content.blocks;
    if (content.attachments) message.attachments = content.attachments;
    if (args.metadata !== undefined) message.metadata = args.metadata;
    message.edited = { user: TEST_WORKSPACE.botUserId, ts: this.nextTs() };
    const { channel: _, ...shown } = message;
    return {
      ok: true,
      channel: channel.id,
      ts: message.ts,
      text: message.text,
      message: structuredClone(shown),
    };
  }

  #delete(args: Record<string, unknown>): SlackAnswer {
    const channel = this.#resolveChannel(args.channel);
    if ("error" in channel) return fail(channel.error);
    const messages = this.#messages.get(channel.id) ?? [];
    const ts = str(args.ts);
    if (!messages.some((m) => m.ts === ts)) return fail("message_not_found");
    this.#messages.set(
      channel.id,
      messages.filter((m) => m.ts !== ts),
    );
    return { ok: true, channel: channel.id, ts };
  }

  #postEphemeral(args: Record<string, unknown>): SlackAnswer {
    const channel = this.#resolveChannel(args.channel);
    if ("error" in channel) return fail(channel.error);
    const user = str(args.user);
    if (!user) return fail("user_not_found");
    const content = this.#content(args);
    if ("error" in content) return content.error;
    if (content.text === undefined && !content.blocks && !content.attachments)
      return fail("no_text");
    const messageTs = this.nextTs();
    this.ephemerals.push({
      channel: channel.id,
      user,
      message_ts: messageTs,
      text: content.text,
      blocks: content.blocks,
      thread_ts: str(args.thread_ts),
      via: "chat.postEphemeral",
    });
    return { ok: true, message_ts: messageTs };
  }

  #permalink(args: Record<string, unknown>): SlackAnswer {
    const channel = this.#resolveChannel(args.channel);
    if ("error" in channel) return fail(channel.error);
    const message = this.#messages.get(channel.id)?.find((m) => m.ts === str(args.message_ts));
    if (!message) return fail("message_not_found");
    const base = `https://${TEST_WORKSPACE.teamDomain}.slack.com/archives/${channel.id}/p${message.ts.replace(".", "")}`;
    const reply = message.thread_ts && message.thread_ts !== message.ts;
    return {
      ok: true,
      channel: channel.id,
      permalink: reply ? `${base}?thread_ts=${message.thread_ts}&cid=${channel.id}` : base,
    };
  }

  #openView(args: Record<string, unknown>): SlackAnswer {
    const trigger = this.#useTrigger(args.trigger_id);
    if (trigger) return fail(trigger);
    const errors = this.#viewErrors(args.view);
    if (errors) return errors;
    const view = this.#storeView(args.view as Record<string, unknown>);
    return { ok: true, view: structuredClone(view) };
  }

  #updateView(args: Record<string, unknown>): SlackAnswer {
    const existing =
      this.views.get(str(args.view_id) ?? "") ??
      [...this.views.values()].find((v) => args.external_id && v.external_id === args.external_id);
    if (!existing) return fail("not_found");
    if (args.hash !== undefined && args.hash !== existing.hash) return fail("hash_conflict");
    const errors = this.#viewErrors(args.view);
    if (errors) return errors;
    const view = this.#storeView(args.view as Record<string, unknown>, existing);
    return { ok: true, view: structuredClone(view) };
  }

  #publishView(args: Record<string, unknown>): SlackAnswer {
    const user = str(args.user_id);
    if (!user) return fail("invalid_arguments");
    const errors = this.#viewErrors(args.view);
    if (errors) return errors;
    const input = args.view as Record<string, unknown>;
    if (input.type !== "home") return fail("invalid_arguments");
    const existing = this.homeViews.get(user);
    if (args.hash !== undefined && existing && args.hash !== existing.hash)
      return fail("hash_conflict");
    const view = this.#storeView(input, existing);
    this.homeViews.set(user, view);
    return { ok: true, view: structuredClone(view) };
  }

  #openConversation(args: Record<string, unknown>): SlackAnswer {
    const users = (str(args.users) ?? "")
      .split(",")
      .map((u) => u.trim())
      .filter(Boolean);
    if (users.length === 0) return fail("users_list_not_supplied");
    for (const id of users) if (this.users.get(id)?.deleted) return fail("user_disabled");
    const id =
      users.length === 1
        ? this.dmChannel(users[0]!)
        : `G${users.join("").replace(/[UW]/g, "").slice(0, 10)}`;
    if (users.length > 1) this.#dmUsers.set(id, users);
    return { ok: true, no_op: false, already_open: false, channel: { id } };
  }

  #conversationInfo(args: Record<string, unknown>): SlackAnswer {
    const channel = this.#resolveChannel(args.channel);
    if ("error" in channel) return fail(channel.error);
    const dmUsers = this.#dmUsers.get(channel.id);
    if (dmUsers?.length === 1) {
      const user = dmUsers[0]!;
      return {
        ok: true,
        channel: {
          id: channel.id,
          created: 1_700_000_000,
          is_im: true,
          is_org_shared: false,
          user,
          is_user_deleted: this.users.get(user)?.deleted ?? false,
          priority: 0,
        },
      };
    }
    const fixture = this.channels.get(channel.id);
    const isPrivate = fixture?.isPrivate ?? (dmUsers !== undefined || channel.id.startsWith("G"));
    return {
      ok: true,
      channel: {
        id: channel.id,
        name: fixture?.name ?? channel.id.toLowerCase(),
        is_channel: !isPrivate,
        is_group: isPrivate,
        is_im: false,
        is_mpim: dmUsers !== undefined,
        is_private: isPrivate,
        is_archived: fixture?.isArchived ?? false,
        is_general: false,
        is_member: true,
        created: 1_700_000_000,
        creator: TEST_WORKSPACE.botUserId,
        topic: { value: "", creator: "", last_set: 0 },
        purpose: { value: "", creator: "", last_set: 0 },
      },
    };
  }

  #userInfo(args: Record<string, unknown>): SlackAnswer {
    const user = this.users.get(str(args.user) ?? "");
    return user ? { ok: true, user: toSlackUser(user) } : fail("user_not_found");
  }

  #lookupByEmail(args: Record<string, unknown>): SlackAnswer {
    const email = str(args.email)?.toLowerCase();
    const user = [...this.users.values()].find((u) => email && u.email?.toLowerCase() === email);
    return user ? { ok: true, user: toSlackUser(user) } : fail("users_not_found");
  }

  #uploadUrl(args: Record<string, unknown>): SlackAnswer {
    const filename = str(args.filename);
    const length = Number(args.length);
    if (!filename || !Number.isInteger(length) || length < 0) return fail("invalid_arguments");
    const id = `F${String(++this.#seq).padStart(10, "0")}`;
    this.files.set(id, { id, filename, length, completed: false });
    return { ok: true, upload_url: `${this.origin}/upload/v1/${id}`, file_id: id };
  }

  #completeUpload(args: Record<string, unknown>): SlackAnswer {
    const entries = Array.isArray(args.files) ? args.files.filter(isRecord) : [];
    if (entries.length === 0) return fail("invalid_arguments");
    const files = entries.map((entry) => ({ entry, file: this.files.get(str(entry.id) ?? "") }));
    if (files.some(({ file }) => !file?.data)) return fail("file_not_found");
    let channel: string | undefined;
    if (args.channel_id !== undefined) {
      const resolved = this.#resolveChannel(args.channel_id);
      if ("error" in resolved) return fail(resolved.error);
      channel = resolved.id;
    }
    const shown = files.map(({ entry, file }) => {
      Object.assign(file!, {
        completed: true,
        title: str(entry.title) ?? file!.filename,
        channel,
        threadTs: str(args.thread_ts),
        initialComment: str(args.initial_comment),
      });
      return this.#fileObject(file!);
    });
    if (channel) {
      const message = this.#message(channel, str(args.initial_comment) ?? "", {
        blocks: Array.isArray(args.blocks) ? args.blocks : undefined,
      });
      message.files = shown;
      if (args.thread_ts) message.thread_ts = str(args.thread_ts);
      this.#append(message);
    }
    return { ok: true, files: shown };
  }

  #fileObject(file: UploadedFile): Record<string, unknown> {
    const extension = file.filename.split(".").pop()?.toLowerCase() ?? "";
    const url = `https://files.slack.com/files-pri/${TEST_WORKSPACE.teamId}-${file.id}/${file.filename}`;
    return {
      id: file.id,
      created: Math.floor(Date.now() / 1000),
      timestamp: Math.floor(Date.now() / 1000),
      name: file.filename,
      title: file.title,
      mimetype: MIME_TYPES[extension] ?? "application/octet-stream",
      filetype: extension || "binary",
      user: TEST_WORKSPACE.botUserId,
      size: file.data?.length ?? 0,
      url_private: url,
      url_private_download: `${url}?download=1`,
      permalink: `https://${TEST_WORKSPACE.teamDomain}.slack.com/files/${TEST_WORKSPACE.botUserId}/${file.id}/${file.filename}`,
      channels: file.channel ? [file.channel] : [],
    };
  }

  /** Text, blocks and attachments of a call, with Block Kit limits checked. */
  #content(
    args: Record<string, unknown>,
  ): { text?: string; blocks?: unknown[]; attachments?: unknown[] } | { error: SlackAnswer } {
    const errors =
      this.options.validateBlocks === false ? [] : blockErrors(args.blocks, "/blocks", 50);
    if (errors.length > 0) return { error: invalid("invalid_blocks", errors) };
    if (args.attachments !== undefined && !Array.isArray(args.attachments)) {
      return { error: fail("invalid_attachments") };
    }
    return {
      text: str(args.text),
      blocks: Array.isArray(args.blocks) ? args.blocks : undefined,
      attachments: Array.isArray(args.attachments) ? args.attachments : undefined,
    };
  }

  #viewErrors(view: unknown): SlackAnswer | undefined {
    if (!isRecord(view)) return fail("invalid_arguments");
    const errors = this.options.validateBlocks === false ? [] : viewErrors(view);
    return errors.length > 0 ? invalid("invalid_arguments", errors) : undefined;
  }

  #storeView(input: Record<string, unknown>, existing?: StoredView): StoredView {
    const id = existing?.id ?? `V${String(++this.#seq).padStart(10, "0")}`;
    const view: StoredView = {
      id,
      team_id: TEST_WORKSPACE.teamId,
      type: String(input.type),
      blocks: Array.isArray(input.blocks) ? input.blocks : [],
      private_metadata: str(input.private_metadata) ?? "",
      callback_id: str(input.callback_id) ?? "",
      state: { values: {} },
      hash: `${Math.floor(Date.now() / 1000)}.${String(++this.#seq).padStart(8, "0")}`,
      title: input.title ?? null,
      close: input.close ?? null,
      submit: input.submit ?? null,
      clear_on_close: input.clear_on_close === true,
      notify_on_close: input.notify_on_close === true,
      previous_view_id: null,
      root_view_id: existing?.root_view_id ?? id,
      app_id: TEST_WORKSPACE.appId,
      external_id: str(input.external_id) ?? "",
      app_installed_team_id: TEST_WORKSPACE.teamId,
      bot_id: TEST_WORKSPACE.botId,
    };
    this.views.set(id, view);
    return view;
  }

  /** Slack lets a trigger id open one view, within 3 seconds of the user's action. */
  #useTrigger(trigger: unknown): string | undefined {
    if (typeof trigger !== "string" || trigger === "") return "invalid_trigger_id";
    if (this.#usedTriggers.has(trigger)) return "exchanged_trigger_id";
    this.#usedTriggers.add(trigger);
    const expiry = this.options.triggerExpiryMs ?? 3000;
    const issued = /^(\d{13})\.\d+\.[0-9a-f]+$/.exec(trigger)?.[1];
    if (expiry > 0 && issued && Date.now() - Number(issued) > expiry) return "expired_trigger_id";
    return undefined;
  }

  #resolveChannel(raw: unknown): { id: string } | { error: string } {
    const value = str(raw);
    if (!value) return { error: "channel_not_found" };
    if (/^[UW][A-Z0-9]+$/.test(value)) {
      return this.users.get(value)?.deleted
        ? { error: "user_disabled" }
        : { id: this.dmChannel(value) };
    }
    const byName = value.replace(/^#/, "");
    const fixture =
      this.channels.get(value) ?? [...this.channels.values()].find((c) => c.name === byName);
    if (fixture) return fixture.missing ? { error: "channel_not_found" } : { id: fixture.id };
    if (this.#dmUsers.has(value)) return { id: value };
    if (this.options.strictChannels || value.startsWith("#")) return { error: "channel_not_found" };
    return { id: value };
  }

  #dmFor(channel: string): string | undefined {
    return /^[UW][A-Z0-9]+$/.test(channel) ? this.dmChannel(channel) : undefined;
  }

  #message(
    channel: string,
    text: string,
    content: { blocks?: unknown[]; attachments?: unknown[] },
  ): SlackMessage {
    const message: SlackMessage = {
      type: "message",
      ts: this.nextTs(),
      channel,
      user: TEST_WORKSPACE.botUserId,
      bot_id: TEST_WORKSPACE.botId,
      app_id: TEST_WORKSPACE.appId,
      team: TEST_WORKSPACE.teamId,
      text,
    };
    if (content.blocks) message.blocks = content.blocks;
    if (content.attachments) message.attachments = content.attachments;
    return message;
  }

  #append(message: SlackMessage): void {
    const list = this.#messages.get(message.channel) ?? [];
    list.push(message);
    this.#messages.set(message.channel, list);
  }
}

const MIME_TYPES: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  svg: "image/svg+xml",
  csv: "text/csv",
  txt: "text/plain",
  json: "application/json",
  pdf: "application/pdf",
};

function fail(error: string): SlackAnswer {
  return { ok: false, error };
}

/** Slack's shape for argument errors: the error, and where, in response_metadata. */
function invalid(error: string, errors: string[]): SlackAnswer {
  return {
    ok: false,
    error,
    errors,
    response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) },
  };
}

function str(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  return undefined;
}

function truthy(value: unknown): boolean {
  return value === true || value === "true";
}
