// Show card (on a burst summary): the lead's full card, to whoever asked and nobody else.
import type { App, BlockButtonAction } from "@slack/bolt";
import type { Deps } from "#src/context.ts";
import { AppError } from "#src/errors.ts";
import { currentCard } from "#src/slack/current-card.ts";
import { ACTIONS, leadIdFrom } from "#src/slack/ids.ts";
import { withErrorReply } from "#src/slack/reply-errors.ts";

export function registerShowCard(app: App, deps: Deps): void {
  app.action<BlockButtonAction>(ACTIONS.showCard, async ({ ack, body, action, respond }) => {
    await ack();
    const logger = deps.logger.child({ action: ACTIONS.showCard, user: body.user.id });
    await withErrorReply(respond, logger, async () => {
      const lead = await deps.db.prisma.lead.findUnique({
        where: { id: leadIdFrom(action.value) },
        select: { id: true },
      });
      if (!lead) throw new AppError("not_found", "That lead no longer exists.");
      await respond({
        response_type: "ephemeral",
        replace_original: false,
        ...(await currentCard(deps, lead.id)),
      });
    });
  });
}
