// An OpenAI-compatible server on 127.0.0.1 for the real `openai` client (baseURL option):
// answers chat completions with a scripted reply and lists models, records requests, can be
// slow or fail, and can refuse keys it does not know.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeOpenAI {
  /** baseURL for the openai client. */
  url: string;
  requests: { path: string; body: Record<string, unknown>; apiKey?: string }[];
  /** The reply's text, or a function of the request. */
  respondWith(reply: string | ((body: Record<string, unknown>) => string)): void;
  /** Every answer waits this long first. */
  delay(ms: number): void;
  /** The next `times` requests fail with this HTTP status. */
  fail(status: number, times?: number): void;
  /** Only these keys are accepted (401 invalid_api_key otherwise); undefined: any key. */
  acceptKeys(keys: string[] | undefined): void;
  /** What GET /models lists. */
  models: string[];
  close(): Promise<void>;
}

export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const requests: FakeOpenAI["requests"] = [];
  let reply: string | ((body: Record<string, unknown>) => string) = "A fake brief.";
  let delayMs = 0;
  let failures: { status: number; times: number } | undefined;
  let accepted: string[] | undefined;
  let seq = 0;

  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<
      string,
      unknown
    >;
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    requests.push({
      path,
      body,
      apiKey: /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1],
    });
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (res.destroyed) return;
    res.setHeader("Content-Type", "application/json");
    if (failures && failures.times > 0) {
      failures.times -= 1;
      res.statusCode = failures.status;
      res.end(
        JSON.stringify({
          error: { message: "injected failure", type: "server_error", code: null },
        }),
      );
      return;
    }
    const apiKey = requests.at(-1)?.apiKey ?? "";
    if (accepted && !accepted.includes(apiKey)) {
      res.statusCode = 401;
      // OpenAI's own wording, which quotes the key's first and last characters.
      res.end(
        JSON.stringify({
          error: {
            message: `Incorrect API key provided: ${apiKey.slice(0, 6)}***${apiKey.slice(-4)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
            type: "invalid_request_error",
            param: null,
            code: "invalid_api_key",
          },
        }),
      );
      return;
    }
    if (req.method === "GET" && path === "/v1/models") {
      res.end(
        JSON.stringify({
          object: "list",
          data: fake.models.map((id) => ({
            id,
            object: "model",
            created: 1686935002,
            owned_by: "openai",
          })),
        }),
      );
      return;
    }
    if (path !== "/v1/chat/completions") {
      res.statusCode = 404;
      res.end(
        JSON.stringify({ error: { message: `no route ${path}`, type: "invalid_request_error" } }),
      );
      return;
    }
    const content = typeof reply === "function" ? reply(body) : reply;
    res.end(
      JSON.stringify({
        id: `chatcmpl-${++seq}`,
        object: "chat.completion",
        created: Math.floor(Date.now() / 1000),
        model: String(body.model ?? "gpt-4o-mini"),
        choices: [
          {
            index: 0,
            message: { role: "assistant", content, refusal: null },
            finish_reason: "stop",
            logprobs: null,
          },
        ],
        usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));

  const fake: FakeOpenAI = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests,
    respondWith(next) {
      reply = next;
    },
    delay(ms) {
      delayMs = ms;
    },
    fail(status, times = 1) {
      failures = { status, times };
    },
    acceptKeys(keys) {
      accepted = keys;
    },
    models: ["gpt-4o-mini", "gpt-4o"],
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return fake;
}
