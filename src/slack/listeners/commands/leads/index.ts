// `/leads <subcommand> ...`: acked at once, then answered through the response URL.
import type { App } from "@slack/bolt";
import type { Deps } from "#src/context.ts";
import { buildHelpMessage } from "#src/slack/blocks/help-message.ts";
import { COMMAND } from "#src/slack/ids.ts";
import { awaySubcommand } from "#src/slack/listeners/commands/leads/away.ts";
import { digestSubcommand } from "#src/slack/listeners/commands/leads/digest.ts";
import { findSubcommand } from "#src/slack/listeners/commands/leads/find.ts";
import { helpSubcommand } from "#src/slack/listeners/commands/leads/help.ts";
import { mineSubcommand } from "#src/slack/listeners/commands/leads/mine.ts";
import { newSubcommand } from "#src/slack/listeners/commands/leads/new.ts";
import { recallSubcommand } from "#src/slack/listeners/commands/leads/recall.ts";
import { reloadSubcommand } from "#src/slack/listeners/commands/leads/reload.ts";
import { reviewSubcommand } from "#src/slack/listeners/commands/leads/review.ts";
import { routeSubcommand } from "#src/slack/listeners/commands/leads/route.ts";
import { statsSubcommand } from "#src/slack/listeners/commands/leads/stats.ts";
import type { Subcommand } from "#src/slack/listeners/commands/leads/subcommand.ts";
import { replier } from "#src/slack/replier.ts";
import { withErrorReply } from "#src/slack/reply-errors.ts";
import { safeText } from "#src/slack/text.ts";

export function registerLeadsCommand(app: App, deps: Deps): void {
  const subcommands: Subcommand[] = [];
  subcommands.push(
    reviewSubcommand,
    mineSubcommand,
    findSubcommand,
    reloadSubcommand,
    statsSubcommand,
    digestSubcommand,
    awaySubcommand,
    recallSubcommand,
    newSubcommand,
    routeSubcommand,
    helpSubcommand(() => subcommands),
  );

  app.command(COMMAND, async ({ command, ack, respond, client }) => {
    await ack();
    const logger = deps.logger.child({ command: COMMAND, user: command.user_id });
    const [name = "help", ...args] = command.text.trim().split(/\s+/).filter(Boolean);
    const subcommand = subcommands.find(
      (sub) => sub.name === name.toLowerCase() || sub.aliases?.includes(name.toLowerCase()),
    );
    const reply = replier({
      client,
      logger,
      userId: command.user_id,
      respond,
      channelId: command.channel_id,
    });
    await withErrorReply(reply, logger, async () => {
      if (!subcommand) {
        await reply(
          buildHelpMessage(
            subcommands,
            `:warning: \`${COMMAND} ${safeText(name, 50)}\` is not a Baton command.`,
          ),
        );
        return;
      }
      await subcommand.handle({ command, args, reply, client, deps });
    });
  });
}
