// A fake OpenAI API on 127.0.0.1 for the real `openai` client (`baseURL: fake.url`): answers
// POST /v1/chat/completions and /v1/responses in OpenAI's shapes with a scripted reply, records
// requests, and can be slow or fail with an HTTP status.
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll } from "vitest";
import { bearerToken, isRecord, readBody, sendJson } from "#test/support/http-body.ts";
import { type WaitOptions, waitUntil } from "#test/support/wait.ts";

/** One request as the fake received it. */
export interface OpenAIRequest {
  method: string;
  path: string;
  body: Record<string, unknown>;
  apiKey?: string;
  headers: IncomingHttpHeaders;
  at: number;
}

/** The reply text, or a function of the request body that makes it. */
export type OpenAIReply =
  | string
  | ((body: Record<string, unknown>, request: OpenAIRequest) => string);

export interface FakeOpenAI {
  /** What the openai client's `baseURL` wants: `http://127.0.0.1:PORT/v1`. */
  readonly url: string;
  /** Every request so far. */
  readonly requests: readonly OpenAIRequest[];
  /** Sets the reply of the following requests. */
  respondWith(reply: OpenAIReply): void;
  /** Every answer waits this long first (0 to stop). */
  delay(ms: number): void;
  /** The next `times` requests fail with this HTTP status and OpenAI's error body. */
  fail(status: number, times?: number): void;
  /** Waits for the count-th request (default: the first). */
  waitForRequest(count?: number, options?: WaitOptions): Promise<OpenAIRequest>;
  /** Forgets requests, failures, delay and reply. */
  reset(): void;
  close(): Promise<void>;
}

const DEFAULT_REPLY = "A fake brief.";

/** Starts a fake OpenAI API on 127.0.0.1 on a free port. */
export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const requests: OpenAIRequest[] = [];
  let reply: OpenAIReply = DEFAULT_REPLY;
  let delayMs = 0;
  const failures: number[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let seq = 0;

  const server = createServer(async (req, res) => {
    const raw = await readBody(req);
    let body: Record<string, unknown> = {};
    try {
      const json: unknown = raw.length ? JSON.parse(raw.toString("utf8")) : {};
      if (isRecord(json)) body = json;
    } catch {
      sendJson(res, 400, errorBody(400, "We could not parse the JSON body of your request."));
      return;
    }
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    const request: OpenAIRequest = {
      method: req.method ?? "GET",
      path,
      body,
      apiKey: bearerToken(req),
      headers: req.headers,
      at: Date.now(),
    };
    requests.push(request);
    if (delayMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, delayMs);
        timers.add(timer);
      });
    }
    const failure = failures.shift();
    if (failure !== undefined) {
      sendJson(res, failure, errorBody(failure, "Injected failure from the fake OpenAI server."));
      return;
    }
    if (!request.apiKey) {
      sendJson(res, 401, errorBody(401, "You didn't provide an API key."));
      return;
    }
    if (body.stream === true) {
      sendJson(res, 400, errorBody(400, "The fake OpenAI server does not stream."));
      return;
    }
    const text = () => (typeof reply === "function" ? reply(body, request) : reply);
    const model = typeof body.model === "string" ? body.model : "gpt-4o-mini";
    if (req.method === "POST" && path === "/v1/chat/completions") {
      sendJson(res, 200, chatCompletion(`chatcmpl-fake${++seq}`, model, body, text()));
    } else if (req.method === "POST" && path === "/v1/responses") {
      sendJson(res, 200, response(`resp_fake${++seq}`, model, body, text()));
    } else {
      sendJson(res, 404, errorBody(404, `Invalid URL (${req.method} ${path})`));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests,
    respondWith(next) {
      reply = next;
    },
    delay(ms) {
      delayMs = ms;
    },
    fail(status, times = 1) {
      for (let i = 0; i < times; i++) failures.push(status);
    },
    waitForRequest(count = 1, options) {
      return waitUntil(
        () => requests[count - 1],
        options,
        () => `fake OpenAI: request #${count} never came (${requests.length} so far)`,
      );
    },
    reset() {
      requests.length = 0;
      failures.length = 0;
      delayMs = 0;
      reply = DEFAULT_REPLY;
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** `const openai = useFakeOpenAI()` in a test file: started before its tests, closed after. */
export function useFakeOpenAI(): { readonly current: FakeOpenAI } {
  let fake: FakeOpenAI | undefined;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
  });
  afterAll(async () => {
    await fake?.close();
  });
  return {
    get current() {
      if (!fake) throw new Error("the fake OpenAI starts in beforeAll");
      return fake;
    },
  };
}

function chatCompletion(id: string, model: string, body: Record<string, unknown>, text: string) {
  const promptTokens = tokens(JSON.stringify(body.messages ?? ""));
  const completionTokens = tokens(text);
  return {
    id,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: text, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: "stop",
      },
    ],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    },
    service_tier: "default",
    system_fingerprint: "fp_fake",
  };
}

function response(id: string, model: string, body: Record<string, unknown>, text: string) {
  const inputTokens = tokens(JSON.stringify(body.input ?? "") + String(body.instructions ?? ""));
  const outputTokens = tokens(text);
  return {
    id,
    object: "response",
    created_at: Math.floor(Date.now() / 1000),
    status: "completed",
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    model,
    output: [
      {
        type: "message",
        id: `msg_${id}`,
        status: "completed",
        role: "assistant",
        content: [{ type: "output_text", text, annotations: [] }],
      },
    ],
    parallel_tool_calls: true,
    temperature: 1,
    tool_choice: "auto",
    tools: [],
    top_p: 1,
    text: { format: { type: "text" } },
    usage: {
      input_tokens: inputTokens,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: outputTokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: inputTokens + outputTokens,
    },
  };
}

/** OpenAI's error body for a status. */
function errorBody(status: number, message: string) {
  const [type, code] =
    status === 401
      ? ["invalid_request_error", "invalid_api_key"]
      : status === 429
        ? ["requests", "rate_limit_exceeded"]
        : status >= 500
          ? ["server_error", null]
          : ["invalid_request_error", null];
  return { error: { message, type, param: null, code } };
}

/** About four characters a token, as OpenAI's docs estimate. */
function tokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}
