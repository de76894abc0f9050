import type { SlashCommand } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import type { Deps } from "#src/context.ts";
import type { SubcommandHelp } from "#src/slack/blocks/help-message.ts";
import type { Reply } from "#src/slack/replier.ts";

export interface SubcommandInput {
  command: SlashCommand;
  /** The words after the subcommand name. */
  args: string[];
  /** Answers the person who typed the command, and only them. */
  reply: Reply;
  client: WebClient;
  deps: Deps;
}

/** One `/leads <name>` subcommand; `/leads help` lists them all. */
export interface Subcommand extends SubcommandHelp {
  name: string;
  aliases?: string[];
  handle(input: SubcommandInput): Promise<void>;
}
