// Message shortcut "Send to sales": opens the form prefilled from the message (email, name,
// company found in its text). The message's permalink is fetched when the form is sent, not
// now: Slack's trigger id lasts 3 seconds.
import type { App, MessageShortcut } from "@slack/bolt";
import type { Deps } from "#src/context.ts";
import { buildNewLeadModal } from "#src/slack/blocks/new-lead-modal.ts";
import { SHORTCUTS } from "#src/slack/ids.ts";
import { leadFromMessage } from "#src/slack/lead-from-message.ts";
import { replier } from "#src/slack/replier.ts";
import { withErrorReply } from "#src/slack/reply-errors.ts";

export function registerSendToSales(app: App, deps: Deps): void {
  app.shortcut<MessageShortcut>(
    { type: "message_action", callback_id: SHORTCUTS.sendToSales },
    async ({ ack, shortcut, client }) => {
      await ack();
      const logger = deps.logger.child({ shortcut: SHORTCUTS.sendToSales, user: shortcut.user.id });
      const reply = replier({
        client,
        logger,
        userId: shortcut.user.id,
        channelId: shortcut.channel.id,
      });
      await withErrorReply(reply, logger, async () => {
        const prefill = leadFromMessage(shortcut.message.text);
        await client.views.open({
          trigger_id: shortcut.trigger_id,
          view: buildNewLeadModal(prefill, {
            channelId: shortcut.channel.id,
            messageTs: shortcut.message_ts,
            excerpt: shortcut.message.text?.slice(0, 500),
          }),
        });
      });
    },
  );
}
