// Converted and Release buttons: ack, then open the modal at once (Slack's trigger id lasts
// 3 seconds). Who may do it is checked when the modal is submitted, in the same transaction
// as the change; a lead nobody owns is refused here already.
import type { App, BlockButtonAction } from "@slack/bolt";
import type { Deps } from "#src/context.ts";
import { AppError } from "#src/errors.ts";
import { ownedLeadRefusal } from "#src/services/owned-lead.ts";
import { leadName } from "#src/slack/blocks/disposition-feed.ts";
import { buildConvertedModal, buildReleaseModal } from "#src/slack/blocks/outcome-modals.ts";
import { ACTIONS, leadIdFrom } from "#src/slack/ids.ts";
import { withErrorReply } from "#src/slack/reply-errors.ts";

export function registerOutcomeButtons(app: App, deps: Deps): void {
  const modals = [
    [ACTIONS.converted, buildConvertedModal, "mark converted"],
    [ACTIONS.release, buildReleaseModal, "release"],
  ] as const;
  for (const [actionId, build, verb] of modals) {
    app.action<BlockButtonAction>(actionId, async ({ ack, body, action, respond, client }) => {
      await ack();
      const logger = deps.logger.child({ action: actionId, user: body.user.id });
      await withErrorReply(respond, logger, async () => {
        const lead = await deps.db.prisma.lead.findUnique({
          where: { id: leadIdFrom(action.value) },
          select: {
            id: true,
            number: true,
            firstName: true,
            lastName: true,
            email: true,
            status: true,
            owner: { select: { slackUserId: true } },
            team: { select: { key: true } },
          },
        });
        if (!lead) throw new AppError("not_found", "This lead no longer exists.");
        const refusal = ownedLeadRefusal(
          {
            status: lead.status,
            number: lead.number,
            ownerSlackId: lead.owner?.slackUserId ?? null,
            teamKey: lead.team?.key ?? null,
          },
          deps.playbook.current,
          body.user.id,
          verb,
        );
        if (refusal) throw refusal;
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
