// The OpenAI key, when one is set: one models list call (free, fast) through the same client
// and base URL the AI brief uses, and the configured model among the answers. OpenAI's own
// error text quotes part of the key, so only the status and error code are printed.
import OpenAI from "openai";
import { type Check, fail, pass, skip } from "#src/cli/doctor/checklist.ts";
import type { Config } from "#src/config.ts";

const TIMEOUT_MS = 5_000;

export async function checkOpenAI(config: Config["openai"]): Promise<Check> {
  if (!config.apiKey) {
    return skip("OpenAI: skipped (OPENAI_API_KEY is not set; lead cards get the built-in summary)");
  }
  const endpoint = config.baseUrl ? `OPENAI_BASE_URL ${new URL(config.baseUrl).host}` : "OpenAI";
  const client = new OpenAI({
    apiKey: config.apiKey,
    baseURL: config.baseUrl,
    timeout: TIMEOUT_MS,
    maxRetries: 0,
  });
  let models: string[];
  try {
    models = (await client.models.list()).data.map((model) => model.id);
  } catch (error) {
    return failure(error, endpoint);
  }
  if (models.length > 0 && !models.includes(config.model)) {
    return fail(
      `OPENAI_API_KEY works, but ${endpoint} does not offer OPENAI_MODEL "${config.model}"`,
      `set OPENAI_MODEL to a model this key may use, e.g. ${models.slice(0, 3).join(", ")}`,
    );
  }
  return pass(`OPENAI_API_KEY works with ${endpoint}; model ${config.model} is available`);
}

function failure(error: unknown, endpoint: string): Check {
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return fail(
      `${endpoint} did not answer within ${TIMEOUT_MS / 1000} s`,
      "check this machine's connection to it (proxy, firewall) and OPENAI_BASE_URL, if set",
    );
  }
  if (error instanceof OpenAI.APIConnectionError) {
    return fail(
      `${endpoint} could not be reached`,
      "check OPENAI_BASE_URL, if set, and this machine's connection to it (proxy, firewall, DNS)",
    );
  }
  if (error instanceof OpenAI.APIError) {
    const code = error.code ? `, ${error.code}` : "";
    if (error.status === 401 || error.status === 403) {
      return fail(
        `${endpoint} refused OPENAI_API_KEY (${error.status}${code})`,
        "create a key at platform.openai.com/api-keys (or your provider's console) and set OPENAI_API_KEY to it, or unset it to use the built-in summary",
      );
    }
    if (error.status === 404) {
      return fail(
        `${endpoint} has no models endpoint (404)`,
        "set OPENAI_BASE_URL to the API's base, e.g. https://api.openai.com/v1, or unset it",
      );
    }
    return fail(
      `${endpoint} answered ${error.status ?? "an error"}${code} to a models list`,
      "run `baton doctor` again later; if it persists, check the provider's status page",
    );
  }
  return fail(
    `${endpoint} check failed: ${error instanceof Error ? error.name : String(error)}`,
    "run `baton doctor` again",
  );
}
