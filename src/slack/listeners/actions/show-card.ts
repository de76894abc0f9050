// Show card (on a burst summary): the lead's full card, to whoever asked and nobody else.
import type { App, BlockButtonAction } from "@slack/bolt";
import type { Deps } from "#src/context.ts";
import { AppError } from "#src/errors.ts";
import { currentCard } from "#src/slack/current-card.ts";
import { ACTIONS, leadIdFrom } from "#src/slack/ids.ts";
import { actionReplier } from "#src/slack/replier.ts";
import { withErrorReply } from "#src/slack/reply-errors.ts";

export function registerShowCard(app: App, deps: Deps): void {
  app.action<BlockButtonAction>(ACTIONS.showCard, async (args) => {
    const { ack, body, action } = args;
    await ack();
    const logger = deps.logger.child({ action: ACTIONS.showCard, user: body.user.id });
    const reply = actionReplier(args, logger);
    await withErrorReply(reply, logger, async () => {
      const lead = await deps.db.prisma.lead.findUnique({
        where: { id: leadIdFrom(action.value) },
        select: { id: true },
      });
      if (!lead) throw new AppError("not_found", "That lead no longer exists.");
      await reply(await currentCard(deps, lead.id));
    });
  });
}
