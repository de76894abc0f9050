// Pass (assign mode): the offered rep hands the lead on; round robin picks the next rep.
import type { App, BlockButtonAction } from "@slack/bolt";
import type { Deps } from "#src/context.ts";
import { passLead } from "#src/services/pass-lead.ts";
import { ACTIONS, leadIdFrom } from "#src/slack/ids.ts";
import { actionReplier } from "#src/slack/replier.ts";
import { withErrorReply } from "#src/slack/reply-errors.ts";
import { slackWords } from "#src/slack/text.ts";

export function registerPass(app: App, deps: Deps): void {
  app.action<BlockButtonAction>(ACTIONS.pass, async (args) => {
    const { ack, body, action } = args;
    await ack();
    const logger = deps.logger.child({ action: ACTIONS.pass, user: body.user.id });
    const reply = actionReplier(args, logger);
    await withErrorReply(reply, logger, async () => {
      const result = await passLead({
        db: deps.db,
        playbook: deps.playbook.current,
        webhooks: deps.config.webhooks,
        words: slackWords,
        leadId: leadIdFrom(action.value),
        userId: body.user.id,
        now: deps.clock.now(),
      });
      const where =
        result.outcome === "offered"
          ? `it is offered to <@${result.repSlackId}> now`
          : result.outcome === "posted"
            ? "nobody else in the team is free, so it is posted to the team channel for anyone to claim"
            : "it has moved on";
      await reply({ text: `Passed: ${where}.` });
    });
  });
}
