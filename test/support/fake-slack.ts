// A fake Slack on 127.0.0.1 for the real @slack/web-api client (`slackApiUrl: fake.url`) and
// Bolt's respond(): records every call, answers the Web API methods Baton uses from a fake
// workspace (fake-slack-workspace.ts), accepts file uploads and response URL posts, and injects
// faults (429 with Retry-After, 5xx, slow answers, connection resets, Slack errors) by method,
// channel, count or seeded probability, plus Slack-like per-channel rate limits.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll } from "vitest";
import {
  type EphemeralMessage,
  FakeWorkspace,
  type ResponseUrlContext,
  type ResponseUrlPost,
  type SlackAnswer,
  type SlackMessage,
  type StoredView,
  type UploadedFile,
  type WorkspaceOptions,
} from "#test/support/fake-slack-workspace.ts";
import {
  type Fault,
  type FaultKind,
  FaultRules,
  type FaultSpec,
  type RateLimitSpec,
  TokenBuckets,
} from "#test/support/faults.ts";
import { bearerToken, parseBody, readBody, sendJson } from "#test/support/http-body.ts";
import type { FakeChannel, FakeUser } from "#test/support/slack-fixtures.ts";
import { type WaitOptions, waitUntil } from "#test/support/wait.ts";

/** One Web API call as the fake received and answered it. */
export interface SlackCall {
  method: string;
  /** Arguments as sent; blocks, attachments, view, files and metadata parsed back to objects. */
  args: Record<string, unknown>;
  /** From `Authorization: Bearer`, else the `token` argument. */
  token?: string;
  contentType: string;
  /** Date.now() when it arrived. */
  at: number;
  /** HTTP status answered: undefined while in flight, 0 when the connection was reset. */
  status?: number;
  /** The JSON body answered. */
  response?: SlackAnswer;
  /** The injected fault or rate limit behind the answer ("slow": the method's own, late). */
  fault?: FaultKind | "rate_limit";
}

export interface FakeSlackOptions extends WorkspaceOptions {
  /** Valid tokens; by default any `xoxb-` or `xoxp-` token is valid. */
  tokens?: readonly string[];
  /** Default seed for faults with a probability (default 1). */
  seed?: number;
  /** A rate limit in force from the start (see setRateLimit). */
  rateLimit?: RateLimitSpec;
}

/** Options of `waitFor(method)`. */
export type WaitForCallOptions = Exclude<WaitOptions, number> & {
  /** Wait for the count-th matching call (default 1). */
  count?: number;
  where?: (call: SlackCall) => boolean;
};

export interface FakeSlack {
  /** What WebClient's `slackApiUrl` wants: `http://127.0.0.1:PORT/api/`. */
  readonly url: string;
  /** `http://127.0.0.1:PORT`. */
  readonly origin: string;
  /** Every Web API call so far, in arrival order. */
  readonly calls: readonly SlackCall[];
  /** Calls to one method. */
  callsTo(method: string): SlackCall[];
  /** Waits for an answered call to `method` (the count-th matching one) and returns it. */
  waitFor(method: string, options?: WaitForCallOptions | number): Promise<SlackCall>;
  /** Waits until `probe` returns a value, and returns it. */
  waitFor<T>(probe: () => T | undefined | null | false, options?: WaitOptions): Promise<T>;

  /** Messages visible in a channel (or a user's DM with the bot) now, thread replies included. */
  visible(channel: string): SlackMessage[];
  /** Replies in a thread. */
  thread(channel: string, threadTs: string): SlackMessage[];
  /** Ephemeral messages (chat.postEphemeral and ephemeral response URL answers). */
  readonly ephemerals: readonly EphemeralMessage[];
  /** Modals by view id. */
  readonly views: ReadonlyMap<string, StoredView>;
  /** The Home tab last published for a user. */
  homeView(userId: string): StoredView | undefined;
  /** Files by id, through the upload flow of files.uploadV2. */
  readonly files: ReadonlyMap<string, UploadedFile>;
  /** The DM channel id between the bot and a user (what conversations.open returns). */
  dmChannel(userId: string): string;

  /** A fresh response URL; with a channel (and message ts) its answers show up in `visible`. */
  responseUrl(context?: ResponseUrlContext): string;
  /** Posts received on response URLs. */
  readonly responses: readonly ResponseUrlPost[];
  /** Waits for a post to a response URL (that URL, or matching a predicate, or any). */
  waitForResponse(
    match?: string | ((post: ResponseUrlPost) => boolean),
    options?: WaitOptions,
  ): Promise<ResponseUrlPost>;

  /** User fixtures by id (users.info, users.lookupByEmail, deactivated users). */
  readonly users: Map<string, FakeUser>;
  /** Channel fixtures by id (names, private, archived, missing). */
  readonly channels: Map<string, FakeChannel>;
  addUser(...users: FakeUser[]): void;
  addChannel(...channels: FakeChannel[]): void;

  /** Injects a fault; see FaultSpec for the selectors. */
  inject(spec: FaultSpec): Fault;
  /** Shorthand: the next call to `method` fails (status 429, other status, or Slack error). */
  fail(method: string, fault?: Omit<FaultSpec, "kind" | "method">): Fault;
  /** Slack-like token buckets (per channel by default); undefined lifts the limit. */
  setRateLimit(spec: RateLimitSpec | undefined): void;
  /** Calls refused by the rate limit (in one channel, or all). */
  overLimit(channel?: string): number;

  /** Where apps.connections.open sends Socket Mode clients. */
  socketModeUrl: string | undefined;
  /** Forgets calls, messages, views, files, responses, faults and limits; reloads fixtures. */
  reset(): void;
  /** Closes the server and every connection. */
  close(): Promise<void>;
}

/** Starts a fake Slack on 127.0.0.1 on a free port. */
export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const workspace = new FakeWorkspace(options);
  const calls: SlackCall[] = [];
  const faults = new FaultRules(options.seed ?? 1);
  let buckets = options.rateLimit ? new TokenBuckets(options.rateLimit) : undefined;
  const overLimit = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const tokenError = (method: string, token: string | undefined): string | undefined => {
    if (!token) return "not_authed";
    const valid = options.tokens ? options.tokens.includes(token) : /^xox[bp]-/.test(token);
    if (method === "apps.connections.open") {
      if (token.startsWith("xapp-")) return undefined;
      return valid ? "not_allowed_token_type" : "invalid_auth";
    }
    if (token.startsWith("xapp-")) return "not_allowed_token_type";
    return valid ? undefined : "invalid_auth";
  };

  /** Acts out a fault; true when it answered (or dropped) the request. */
  const applyFault = async (
    spec: FaultSpec,
    res: ServerResponse,
    record: (status: number, body: SlackAnswer | undefined, fault: FaultKind) => void,
  ): Promise<boolean> => {
    const delay = spec.delayMs ?? (spec.kind === "slow" ? 1000 : 0);
    if (delay > 0) await sleep(delay);
    switch (spec.kind) {
      case "slow":
        return false;
      case "reset":
        record(0, undefined, "reset");
        res.socket?.resetAndDestroy();
        return true;
      case "ratelimited": {
        const body = { ok: false, error: spec.error ?? "ratelimited" };
        record(429, body, "ratelimited");
        sendJson(res, 429, body, { "retry-after": String(spec.retryAfter ?? 1) });
        return true;
      }
      case "http_error": {
        const status = spec.status ?? 500;
        const body = {
          ok: false,
          error: spec.error ?? (status === 503 ? "service_unavailable" : "internal_error"),
        };
        record(status, body, "http_error");
        sendJson(res, status, body);
        return true;
      }
      case "slack_error": {
        const body = { ok: false, error: spec.error ?? "internal_error" };
        record(200, body, "slack_error");
        sendJson(res, 200, body);
        return true;
      }
    }
  };

  const handleApi = async (method: string, req: IncomingMessage, res: ServerResponse) => {
    const contentType = req.headers["content-type"] ?? "";
    const raw = await readBody(req);
    let args: Record<string, unknown>;
    try {
      args = { ...queryArgs(req), ...(await parseBody(raw, contentType)).fields };
    } catch {
      sendJson(res, 200, { ok: false, error: "invalid_json" });
      return;
    }
    const token = bearerToken(req) ?? (typeof args.token === "string" ? args.token : undefined);
    const call: SlackCall = { method, args, token, contentType, at: Date.now() };
    calls.push(call);
    const record = (status: number, body: SlackAnswer | undefined, fault?: SlackCall["fault"]) => {
      call.status = status;
      call.response = body;
      if (fault) call.fault = fault;
    };
    const channel = channelOf(args);

    const fault = faults.pick(method, channel);
    if (fault?.kind === "slow") call.fault = "slow";
    if (fault && (await applyFault(fault, res, record))) return;

    const authError = tokenError(method, token);
    if (authError) {
      const body = { ok: false, error: authError };
      record(200, body);
      sendJson(res, 200, body);
      return;
    }
    if (buckets?.applies(method)) {
      const verdict = buckets.take(method, channel);
      if (!verdict.ok) {
        const key = channel ?? "";
        overLimit.set(key, (overLimit.get(key) ?? 0) + 1);
        const body = { ok: false, error: "ratelimited" };
        record(429, body, "rate_limit");
        sendJson(res, 429, body, { "retry-after": String(verdict.retryAfter) });
        return;
      }
    }
    const answer = workspace.call(method, args);
    record(200, answer);
    sendJson(res, 200, answer);
  };

  const handleUpload = async (fileId: string, req: IncomingMessage, res: ServerResponse) => {
    const raw = await readBody(req);
    const fault = faults.pick("file_upload", undefined);
    if (fault && (await applyFault(fault, res, () => {}))) return;
    const parsed = await parseBody(raw, req.headers["content-type"] ?? "");
    const data = parsed.files[0]?.data ?? raw;
    if (!workspace.receiveUpload(fileId, data)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": "text/plain" }).end(`OK - ${data.length}`);
  };

  const handleResponseUrl = async (id: string, req: IncomingMessage, res: ServerResponse) => {
    const raw = await readBody(req);
    const fault = faults.pick("response_url", undefined);
    if (fault && (await applyFault(fault, res, () => {}))) return;
    let body: Record<string, unknown>;
    try {
      body = (await parseBody(raw, req.headers["content-type"] ?? "application/json")).fields;
    } catch {
      sendJson(res, 400, { ok: false, error: "invalid_json" });
      return;
    }
    workspace.receiveResponse(id, `${origin}${req.url}`, body);
    sendJson(res, 200, { ok: true });
  };

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    const route = /^\/(api|upload\/v1|response-url)\/([^/]+)$/.exec(path);
    const handled =
      route?.[1] === "api"
        ? handleApi(route[2]!, req, res)
        : route?.[1] === "upload/v1"
          ? handleUpload(route[2]!, req, res)
          : route?.[1] === "response-url"
            ? handleResponseUrl(route[2]!, req, res)
            : Promise.resolve(void res.writeHead(404).end());
    handled.catch((error: unknown) => {
      // A bug in the fake: answer with a platform error (WebClient does not retry those).
      console.error("fake Slack failed on", req.url, error);
      sendJson(res, 200, { ok: false, error: "fake_slack_internal_error", detail: String(error) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  workspace.origin = origin;

  const describeCalls = () => {
    const counts = new Map<string, number>();
    for (const call of calls) counts.set(call.method, (counts.get(call.method) ?? 0) + 1);
    const list = [...counts].map(([method, n]) => (n > 1 ? `${method} ×${n}` : method));
    return `calls so far: ${list.join(", ") || "none"}`;
  };

  function waitFor(method: string, options?: WaitForCallOptions | number): Promise<SlackCall>;
  function waitFor<T>(probe: () => T | undefined | null | false, options?: WaitOptions): Promise<T>;
  function waitFor<T>(
    target: string | (() => T | undefined | null | false),
    options: WaitForCallOptions | number = {},
  ): Promise<T | SlackCall> {
    if (typeof target === "function") {
      return waitUntil(target, options, () => `fake Slack: nothing matched; ${describeCalls()}`);
    }
    const { count = 1, where = () => true } = typeof options === "number" ? {} : options;
    return waitUntil(
      () =>
        calls.filter((c) => c.method === target && c.status !== undefined && where(c))[count - 1],
      options,
      () => `fake Slack: no answered ${target} call #${count}; ${describeCalls()}`,
    );
  }

  return {
    url: `${origin}/api/`,
    origin,
    calls,
    callsTo: (method) => calls.filter((c) => c.method === method),
    waitFor,
    visible: (channel) => workspace.visible(channel),
    thread: (channel, threadTs) => workspace.thread(channel, threadTs),
    ephemerals: workspace.ephemerals,
    views: workspace.views,
    homeView: (userId) => workspace.homeViews.get(userId),
    files: workspace.files,
    dmChannel: (userId) => workspace.dmChannel(userId),
    responseUrl: (context) => `${origin}/response-url/${workspace.registerResponseUrl(context)}`,
    responses: workspace.responses,
    waitForResponse(match, waitOptions) {
      const matches = (post: ResponseUrlPost) =>
        match === undefined ||
        (typeof match === "string" ? post.url === match || post.id === match : match(post));
      return waitUntil(
        () => workspace.responses.find(matches),
        waitOptions,
        () => {
          const where = typeof match === "string" ? ` to ${match}` : "";
          return `fake Slack: no response URL post${where}; ${workspace.responses.length} so far`;
        },
      );
    },
    users: workspace.users,
    channels: workspace.channels,
    addUser: (...users) => {
      for (const user of users) workspace.users.set(user.id, user);
    },
    addChannel: (...channels) => {
      for (const channel of channels) workspace.channels.set(channel.id, channel);
    },
    inject: (spec) => faults.add(spec),
    fail(method, fault = {}) {
      const kind: FaultKind =
        fault.status === 429
          ? "ratelimited"
          : fault.status !== undefined
            ? "http_error"
            : fault.error === undefined && fault.delayMs !== undefined
              ? "slow"
              : "slack_error";
      return faults.add({ ...fault, kind, method });
    },
    setRateLimit(spec) {
      buckets = spec ? new TokenBuckets(spec) : undefined;
    },
    overLimit: (channel) =>
      channel === undefined
        ? [...overLimit.values()].reduce((sum, n) => sum + n, 0)
        : (overLimit.get(channel) ?? 0),
    get socketModeUrl() {
      return workspace.socketModeUrl;
    },
    set socketModeUrl(url) {
      workspace.socketModeUrl = url;
    },
    reset() {
      calls.length = 0;
      workspace.reset();
      faults.clear();
      buckets = options.rateLimit ? new TokenBuckets(options.rateLimit) : undefined;
      overLimit.clear();
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** `const slack = useFakeSlack()` in a test file: started before its tests, closed after. */
export function useFakeSlack(options?: FakeSlackOptions): { readonly current: FakeSlack } {
  let fake: FakeSlack | undefined;
  beforeAll(async () => {
    fake = await startFakeSlack(options);
  });
  afterAll(async () => {
    await fake?.close();
  });
  return {
    get current() {
      if (!fake) throw new Error("the fake Slack starts in beforeAll");
      return fake;
    },
  };
}

function channelOf(args: Record<string, unknown>): string | undefined {
  const channel = args.channel ?? args.channel_id;
  return typeof channel === "string" ? channel : undefined;
}

function queryArgs(req: IncomingMessage): Record<string, string> {
  return Object.fromEntries(new URL(req.url ?? "/", "http://127.0.0.1").searchParams);
}
