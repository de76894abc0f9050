// Outbox handlers that talk to Slack. Slack's answers are sorted into: done, retry later
// (rate limits, outages), or never deliverable (the channel is gone, the blocks are invalid).
import type { KnownBlock } from "@slack/types";
import { type ChatPostMessageArguments, ErrorCode, type WebClient } from "@slack/web-api";
import type { Database } from "#src/db/database.ts";
import type { Handlers, Payload } from "#src/outbox/messages.ts";
import { RetryLater, Undeliverable } from "#src/outbox/outbox-worker.ts";
import type { Pacer } from "#src/outbox/pacer.ts";

/** Slack errors that retrying cannot fix. */
const PERMANENT = new Set([
  "channel_not_found",
  "not_in_channel",
  "is_archived",
  "invalid_blocks",
  "invalid_blocks_format",
  "msg_too_long",
  "no_text",
  "too_many_attachments",
  "user_not_found",
  "user_disabled",
  "cannot_dm_bot",
  "message_not_found",
  "cant_update_message",
  "edit_window_closed",
  "restricted_action",
  "invalid_arguments",
]);

export type SlackPost = Payload<"slack.post">;
export type SlackUpdate = Payload<"slack.update">;
export type SlackDirect = Payload<"slack.dm">;

/** Sends to Slack for outbox handlers: posts (remembered for later updates), DMs, updates. */
export interface SlackSender {
  post(
    channel: string,
    payload: Omit<SlackPost, "channel">,
  ): Promise<{ channel: string; ts: string }>;
  dm(user: string, payload: Omit<SlackDirect, "user">): Promise<{ channel: string; ts: string }>;
  update(payload: SlackUpdate): Promise<{ channel: string; ts: string }>;
  /** Publishes a person's App Home tab. */
  publishHome(
    user: string,
    view: { type: "home"; blocks: KnownBlock[] },
  ): Promise<{ user: string }>;
  /** Updates a message Baton posted that is not tied to one lead (a review page). */
  updateMessage(
    channel: string,
    ts: string,
    payload: { text: string; blocks?: KnownBlock[] },
  ): Promise<{ channel: string; ts: string }>;
}

export function slackSender(db: Database, client: WebClient, pacer: Pacer): SlackSender {
  /** A 429 holds the channel in the pacer until Slack's Retry-After has passed. */
  const holdOnRateLimit = async <T>(channel: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      if ((error as { code?: string }).code === ErrorCode.RateLimitedError) {
        pacer.hold(channel, ((error as { retryAfter?: number }).retryAfter ?? 1) * 1000);
      }
      throw error;
    }
  };
  const post: SlackSender["post"] = async (channel, payload) => {
    const threadTs = payload.threadOf
      ? await findThread(db, payload.threadOf.leadId, payload.threadOf.kind)
      : undefined;
    const response = await pacer.send(channel, "post", () =>
      holdOnRateLimit(channel, () =>
        client.chat.postMessage({
          channel,
          text: payload.text,
          blocks: payload.blocks,
          unfurl_links: false,
          unfurl_media: false,
          ...(threadTs ? { thread_ts: threadTs, reply_broadcast: payload.broadcast === true } : {}),
        } as ChatPostMessageArguments),
      ),
    );
    const ts = String(response.ts);
    const posted = String(response.channel ?? channel);
    if (payload.record) {
      await db.prisma.slackMessage.create({
        data: {
          leadId: payload.record.leadId,
          kind: payload.record.kind,
          channelId: posted,
          ts,
          threadTs,
        },
      });
    }
    return { channel: posted, ts };
  };
  return {
    post,
    async dm(user, payload) {
      const opened = await client.conversations.open({ users: user });
      const channel = opened.channel?.id;
      if (!channel) throw new Undeliverable(`no DM channel for ${user}`);
      return post(channel, payload);
    },
    async publishHome(user, view) {
      await client.views.publish({ user_id: user, view });
      return { user };
    },
    async updateMessage(channel, ts, payload) {
      await pacer.send(channel, "update", () =>
        holdOnRateLimit(channel, () =>
          client.chat.update({ channel, ts, text: payload.text, blocks: payload.blocks }),
        ),
      );
      return { channel, ts };
    },
    async update(payload) {
      const found = await findMessage(db, payload.leadId, payload.kind);
      if (!found) {
        throw new Undeliverable(`no ${payload.kind} message for lead ${payload.leadId} to update`);
      }
      await pacer.send(found.channelId, "update", () =>
        holdOnRateLimit(found.channelId, () =>
          client.chat.update({
            channel: found.channelId,
            ts: found.ts,
            text: payload.text,
            blocks: payload.blocks,
          }),
        ),
      );
      return { channel: found.channelId, ts: found.ts };
    },
  };
}

export function slackHandlers(sender: SlackSender): Handlers {
  return {
    "slack.post": (payload) => classifySlackErrors(() => sender.post(payload.channel, payload)),
    "slack.dm": (payload) => classifySlackErrors(() => sender.dm(payload.user, payload)),
    "slack.update": (payload) => classifySlackErrors(() => sender.update(payload)),
  };
}

/** The latest message of this kind Baton posted about the lead. */
export async function findMessage(db: Database, leadId: string, kind: string) {
  return db.prisma.slackMessage.findFirst({
    where: { leadId, kind },
    orderBy: { createdAt: "desc" },
    select: { channelId: true, ts: true, threadTs: true },
  });
}

/**
 * The thread to reply in about the lead: its message's own thread when that message is itself
 * a reply (a card under a burst summary); for a card, the burst summary that lists the lead
 * when it has no card yet; for "burst", that summary.
 */
async function findThread(db: Database, leadId: string, kind: string) {
  const message =
    kind === "burst"
      ? await findBurstSummary(db, leadId)
      : ((await findMessage(db, leadId, kind)) ??
        (kind === "card" ? await findBurstSummary(db, leadId) : null));
  return message ? (message.threadTs ?? message.ts) : undefined;
}

/** The latest burst summary that lists the lead (a review page with scope "burst:…"). */
export async function findBurstSummary(
  db: Database,
  leadId: string,
): Promise<{ channelId: string; ts: string; threadTs: null } | null> {
  const [page] = await db.prisma.$queryRaw<{ channelId: string; ts: string }[]>`
    SELECT "channelId", "ts" FROM "ReviewPage"
     WHERE "leadIds" @> ARRAY[${leadId}::uuid] AND "scope" LIKE 'burst:%'
     ORDER BY "createdAt" DESC LIMIT 1`;
  return page ? { ...page, threadTs: null } : null;
}

/** Runs a Slack call and turns Slack's errors into the worker's outcomes. */
export async function classifySlackErrors<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof RetryLater || error instanceof Undeliverable) throw error;
    const code = (error as { code?: string }).code;
    if (code === ErrorCode.RateLimitedError) {
      const seconds = (error as { retryAfter?: number }).retryAfter ?? 1;
      throw new RetryLater(`Slack rate limit: retry after ${seconds}s`, seconds * 1000, true);
    }
    if (code === ErrorCode.PlatformError) {
      const slackError = (error as { data?: { error?: string } }).data?.error ?? "unknown";
      if (PERMANENT.has(slackError)) throw new Undeliverable(`Slack refused: ${slackError}`);
      throw new RetryLater(`Slack error: ${slackError}`);
    }
    // HTTP 5xx, timeouts, network errors: back off and retry.
    throw new RetryLater((error as Error).message ?? String(error));
  }
}
