import { buildHelpMessage } from "#src/slack/blocks/help-message.ts";
import type { Subcommand } from "#src/slack/listeners/commands/leads/subcommand.ts";

export function helpSubcommand(all: () => Subcommand[]): Subcommand {
  return {
    name: "help",
    usage: "help",
    description: "this list",
    async handle({ reply }) {
      await reply(buildHelpMessage(all()));
    },
  };
}
