// Converted and Release buttons: ack, then open the modal at once (Slack's trigger id lasts
// 3 seconds). Someone the rulebook refuses is told so before the form opens; the change asks
// again when the modal is submitted, in the same transaction as the change.
import type { App, BlockButtonAction } from "@slack/bolt";
import type { Deps } from "#src/context.ts";
import { leadName } from "#src/read-models/lead-label.ts";
import { assertAllowed } from "#src/services/lead-transition.ts";
import { buildConvertedModal, buildReleaseModal } from "#src/slack/blocks/outcome-modals.ts";
import { ACTIONS, leadIdFrom } from "#src/slack/ids.ts";
import { actionReplier } from "#src/slack/replier.ts";
import { withErrorReply } from "#src/slack/reply-errors.ts";
import { slackWords } from "#src/slack/text.ts";

export function registerOutcomeButtons(app: App, deps: Deps): void {
  const modals = [
    [ACTIONS.converted, buildConvertedModal, "convert"],
    [ACTIONS.release, buildReleaseModal, "release"],
  ] as const;
  for (const [actionId, build, actionOf] of modals) {
    app.action<BlockButtonAction>(actionId, async (args) => {
      const { ack, body, action, client } = args;
      await ack();
      const logger = deps.logger.child({ action: actionId, user: body.user.id });
      await withErrorReply(actionReplier(args, logger), logger, async () => {
        const leadId = leadIdFrom(action.value);
        await assertAllowed(
          { db: deps.db, playbook: deps.playbook.current, words: slackWords, leadId },
          actionOf,
          body.user.id,
        );
        const lead = await deps.db.prisma.lead.findUniqueOrThrow({
          where: { id: leadId },
          select: { id: true, number: true, firstName: true, lastName: true, email: true },
        });
        const name = [lead.firstName, lead.lastName].filter(Boolean).join(" ") || null;
        await client.views.open({
          trigger_id: body.trigger_id,
          view: build(
            { number: lead.number, name: leadName({ name, email: lead.email }) },
            { leadId: lead.id, channelId: body.channel?.id },
          ),
        });
      });
    });
  }
}
