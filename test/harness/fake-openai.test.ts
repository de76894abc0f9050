// The fake OpenAI must not lie: the real openai client is driven against it here.
import OpenAI, { APIConnectionTimeoutError, APIError, InternalServerError } from "openai";
import { beforeEach, describe, expect, it } from "vitest";
import { useFakeOpenAI } from "#test/support/fake-openai.ts";

const fake = useFakeOpenAI();
const client = (options: { timeout?: number; maxRetries?: number } = {}) =>
  new OpenAI({ apiKey: "sk-test-123456789", baseURL: fake.current.url, ...options });
const ask = (openai: OpenAI) =>
  openai.chat.completions.create({
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: "hi" }],
  });

beforeEach(() => fake.current.reset());

describe("fake OpenAI with the real openai client", () => {
  it("answers chat completions with the scripted reply, and records the request", async () => {
    fake.current.respondWith((body) => `echo ${JSON.stringify(body.messages)}`);
    const completion = await ask(client());
    expect(completion.choices[0]?.message).toMatchObject({
      role: "assistant",
      content: 'echo [{"role":"user","content":"hi"}]',
    });
    expect(completion.usage?.total_tokens).toBeGreaterThan(0);
    expect(fake.current.requests).toEqual([
      expect.objectContaining({
        method: "POST",
        path: "/v1/chat/completions",
        apiKey: "sk-test-123456789",
        body: expect.objectContaining({ model: "gpt-4o-mini" }),
      }),
    ]);
  });

  it("answers the Responses API, whose output_text the client assembles", async () => {
    fake.current.respondWith("Three lines and an opener.");
    const response = await client().responses.create({
      model: "gpt-4o-mini",
      input: "brief this lead",
    });
    expect(response.output_text).toBe("Three lines and an opener.");
  });

  it("a delay longer than the client's timeout is an APIConnectionTimeoutError", async () => {
    fake.current.delay(1000);
    const error = await ask(client({ timeout: 150, maxRetries: 0 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIConnectionTimeoutError);
  });

  it("a 500 is an APIError with its status; 5xx are retried (twice by default)", async () => {
    fake.current.fail(500);
    const error = await ask(client({ maxRetries: 0 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InternalServerError);
    expect(error).toBeInstanceOf(APIError);
    expect(error).toMatchObject({ status: 500, type: "server_error" });

    fake.current.fail(503);
    await expect(ask(client({ maxRetries: 1 }))).resolves.toMatchObject({
      object: "chat.completion",
    });
    expect(fake.current.requests.map((r) => r.headers["x-stainless-retry-count"])).toEqual([
      "0",
      "0",
      "1",
    ]);
  });
});
