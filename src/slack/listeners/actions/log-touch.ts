// Log touch button: ack, then open the modal at once (Slack's trigger id lasts 3 seconds).
import type { App, BlockButtonAction } from "@slack/bolt";
import type { Deps } from "#src/context.ts";
import { AppError } from "#src/errors.ts";
import { leadName } from "#src/read-models/lead-label.ts";
import { buildLogTouchModal } from "#src/slack/blocks/log-touch-modal.ts";
import { ACTIONS, leadIdFrom } from "#src/slack/ids.ts";
import { actionReplier } from "#src/slack/replier.ts";
import { withErrorReply } from "#src/slack/reply-errors.ts";

export function registerLogTouchButton(app: App, deps: Deps): void {
  app.action<BlockButtonAction>(ACTIONS.logTouch, async (args) => {
    const { ack, body, action, client } = args;
    await ack();
    const logger = deps.logger.child({ action: ACTIONS.logTouch, user: body.user.id });
    await withErrorReply(actionReplier(args, logger), logger, async () => {
      const lead = await deps.db.prisma.lead.findUnique({
        where: { id: leadIdFrom(action.value) },
        select: {
          id: true,
          number: true,
          firstName: true,
          lastName: true,
          email: true,
          touchCount: true,
        },
      });
      if (!lead) throw new AppError("not_found", "This lead no longer exists.");
      const name = [lead.firstName, lead.lastName].filter(Boolean).join(" ") || null;
      await client.views.open({
        trigger_id: body.trigger_id,
        view: buildLogTouchModal(
          {
            number: lead.number,
            name: leadName({ name, email: lead.email }),
            touchCount: lead.touchCount,
          },
          { leadId: lead.id, channelId: body.channel?.id },
        ),
      });
    });
  });
}
