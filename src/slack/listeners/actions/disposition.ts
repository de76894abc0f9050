// Disqualify and Back-to-nurture buttons: ack, then open the modal at once (Slack's trigger id
// lasts 3 seconds).
import type { App, BlockButtonAction } from "@slack/bolt";
import type { Deps } from "#src/context.ts";
import { AppError } from "#src/errors.ts";
import type { Disposition } from "#src/services/dispose-lead.ts";
import { leadName } from "#src/slack/blocks/disposition-feed.ts";
import { buildDispositionModal } from "#src/slack/blocks/disposition-modal.ts";
import { ACTIONS, leadIdFrom } from "#src/slack/ids.ts";
import { withErrorReply } from "#src/slack/reply-errors.ts";

export function registerDispositionButtons(app: App, deps: Deps): void {
  const buttons: [string, Disposition][] = [
    [ACTIONS.disqualify, "disqualify"],
    [ACTIONS.nurture, "nurture"],
  ];
  for (const [actionId, disposition] of buttons) {
    app.action<BlockButtonAction>(actionId, async ({ ack, body, action, respond, client }) => {
      await ack();
      const logger = deps.logger.child({ action: actionId, user: body.user.id });
      await withErrorReply(respond, logger, async () => {
        const lead = await deps.db.prisma.lead.findUnique({
          where: { id: leadIdFrom(action.value) },
          select: { id: true, number: true, firstName: true, lastName: true, email: true },
        });
        if (!lead) throw new AppError("not_found", "This lead no longer exists.");
        const name = [lead.firstName, lead.lastName].filter(Boolean).join(" ") || null;
        await client.views.open({
          trigger_id: body.trigger_id,
          view: buildDispositionModal(
            disposition,
            { number: lead.number, name: leadName({ name, email: lead.email }) },
            deps.playbook.current.reasons[disposition],
            { leadId: lead.id, channelId: body.channel?.id },
          ),
        });
      });
    });
  }
}
