// `/leads digest [team|marketing]`: posts a digest now, to the team channel and the marketing
// channel (the marketing digest to marketing's only). Scheduled digests are unaffected.
import { randomBytes } from "node:crypto";
import { AppError } from "#src/errors.ts";
import type { Playbook } from "#src/playbook/schema.ts";
import { sendDigest } from "#src/services/send-digest.ts";
import { COMMAND } from "#src/slack/ids.ts";
import type { Subcommand } from "#src/slack/listeners/commands/leads/subcommand.ts";
import { safeText } from "#src/slack/text.ts";

/** The team the user works in (as rep or manager), the first one listed. */
function teamOf(playbook: Playbook, user: string) {
  return playbook.teams.find(
    (t) => t.managers.includes(user) || t.reps.some((r) => r.user === user),
  );
}

function mayPost(playbook: Playbook, user: string, teamKey: string | undefined): boolean {
  if (playbook.admins.includes(user) || playbook.marketing.marketers.includes(user)) return true;
  if (!teamKey) return playbook.teams.some((t) => t.managers.includes(user));
  const team = playbook.teams.find((t) => t.key === teamKey);
  return Boolean(team && (team.managers.includes(user) || team.reps.some((r) => r.user === user)));
}

export const digestSubcommand: Subcommand = {
  name: "digest",
  usage: "digest [team|marketing]",
  description: "post the weekly digest now (your team's, another team's, or marketing's)",
  examples: ["digest", "digest na-midmarket", "digest marketing"],
  async handle({ command, args, reply, deps }) {
    const playbook = deps.playbook.current;
    const keys = playbook.teams.map((t) => `\`${t.key}\``).join(", ");
    const wanted = args.join(" ").trim().toLowerCase();
    let teamKey: string | undefined;
    if (wanted === "marketing" || wanted === "all") {
      teamKey = undefined;
    } else if (wanted) {
      const team = playbook.teams.find((t) => t.key === wanted || t.name.toLowerCase() === wanted);
      if (!team) {
        throw new AppError(
          "bad_request",
          `:warning: There is no team \`${safeText(wanted, 60)}\`. Teams: ${keys}, or \`marketing\` for all teams. Example: \`${COMMAND} digest ${playbook.teams[0]!.key}\`.`,
        );
      }
      teamKey = team.key;
    } else {
      const team = teamOf(playbook, command.user_id);
      if (!team) {
        throw new AppError(
          "bad_request",
          `:warning: You are not in a team, so name one: ${keys}, or \`marketing\` for all teams. Example: \`${COMMAND} digest ${playbook.teams[0]!.key}\`.`,
        );
      }
      teamKey = team.key;
    }
    if (!mayPost(playbook, command.user_id, teamKey)) {
      throw new AppError(
        "forbidden",
        teamKey
          ? "Only the team's reps and managers, marketers and Baton admins can post its digest."
          : "Only managers, marketers and Baton admins can post the marketing digest.",
      );
    }
    const now = deps.clock.now();
    const result = await sendDigest(deps, {
      teamKey,
      period: `${now.toISOString()}:${command.user_id}:${randomBytes(3).toString("hex")}`,
      trigger: "manual",
      now,
    });
    const where = result.channels.map((c) => `<#${c}>`).join(" and ");
    await reply({
      text: `:white_check_mark: Posting the ${teamKey ? `${safeText(result.report?.title ?? teamKey, 80)} digest` : "marketing digest"} for the last 7 days to ${where}.`,
    });
  },
};
