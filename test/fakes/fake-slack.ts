// A fake Slack Web API on 127.0.0.1 that the real @slack/web-api client reaches through
// SLACK_API_URL. It records every call, answers the methods Baton uses, keeps what is visible
// in each channel, records posts to response URLs, and can inject faults.

import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll } from "vitest";
import { parse as parseYaml } from "yaml";
import { blockErrors, viewErrors } from "#test/fakes/block-kit-limits.ts";

export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
  token?: string;
  at: number;
  /** Set when the call was refused or lost on purpose (chaos, a fault, the rate limit). */
  failed?: "ratelimited" | "server_error" | "timeout" | "fault";
  /** The Retry-After (seconds) sent with a 429. */
  retryAfter?: number;
  /** When the client gave up on a call left unanswered ("timeout") and closed its connection. */
  abandonedAt?: number;
}

export interface ResponseUrlPost {
  id: string;
  body: Record<string, unknown>;
}

export interface VisibleMessage {
  ts: string;
  channel: string;
  text?: string;
  blocks?: unknown[];
  thread_ts?: string;
}

export interface UploadedFile {
  id: string;
  filename?: string;
  bytes: number;
  channel?: string;
  title?: string;
  initialComment?: string;
}

interface RateLimit {
  method: string;
  /** Tokens added per second, per channel. */
  perSecond: number;
  /** Bucket size: how many calls may come at once. */
  burst: number;
}

type ChaosKind = "ratelimited" | "server_error" | "slow" | "timeout";

interface Chaos {
  probability: number;
  random: () => number;
  methods?: string[];
  kinds: ChaosKind[];
  /** Seconds in a chaos 429's Retry-After. */
  retryAfter: number;
  /** How long a "timeout" holds the request before dropping the connection unanswered. */
  hangMs: number;
}

interface Fault {
  method: string | "*";
  times: number;
  status?: number;
  retryAfter?: number;
  error?: string;
  delayMs?: number;
}

export interface FakeSlack {
  /** Base URL for WebClient's slackApiUrl (ends with /api/). */
  url: string;
  origin: string;
  calls: SlackCall[];
  responses: ResponseUrlPost[];
  callsTo(method: string): SlackCall[];
  /** Messages currently visible in a channel (after updates and deletes). */
  visible(channel: string): VisibleMessage[];
  waitFor<T>(find: () => T | undefined, timeoutMs?: number): Promise<T>;
  /** The next `times` calls to `method` fail as described. */
  fail(method: string, fault: Omit<Fault, "method" | "times"> & { times?: number }): void;
  /** Files completed through the files upload methods (files.uploadV2). */
  uploads: UploadedFile[];
  /** Calls refused because a per-channel rate limit was exceeded. */
  overLimit(): number;
  /** Slack-like per-channel limits: `perSecond` with bursts up to `burst`; 429 beyond. */
  setRateLimit(limit: RateLimit | undefined): void;
  /**
   * Fails a share of calls at random, reproducibly (seeded): 429 with Retry-After
   * ("ratelimited"), 503 ("server_error"), an answer 1.5 s late ("slow"), or no answer at all
   * ("timeout": held for `hangMs`, then the connection is dropped; nothing is posted).
   */
  chaos(
    options:
      | {
          probability: number;
          seed: number;
          methods?: string[];
          kinds?: ChaosKind[];
          retryAfter?: number;
          hangMs?: number;
        }
      | undefined,
  ): void;
  /** A fresh response URL that records what is posted to it. */
  responseUrl(): string;
  /** What users.info answers for this user, over the defaults (tz, profile with a status...). */
  setUser(id: string, fields: Record<string, unknown>): void;
  /** Where apps.connections.open sends Socket Mode clients (see fake-socket-mode.ts). */
  socketModeUrl?: string;
  /** The people and channels users.info and conversations.info answer from (see FakeWorkspace). */
  workspace: FakeWorkspace;
  /**
   * The scopes a bot token (xoxb-) was granted, sent as Slack sends them: in the x-oauth-scopes
   * header of every Web API answer. Default: every bot scope in slack-manifest.yml.
   */
  botScopes: string[];
  reset(): void;
  close(): Promise<void>;
}

/** A person in the fake workspace: users.info answers with the shape Slack documents. */
export interface FakeSlackUser {
  id: string;
  /** Deactivated. */
  deleted?: boolean;
  is_bot?: boolean;
  real_name?: string;
  email?: string;
}

/** A channel in the fake workspace, as conversations.info describes it. */
export interface FakeSlackChannel {
  id: string;
  name: string;
  is_private?: boolean;
  is_archived?: boolean;
  /** Whether the bot is in it. Slack hides a private channel the bot is not in: channel_not_found. */
  is_member?: boolean;
}

/**
 * Who and what exists. Until a test lists someone, users.info answers every id as a live
 * person and conversations.info every id as a public channel the bot is in; with `closed`, an
 * id not listed is user_not_found / channel_not_found, as in a real workspace.
 */
export interface FakeWorkspace {
  users: Map<string, FakeSlackUser>;
  channels: Map<string, FakeSlackChannel>;
  closed: boolean;
}

const MANIFEST = new URL("../../slack-manifest.yml", import.meta.url);

function manifestBotScopes(): string[] {
  const manifest = parseYaml(readFileSync(MANIFEST, "utf8")) as {
    oauth_config: { scopes: { bot: string[] } };
  };
  return [...manifest.oauth_config.scopes.bot];
}

/** users.info and conversations.info from the workspace; undefined for other methods. */
function workspaceAnswer(
  workspace: FakeWorkspace,
  method: string,
  args: Record<string, unknown>,
): Record<string, unknown> | undefined {
  if (method === "users.info") {
    const user = workspace.users.get(String(args.user));
    if (!user) return workspace.closed ? { ok: false, error: "user_not_found" } : undefined;
    return {
      ok: true,
      user: {
        id: user.id,
        team_id: BOT.team_id,
        name: user.id.toLowerCase(),
        deleted: user.deleted ?? false,
        is_bot: user.is_bot ?? false,
        real_name: user.real_name ?? `User ${user.id}`,
        tz: "America/New_York",
        profile: { real_name: user.real_name ?? `User ${user.id}`, email: user.email },
      },
    };
  }
  if (method === "conversations.info") {
    const id = String(args.channel);
    const channel =
      workspace.channels.get(id) ??
      (workspace.closed ? undefined : { id, name: id.toLowerCase(), is_member: true });
    if (!channel || (channel.is_private && !channel.is_member)) {
      return { ok: false, error: "channel_not_found" };
    }
    return {
      ok: true,
      channel: {
        id: channel.id,
        name: channel.name,
        is_channel: true,
        is_group: false,
        is_im: false,
        is_mpim: false,
        is_private: channel.is_private ?? false,
        is_archived: channel.is_archived ?? false,
        is_general: false,
        is_member: channel.is_member ?? false,
        created: 1449252889,
      },
    };
  }
  return undefined;
}

const BOT = { team_id: "T0TEST0001", user_id: "U0BATONBOT", bot_id: "B0BATONBOT" };

/** Slack refuses messages and views over Block Kit's limits; so does the fake. */
function blockKitErrors(method: string, args: Record<string, unknown>): string[] {
  if (
    method === "chat.postMessage" ||
    method === "chat.update" ||
    method === "chat.postEphemeral"
  ) {
    return blockErrors(parseJsonArg(args.blocks), "/blocks", 50);
  }
  if (method.startsWith("views.")) return viewErrors(parseJsonArg(args.view));
  return [];
}

function parseJsonArg(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

export async function startFakeSlack(): Promise<FakeSlack> {
  const calls: SlackCall[] = [];
  const users = new Map<string, Record<string, unknown>>();
  const responses: ResponseUrlPost[] = [];
  const channels = new Map<string, VisibleMessage[]>();
  let faults: Fault[] = [];
  const uploads: UploadedFile[] = [];
  const pending = new Map<string, UploadedFile>();
  let rateLimit: RateLimit | undefined;
  const buckets = new Map<string, { tokens: number; at: number }>();
  let overLimit = 0;
  let chaos: Chaos | undefined;
  let clock = 1_795_000_000;
  let seq = 0;
  let responseSeq = 0;
  const nextTs = () =>
    `${clock + Math.floor(seq / 1000)}.${String(++seq % 1_000_000).padStart(6, "0")}`;

  const answer = (method: string, args: Record<string, unknown>): Record<string, unknown> => {
    const channel = String(args.channel ?? "");
    const invalid = blockKitErrors(method, args);
    if (invalid.length > 0) return { ok: false, error: "invalid_blocks", errors: invalid };
    const listed = workspaceAnswer(fake.workspace, method, args);
    if (listed) return listed;
    switch (method) {
      case "apps.connections.open":
        return fake.socketModeUrl
          ? { ok: true, url: fake.socketModeUrl }
          : { ok: false, error: "invalid_auth" };
      case "auth.test":
        return {
          ok: true,
          url: "https://baton-test.slack.com/",
          team: "Baton Test",
          user: "baton",
          ...BOT,
        };
      case "chat.postMessage": {
        const ts = nextTs();
        const message: VisibleMessage = {
          ts,
          channel,
          text: args.text as string,
          blocks: args.blocks as unknown[],
        };
        if (args.thread_ts) message.thread_ts = String(args.thread_ts);
        channels.set(channel, [...(channels.get(channel) ?? []), message]);
        return { ok: true, channel, ts, message };
      }
      case "chat.update": {
        const list = channels.get(channel) ?? [];
        const found = list.find((m) => m.ts === args.ts);
        if (!found) return { ok: false, error: "message_not_found" };
        found.text = args.text as string;
        found.blocks = args.blocks as unknown[];
        return { ok: true, channel, ts: args.ts };
      }
      case "chat.delete": {
        channels.set(
          channel,
          (channels.get(channel) ?? []).filter((m) => m.ts !== args.ts),
        );
        return { ok: true, channel, ts: args.ts };
      }
      case "chat.postEphemeral":
        return { ok: true, message_ts: nextTs() };
      case "chat.getPermalink":
        return {
          ok: true,
          channel,
          permalink: `https://baton-test.slack.com/archives/${channel}/p${String(args.message_ts).replace(".", "")}`,
        };
      case "conversations.open":
        return { ok: true, channel: { id: `D${String(args.users ?? "").replace(/^U/, "")}` } };
      case "views.open":
      case "views.update":
      case "views.push":
      case "views.publish":
        return {
          ok: true,
          view: { id: `V${++seq}`, ...(typeof args.view === "object" ? args.view : {}) },
        };
      case "users.info":
        return {
          ok: true,
          user: {
            id: args.user,
            name: String(args.user).toLowerCase(),
            deleted: false,
            tz: "America/New_York",
            profile: {
              real_name: `User ${args.user}`,
              email: `${String(args.user).toLowerCase()}@reps.example`,
            },
            ...users.get(String(args.user)),
          },
        };
      case "files.getUploadURLExternal": {
        const id = `F${String(++seq).padStart(9, "0")}`;
        pending.set(id, { id, filename: args.filename as string, bytes: 0 });
        return { ok: true, upload_url: `${origin}/upload/${id}`, file_id: id };
      }
      case "files.completeUploadExternal": {
        const files = (args.files ?? []) as { id: string; title?: string }[];
        const done = files.map((f) => {
          const file = pending.get(f.id);
          if (!file) return undefined;
          pending.delete(f.id);
          const complete = {
            ...file,
            title: f.title,
            channel: args.channel_id as string | undefined,
            initialComment: args.initial_comment as string | undefined,
          };
          uploads.push(complete);
          return complete;
        });
        if (done.some((f) => !f)) return { ok: false, error: "file_not_found" };
        return { ok: true, files: done.map((f) => ({ id: f!.id, title: f!.title })) };
      }
      case "users.lookupByEmail": {
        // The inverse of users.info's default email: u0reppriya@reps.example is U0REPPRIYA.
        const local = /^([a-z0-9]+)@reps\.example$/i.exec(String(args.email ?? ""))?.[1];
        if (!local) return { ok: false, error: "users_not_found" };
        const id = local.toUpperCase();
        return {
          ok: true,
          user: { id, name: local, deleted: false, profile: { email: String(args.email) } },
        };
      }
      // Custom workflow steps end with one of these (api.slack.com/methods/functions.completeSuccess,
      // functions.completeError): the execution id, and the outputs or the error.
      case "functions.completeSuccess":
        if (typeof args.function_execution_id !== "string") {
          return { ok: false, error: "invalid_arguments" };
        }
        return typeof args.outputs === "object" && args.outputs !== null
          ? { ok: true }
          : { ok: false, error: "invalid_arguments" };
      case "functions.completeError":
        return typeof args.function_execution_id === "string" && typeof args.error === "string"
          ? { ok: true }
          : { ok: false, error: "invalid_arguments" };
      default:
        return { ok: false, error: "unknown_method" };
    }
  };

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const raw = await readBody(req);
    if (url.pathname.startsWith("/upload/")) {
      const file = pending.get(url.pathname.slice("/upload/".length));
      if (!file) {
        res.writeHead(404);
        res.end();
        return;
      }
      file.bytes = uploadedBytes(raw, req.headers["content-type"] ?? "");
      res.end(`OK - ${file.bytes}`);
      return;
    }
    if (url.pathname.startsWith("/response-url/")) {
      responses.push({
        id: url.pathname.slice("/response-url/".length),
        body: JSON.parse(raw || "{}"),
      });
      res.setHeader("Content-Type", "application/json");
      res.end('{"ok":true}');
      return;
    }
    const method = url.pathname.replace(/^\/api\//, "");
    const args = parseArgs(raw, req.headers["content-type"] ?? "");
    const token =
      /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1] ??
      (args.token as string | undefined);
    const call: SlackCall = { method, args, token, at: Date.now() };
    calls.push(call);

    if (
      chaos &&
      (!chaos.methods || chaos.methods.includes(method)) &&
      chaos.random() < chaos.probability
    ) {
      const kind = chaos.kinds[Math.floor(chaos.random() * chaos.kinds.length)]!;
      if (kind === "slow") await new Promise((resolve) => setTimeout(resolve, 1500));
      else if (kind === "timeout") {
        call.failed = "timeout";
        res.once("close", () => {
          call.abandonedAt ??= Date.now();
        });
        await new Promise((resolve) => setTimeout(resolve, chaos?.hangMs ?? 20_000));
        req.socket.destroy();
        return;
      } else {
        call.failed = kind;
        if (kind === "ratelimited") {
          call.retryAfter = chaos.retryAfter;
          res.setHeader("Retry-After", String(chaos.retryAfter));
        }
        res.writeHead(kind === "ratelimited" ? 429 : 503, { "Content-Type": "application/json" });
        res.end(
          JSON.stringify({
            ok: false,
            error: kind === "ratelimited" ? "ratelimited" : "service_unavailable",
          }),
        );
        return;
      }
    }
    if (rateLimit && rateLimit.method === method) {
      const key = String(args.channel ?? "");
      const now = Date.now();
      const bucket = buckets.get(key) ?? { tokens: rateLimit.burst, at: now };
      bucket.tokens = Math.min(
        rateLimit.burst,
        bucket.tokens + ((now - bucket.at) / 1000) * rateLimit.perSecond,
      );
      bucket.at = now;
      buckets.set(key, bucket);
      if (bucket.tokens < 1) {
        overLimit += 1;
        call.failed = "ratelimited";
        call.retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / rateLimit.perSecond));
        res.setHeader("Retry-After", String(call.retryAfter));
        res.writeHead(429, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ ok: false, error: "ratelimited" }));
        return;
      }
      bucket.tokens -= 1;
    }
    const fault = faults.find((f) => (f.method === method || f.method === "*") && f.times > 0);
    if (fault) {
      fault.times -= 1;
      faults = faults.filter((f) => f.times > 0);
      if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      if (fault.status || fault.error) call.failed = fault.status === 429 ? "ratelimited" : "fault";
      if (fault.status === 429) call.retryAfter = fault.retryAfter;
      if (fault.status) {
        if (fault.retryAfter !== undefined) res.setHeader("Retry-After", String(fault.retryAfter));
        res.writeHead(fault.status, { "Content-Type": "application/json" });
        res.end(
          JSON.stringify({
            ok: false,
            error: fault.error ?? (fault.status === 429 ? "ratelimited" : "internal_error"),
          }),
        );
        return;
      }
      if (fault.error) {
        res.setHeader("Content-Type", "application/json");
        res.end(JSON.stringify({ ok: false, error: fault.error }));
        return;
      }
    }
    res.setHeader("Content-Type", "application/json");
    if (token?.startsWith("xoxb-")) res.setHeader("x-oauth-scopes", fake.botScopes.join(","));
    if (token?.startsWith("xapp-")) res.setHeader("x-oauth-scopes", "connections:write");
    res.end(JSON.stringify(token ? answer(method, args) : { ok: false, error: "not_authed" }));
  });
  // Slack's servers keep idle connections open far longer than Node's default 5 s. With 5 s,
  // a loaded machine's client (undici closes idle sockets 2 s before the server's hint) could
  // send on a socket the fake had just closed: "fetch failed", a post that never happened.
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const fake: FakeSlack = {
    url: `${origin}/api/`,
    origin,
    calls,
    responses,
    callsTo: (method) => calls.filter((c) => c.method === method),
    visible: (channel) => [...(channels.get(channel) ?? [])],
    // Patient by default: the whole suite runs test files side by side on two cores, and a
    // delivery that takes a second alone can take ten there.
    async waitFor(find, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = find();
        if (found !== undefined && found !== false) return found;
        if (Date.now() > deadline)
          throw new Error(`fake Slack: nothing arrived within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    fail(method, fault) {
      faults.push({ method, times: fault.times ?? 1, ...fault });
    },
    uploads,
    overLimit: () => overLimit,
    setRateLimit(limit) {
      rateLimit = limit;
      buckets.clear();
    },
    chaos(options) {
      chaos = options && {
        probability: options.probability,
        methods: options.methods,
        kinds: options.kinds ?? ["ratelimited", "server_error", "slow"],
        random: mulberry32(options.seed),
        retryAfter: options.retryAfter ?? 1,
        hangMs: options.hangMs ?? 20_000,
      };
    },
    responseUrl: () => `${origin}/response-url/${++responseSeq}`,
    workspace: { users: new Map(), channels: new Map(), closed: false },
    botScopes: manifestBotScopes(),
    setUser: (id, fields) => users.set(id, { ...users.get(id), ...fields }),
    reset() {
      fake.workspace = { users: new Map(), channels: new Map(), closed: false };
      fake.botScopes = manifestBotScopes();
      calls.length = 0;
      users.clear();
      responses.length = 0;
      channels.clear();
      faults = [];
      uploads.length = 0;
      rateLimit = undefined;
      chaos = undefined;
      overLimit = 0;
      buckets.clear();
      clock += 1000;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return fake;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  // File uploads are binary: keep their length exact.
  return req.url?.startsWith("/upload/") ? body.toString("latin1") : body.toString("utf8");
}

/** The file's own length: WebClient may wrap it in a multipart body. */
function uploadedBytes(raw: string, contentType: string): number {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  if (!boundary) return Buffer.byteLength(raw, "latin1");
  const marker = `--${boundary[1] ?? boundary[2]}`;
  const part = raw.split(marker)[1] ?? "";
  const content = part.slice(part.indexOf("\r\n\r\n") + 4).replace(/\r\n$/, "");
  return Buffer.byteLength(content, "latin1");
}

/** A small seeded random generator, so injected faults repeat run after run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** WebClient sends form-encoded bodies with JSON-encoded nested fields (blocks, view...). */
function parseArgs(raw: string, contentType: string): Record<string, unknown> {
  if (!raw) return {};
  if (contentType.includes("application/json")) return JSON.parse(raw) as Record<string, unknown>;
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    args[key] = /^[[{]/.test(value) ? safeJson(value) : value;
  }
  return args;
}

function safeJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** `const slack = useFakeSlack()` in a test file: started before its tests, closed after. */
export function useFakeSlack(): { readonly current: FakeSlack } {
  const holder: { current?: FakeSlack } = {};
  beforeAll(async () => {
    holder.current = await startFakeSlack();
  });
  afterAll(async () => {
    await holder.current?.close();
  });
  return {
    get current() {
      if (!holder.current) throw new Error("the fake Slack starts in beforeAll");
      return holder.current;
    },
  };
}
