// Intake tokens and webhook receivers. A token is only ever named by its client, never shown;
// a webhook URL only by its scheme and host (paths and queries often carry a secret).
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { type Check, fail, mapLimit, pass, skip, withTimeout } from "#src/cli/doctor/checklist.ts";
import type { Config } from "#src/config.ts";

const MAKE_TOKEN = "make a new one with `openssl rand -hex 24`";
/**
 * What a person types, never what a generator makes: the checks below aim at hand-made and
 * patterned tokens, and are set so a random token (even 24 hex characters, 96 bits) passes
 * but for one in millions. Words of five letters or more, so random letters rarely spell one.
 */
const GUESSABLE = [
  "password",
  "passw0rd",
  "secret",
  "token",
  "changeme",
  "example",
  "admin",
  "letmein",
  "qwerty",
  "baton",
];
/** Estimated bits below which a token is mostly one or two repeated characters. */
const MIN_BITS = 48;

/** Why a token is weak, or undefined when it looks like a random secret. */
export function tokenWeakness(token: string, clientName: string): string | undefined {
  const lower = token.toLowerCase();
  const client = clientName.length >= 5 ? clientName.toLowerCase() : undefined;
  if (client && lower.includes(client)) return "it contains the client's name";
  const word = GUESSABLE.find((w) => lower.includes(w));
  if (word) return `it contains the word "${word}"`;
  // Bounded: the pattern backtracks, and a token has no upper length.
  if (/(.{8,}).*\1/s.test(token.slice(0, 200))) return "it repeats itself";
  if (hasRun(lower, 8)) return "it contains a run like abcdefgh or 12345678";
  const bits = shannonBits(token);
  if (bits < MIN_BITS)
    return `it uses too few different characters (about ${Math.round(bits)} bits of randomness)`;
  return undefined;
}

/** Characters times their observed entropy per character. */
function shannonBits(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let perChar = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    perChar -= p * Math.log2(p);
  }
  return perChar * text.length;
}

/** A run of `length` characters each one up or one down from the last. */
function hasRun(text: string, length: number): boolean {
  for (const step of [1, -1]) {
    let run = 1;
    for (let i = 1; i < text.length; i++) {
      run = text.charCodeAt(i) - text.charCodeAt(i - 1) === step ? run + 1 : 1;
      if (run >= length) return true;
    }
  }
  return false;
}

export function checkIntakeTokens(tokens: Config["intake"]["tokens"]): Check[] {
  if (tokens.length === 0)
    return [skip("Intake API: skipped (INTAKE_API_TOKENS is not set: the API is off)")];
  const checks: Check[] = [];
  for (const [i, { name, token }] of tokens.entries()) {
    const twin = tokens.find((other, j) => j !== i && other.token === token);
    const weakness = twin
      ? `it is the same as the token of "${twin.name}" (each client needs its own, to revoke one alone)`
      : tokenWeakness(token, name);
    if (weakness) {
      checks.push(
        fail(
          `Intake token of client "${name}" is weak: ${weakness}`,
          `${MAKE_TOKEN}, put it in INTAKE_API_TOKENS as ${name}:<new token>, and give it to that sender`,
        ),
      );
    }
  }
  if (checks.length === 0) {
    checks.push(pass(`Intake tokens are strong (${tokens.map((t) => t.name).join(", ")})`));
  }
  return checks;
}

const DNS_TIMEOUT_MS = 3_000;

export async function checkWebhooks(urls: string[]): Promise<Check[]> {
  if (urls.length === 0) return [skip("Webhooks: skipped (WEBHOOK_URLS is not set)")];
  return mapLimit(urls, 4, async (raw) => {
    const url = new URL(raw);
    const shown = `${url.protocol}//${url.host}/...`;
    const host = url.hostname.replace(/^\[|\]$/g, "");
    if (isIP(host)) return pass(`Webhook ${shown}: an IP address, nothing to resolve`);
    try {
      const { address } = await withTimeout(lookup(host), DNS_TIMEOUT_MS, "DNS");
      return pass(`Webhook ${shown}: ${host} resolves (${address})`);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      return fail(
        `Webhook ${shown}: ${host} does not resolve (${code})`,
        code === "ENOTFOUND"
          ? `correct the host in WEBHOOK_URLS (the entry starting ${shown.slice(0, -4)})`
          : "check this machine's DNS settings, then run `baton doctor` again",
      );
    }
  });
}
