// Claim (claim mode) and Accept (assign mode): ack at once, then let the database decide.
import type { App, BlockButtonAction } from "@slack/bolt";
import type { Deps } from "#src/context.ts";
import { claimLead } from "#src/services/claim-lead.ts";
import { ACTIONS, leadIdFrom } from "#src/slack/ids.ts";
import { actionReplier } from "#src/slack/replier.ts";
import { withErrorReply } from "#src/slack/reply-errors.ts";
import { slackWords } from "#src/slack/text.ts";

export function registerClaim(app: App, deps: Deps): void {
  for (const actionId of [ACTIONS.claim, ACTIONS.accept]) {
    app.action<BlockButtonAction>(actionId, async (args) => {
      const { ack, body, action } = args;
      await ack();
      await deps.ackGate?.quiet();
      await new Promise((resolve) => setImmediate(resolve));
      const logger = deps.logger.child({ action: actionId, user: body.user.id });
      const reply = actionReplier(args, logger);
      await withErrorReply(reply, logger, async () => {
        const result = await claimLead({
          db: deps.db,
          playbook: deps.playbook.current,
          webhooks: deps.config.webhooks,
          words: slackWords,
          leadId: leadIdFrom(action.value),
          userId: body.user.id,
          now: deps.clock.now(),
        });
        deps.metrics.slackRequests.inc({ kind: actionId, outcome: "ok" });
        await reply({
          text: `:white_check_mark: L-${result.number} is yours. Reach out while the interest is fresh: most buyers go with the first vendor who responds.`,
        });
      });
    });
  }
}
