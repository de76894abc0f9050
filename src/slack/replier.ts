// How Baton answers the one person who clicked or typed, on whatever surface they did it.
// Slack sends a response_url with a slash command and with a click on a message (a card in a
// channel or a thread, a DM, an ephemeral card), but none with a click in a view (the App Home
// tab, a modal), and a modal's submission comes after the message it was opened from. So: the
// response_url when there is one; else an ephemeral message in the channel the click came from;
// else, and when Slack refuses that ephemeral (the person left the channel), a DM from the app,
// which Slack shows in the app's Messages tab.
import type { BlockAction, RespondFn } from "@slack/bolt";
import type { Block, KnownBlock } from "@slack/types";
import type { WebClient } from "@slack/web-api";
import type { Logger } from "#src/logger.ts";
import { platformError } from "#src/slack/slack-status.ts";

/** What the person reads: text (the notification), and blocks when there is more to show. */
export interface ReplyMessage {
  text: string;
  blocks?: (KnownBlock | Block)[];
}

/** Answers the person, and only them. */
export type Reply = (message: ReplyMessage) => Promise<void>;

export interface ReplyTarget {
  client: WebClient;
  logger: Logger;
  /** Who reads the answer. */
  userId: string;
  /** Bolt's `respond`, only when Slack sent a response_url (Bolt leaves it out otherwise). */
  respond?: RespondFn;
  /** The channel (or DM) the click came from, if any. */
  channelId?: string;
  /** The thread the click came from, so the answer shows there. */
  threadTs?: string;
}

export function replier(target: ReplyTarget): Reply {
  const { client, logger, userId, respond, channelId, threadTs } = target;
  return async (message) => {
    if (respond) {
      await respond({ response_type: "ephemeral", replace_original: false, ...message });
      return;
    }
    if (channelId) {
      try {
        await client.chat.postEphemeral({
          channel: channelId,
          user: userId,
          ...(threadTs ? { thread_ts: threadTs } : {}),
          ...message,
        });
        return;
      } catch (error) {
        const code = platformError(error);
        if (!code) throw error;
        logger.info({ code, channel: channelId }, "ephemeral reply refused; answering by DM");
      }
    }
    await client.chat.postMessage({ channel: userId, ...message });
  };
}

/**
 * The replier for a block_actions listener, from Bolt's arguments. Bolt types `response_url`
 * and `respond` as always there; a click in the App Home or a modal has neither.
 */
export function actionReplier(
  args: { body: BlockAction; respond?: RespondFn; client: WebClient },
  logger: Logger,
): Reply {
  const { body, respond, client } = args;
  const container = body.container as { channel_id?: string; thread_ts?: string };
  const message = body.message as { thread_ts?: string } | undefined;
  return replier({
    client,
    logger,
    userId: body.user.id,
    respond: body.response_url && typeof respond === "function" ? respond : undefined,
    channelId: body.channel?.id ?? container.channel_id,
    threadTs: container.thread_ts ?? message?.thread_ts,
  });
}
