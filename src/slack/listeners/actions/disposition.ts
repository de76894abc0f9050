// Disqualify and Back-to-nurture buttons: ack, then open the modal at once (Slack's trigger id
// lasts 3 seconds).
import type { App, BlockButtonAction } from "@slack/bolt";
import type { Deps } from "#src/context.ts";
import { leadName } from "#src/read-models/lead-label.ts";
import type { Disposition } from "#src/services/dispose-lead.ts";
import { assertAllowed } from "#src/services/lead-transition.ts";
import { buildDispositionModal } from "#src/slack/blocks/disposition-modal.ts";
import { ACTIONS, leadIdFrom } from "#src/slack/ids.ts";
import { actionReplier } from "#src/slack/replier.ts";
import { withErrorReply } from "#src/slack/reply-errors.ts";
import { slackWords } from "#src/slack/text.ts";

export function registerDispositionButtons(app: App, deps: Deps): void {
  const buttons: [string, Disposition][] = [
    [ACTIONS.disqualify, "disqualify"],
    [ACTIONS.nurture, "nurture"],
  ];
  for (const [actionId, disposition] of buttons) {
    app.action<BlockButtonAction>(actionId, async (args) => {
      const { ack, body, action, client } = args;
      await ack();
      const logger = deps.logger.child({ action: actionId, user: body.user.id });
      await withErrorReply(actionReplier(args, logger), logger, async () => {
        const leadId = leadIdFrom(action.value);
        // Refused here already, before the form: the change asks again when it is submitted.
        await assertAllowed(
          { db: deps.db, playbook: deps.playbook.current, words: slackWords, leadId },
          disposition,
          body.user.id,
        );
        const lead = await deps.db.prisma.lead.findUniqueOrThrow({
          where: { id: leadId },
          select: { id: true, number: true, firstName: true, lastName: true, email: true },
        });
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
