// Reassign on the card: managers of the lead's team get a modal to pick the new owner; anyone
// else is told only managers can. The modal's submission hands the lead over.
import type { App, BlockButtonAction } from "@slack/bolt";
import type { Deps } from "#src/context.ts";
import { AppError } from "#src/errors.ts";
import { leadName } from "#src/read-models/lead-label.ts";
import { reassignLead } from "#src/services/reassign-lead.ts";
import { buildReassignModal, REASSIGN_FIELDS as F } from "#src/slack/blocks/reassign-modal.ts";
import { ACTIONS, leadIdFrom, VIEWS } from "#src/slack/ids.ts";
import { GENERIC_FAILURE, withErrorReply } from "#src/slack/reply-errors.ts";
import { slackWords } from "#src/slack/text.ts";

export function registerReassign(app: App, deps: Deps): void {
  app.action<BlockButtonAction>(
    ACTIONS.reassign,
    async ({ ack, body, action, respond, client }) => {
      await ack();
      const logger = deps.logger.child({ action: ACTIONS.reassign, user: body.user.id });
      await withErrorReply(respond, logger, async () => {
        const lead = await deps.db.prisma.lead.findUnique({
          where: { id: leadIdFrom(action.value) },
          include: { owner: { select: { slackUserId: true } }, team: true },
        });
        if (!lead) throw new AppError("not_found", "This lead no longer exists.");
        const team = deps.playbook.current.teams.find((t) => t.key === lead.team?.key);
        if (!team?.managers.includes(body.user.id)) {
          throw new AppError(
            "forbidden",
            `Only managers of ${team?.name ?? "the lead's team"} can reassign L-${lead.number}.`,
          );
        }
        const name = [lead.firstName, lead.lastName].filter(Boolean).join(" ") || null;
        await client.views.open({
          trigger_id: body.trigger_id,
          view: buildReassignModal(
            {
              number: lead.number,
              name: leadName({ name, email: lead.email }),
              ownerSlackId: lead.owner?.slackUserId ?? null,
            },
            { leadId: lead.id, channelId: body.channel?.id },
          ),
        });
      });
    },
  );

  app.view(VIEWS.reassign, async ({ ack, body, view, client }) => {
    const to = view.state.values[F.repBlock]?.[F.repAction]?.selected_user;
    if (!to) {
      await ack({ response_action: "errors", errors: { [F.repBlock]: "Pick the new owner." } });
      return;
    }
    let metadata: { leadId: string; channelId?: string };
    try {
      metadata = JSON.parse(view.private_metadata) as { leadId: string; channelId?: string };
    } catch {
      await ack();
      deps.logger.warn({ user: body.user.id }, "reassign modal with unreadable metadata");
      return;
    }
    const { leadId, channelId } = metadata;
    try {
      await reassignLead({
        db: deps.db,
        playbook: deps.playbook.current,
        webhooks: deps.config.webhooks,
        words: slackWords,
        leadId,
        userId: body.user.id,
        toSlackUserId: to,
        now: deps.clock.now(),
      });
      await ack();
    } catch (error) {
      if (error instanceof AppError && error.code === "bad_request") {
        // Not an active rep: say so next to the picker, the modal stays open.
        await ack({ response_action: "errors", errors: { [F.repBlock]: error.userMessage } });
        return;
      }
      await ack();
      const text = error instanceof AppError ? error.userMessage : GENERIC_FAILURE;
      if (!(error instanceof AppError)) deps.logger.error({ err: error }, "reassign failed");
      await client.chat
        .postEphemeral({ channel: channelId ?? body.user.id, user: body.user.id, text })
        .catch((replyError: unknown) => {
          deps.logger.error({ err: replyError }, "could not tell the user about a refusal");
        });
    }
  });
}
