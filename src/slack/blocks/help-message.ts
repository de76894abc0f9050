import type { KnownBlock } from "@slack/types";
import { COMMAND } from "#src/slack/ids.ts";

export interface SubcommandHelp {
  usage: string;
  description: string;
  examples?: string[];
}

/** The `/leads help` answer, built from the subcommands that exist. */
export function buildHelpMessage(
  subcommands: SubcommandHelp[],
  intro?: string,
): {
  text: string;
  blocks: KnownBlock[];
} {
  const lines = subcommands.map((sub) => {
    const examples = sub.examples?.length
      ? `\n    e.g. ${sub.examples.map((e) => `\`${e.startsWith("/") ? e : `${COMMAND} ${e}`}\``).join(", ")}`
      : "";
    return `• \`${COMMAND} ${sub.usage}\`: ${sub.description}${examples}`;
  });
  const blocks: KnownBlock[] = [];
  if (intro) blocks.push({ type: "section", text: { type: "mrkdwn", text: intro } });
  blocks.push(
    {
      type: "section",
      text: {
        type: "mrkdwn",
        text: "*Baton* gets every qualified lead claimed, worked and decided. Commands:",
      },
    },
    { type: "section", text: { type: "mrkdwn", text: lines.join("\n") } },
  );
  return { text: `Baton commands: ${subcommands.map((s) => s.usage).join(", ")}`, blocks };
}
