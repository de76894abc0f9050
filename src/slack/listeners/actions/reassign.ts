// Reassign on the card: managers of the lead's team get a modal to pick the new owner; anyone
// else, or a lead that is no longer open, gets the rulebook's refusal before the form opens.
// The modal's submission (views/reassign.ts) hands the lead over.
import type { App, BlockButtonAction } from "@slack/bolt";
import type { Deps } from "#src/context.ts";
import { leadName } from "#src/read-models/lead-label.ts";
import { assertAllowed } from "#src/services/lead-transition.ts";
import { buildReassignModal } from "#src/slack/blocks/reassign-modal.ts";
import { ACTIONS, leadIdFrom } from "#src/slack/ids.ts";
import { actionReplier } from "#src/slack/replier.ts";
import { withErrorReply } from "#src/slack/reply-errors.ts";
import { slackWords } from "#src/slack/text.ts";

export function registerReassign(app: App, deps: Deps): void {
  app.action<BlockButtonAction>(ACTIONS.reassign, async (args) => {
    const { ack, body, action, client } = args;
    await ack();
    const logger = deps.logger.child({ action: ACTIONS.reassign, user: body.user.id });
    await withErrorReply(actionReplier(args, logger), logger, async () => {
      const leadId = leadIdFrom(action.value);
      const { ownerSlackId } = await assertAllowed(
        { db: deps.db, playbook: deps.playbook.current, words: slackWords, leadId },
        "reassign",
        body.user.id,
      );
      const lead = await deps.db.prisma.lead.findUniqueOrThrow({
        where: { id: leadId },
        select: { id: true, number: true, firstName: true, lastName: true, email: true },
      });
      const name = [lead.firstName, lead.lastName].filter(Boolean).join(" ") || null;
      await client.views.open({
        trigger_id: body.trigger_id,
        view: buildReassignModal(
          { number: lead.number, name: leadName({ name, email: lead.email }), ownerSlackId },
          { leadId: lead.id, channelId: body.channel?.id },
        ),
      });
    });
  });
}
