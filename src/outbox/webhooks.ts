// Outbound webhooks: every lifecycle change is POSTed to the URLs in WEBHOOK_URLS, signed with
// HMAC-SHA256 so receivers can tell it came from Baton, and retried from the outbox. Which
// facts become which events: outbox/subscribers.ts.
//   X-Baton-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with WEBHOOK_SECRET>
import { createHmac } from "node:crypto";
import type { Config } from "#src/config.ts";
import type { Handlers } from "#src/outbox/messages.ts";
import { RetryLater, Undeliverable } from "#src/outbox/outbox-worker.ts";

export const WEBHOOK_EVENTS = [
  "lead.qualified",
  "lead.claimed",
  "lead.disqualified",
  "lead.nurtured",
  "lead.converted",
  "lead.reassigned",
  "lead.released",
  "lead.recalled",
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

export function webhookHandler(
  config: Config["webhooks"],
  now: () => Date,
  timeoutMs = 10_000,
): Handlers {
  return {
    webhook: async (payload, message) => {
      if (!config.secret) throw new RetryLater("WEBHOOK_SECRET is not set");
      const body = JSON.stringify({
        id: String(message.id),
        event: payload.event,
        occurredAt: payload.occurredAt,
        data: payload.data,
      });
      const timestamp = Math.floor(now().getTime() / 1000);
      let response: Response;
      try {
        response = await fetch(payload.url, {
          method: "POST",
          headers: {
            "Content-Type": "application/json",
            "User-Agent": "Baton-Webhooks/1",
            "X-Baton-Event": payload.event,
            "X-Baton-Delivery": String(message.id),
            "X-Baton-Signature": signWebhook(config.secret, timestamp, body),
          },
          body,
          signal: AbortSignal.timeout(timeoutMs),
          redirect: "manual",
        });
        await response.arrayBuffer().catch(() => undefined);
      } catch (error) {
        throw new RetryLater(`webhook to ${payload.url} failed: ${(error as Error).message}`);
      }
      if (response.ok) return { status: response.status };
      const retryAfter = Number(response.headers.get("retry-after"));
      if (response.status === 429 || response.status === 408 || response.status >= 500) {
        throw new RetryLater(
          `webhook to ${payload.url} answered ${response.status}`,
          Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
        );
      }
      // A 4xx is usually a receiver's configuration problem that someone will fix: retry a few
      // times with backoff, then keep the delivery as DEAD for inspection.
      if (message.attempts < 5) {
        throw new RetryLater(`webhook to ${payload.url} answered ${response.status}`);
      }
      throw new Undeliverable(
        `webhook to ${payload.url} answered ${response.status} ${message.attempts} times`,
      );
    },
  };
}
