// The "Assign to" picker in a ghost alert: a manager hands the lead to a rep at once. Anyone
// else, or a pick that is not an active rep, gets an ephemeral reply saying why.
import type { App, BlockAction, UsersSelectAction } from "@slack/bolt";
import type { Deps } from "#src/context.ts";
import { AppError } from "#src/errors.ts";
import { reassignLead } from "#src/services/reassign-lead.ts";
import { ACTIONS } from "#src/slack/ids.ts";
import { actionReplier } from "#src/slack/replier.ts";
import { withErrorReply } from "#src/slack/reply-errors.ts";
import { slackWords } from "#src/slack/text.ts";

export function registerAssignTo(app: App, deps: Deps): void {
  app.action<BlockAction<UsersSelectAction>>(ACTIONS.assignTo, async (args) => {
    const { ack, body, action } = args;
    await ack();
    const logger = deps.logger.child({ action: ACTIONS.assignTo, user: body.user.id });
    const reply = actionReplier(args, logger);
    await withErrorReply(reply, logger, async () => {
      const leadId = /^ghost:(.+)$/.exec(action.block_id)?.[1];
      if (!leadId || !action.selected_user) {
        throw new AppError("bad_request", "Pick the rep who should take this lead.");
      }
      const result = await reassignLead({
        db: deps.db,
        playbook: deps.playbook.current,
        webhooks: deps.config.webhooks,
        words: slackWords,
        leadId,
        userId: body.user.id,
        toSlackUserId: action.selected_user,
        now: deps.clock.now(),
      });
      await reply({
        text: `:white_check_mark: L-${result.number} is now <@${result.to}>'s; they have been told${result.from ? `, and so has <@${result.from}>` : ""}.`,
      });
    });
  });
}
