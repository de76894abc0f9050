// Reassign modal submitted: a pick that is not an active rep is said next to the picker (the
// modal stays open); any other refusal closes the modal and reaches the manager where they
// clicked, or in a DM.
import type { App } from "@slack/bolt";
import type { Deps } from "#src/context.ts";
import { AppError } from "#src/errors.ts";
import { reassignLead } from "#src/services/reassign-lead.ts";
import { REASSIGN_FIELDS as F } from "#src/slack/blocks/reassign-modal.ts";
import { VIEWS } from "#src/slack/ids.ts";
import { replier } from "#src/slack/replier.ts";
import { replyWithFailure } from "#src/slack/reply-errors.ts";
import { slackWords } from "#src/slack/text.ts";

export function registerReassignView(app: App, deps: Deps): void {
  app.view(VIEWS.reassign, async ({ ack, body, view, client }) => {
    const to = view.state.values[F.repBlock]?.[F.repAction]?.selected_user;
    if (!to) {
      await ack({ response_action: "errors", errors: { [F.repBlock]: "Pick the new owner." } });
      return;
    }
    const userId = body.user.id;
    let metadata: { leadId: string; channelId?: string };
    try {
      metadata = JSON.parse(view.private_metadata) as { leadId: string; channelId?: string };
    } catch {
      await ack();
      deps.logger.warn({ user: userId }, "reassign modal with unreadable metadata");
      return;
    }
    try {
      await reassignLead({
        db: deps.db,
        playbook: deps.playbook.current,
        webhooks: deps.config.webhooks,
        words: slackWords,
        leadId: metadata.leadId,
        userId,
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
      const logger = deps.logger.child({ view: VIEWS.reassign, user: userId });
      const reply = replier({ client, logger, userId, channelId: metadata.channelId });
      await replyWithFailure(reply, logger, error);
    }
  });
}
