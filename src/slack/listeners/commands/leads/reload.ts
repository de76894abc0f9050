// `/leads reload`: an admin re-reads the playbook; an invalid file keeps the running one.
import { AppError } from "#src/errors.ts";
import { deactivateRep } from "#src/services/people.ts";
import { syncPlaybook } from "#src/services/sync-playbook.ts";
import type { Subcommand } from "#src/slack/listeners/commands/leads/subcommand.ts";
import { safeText, slackWords } from "#src/slack/text.ts";

export const reloadSubcommand: Subcommand = {
  name: "reload",
  usage: "reload",
  description: "re-read the playbook (admins)",
  async handle({ command, reply, deps }) {
    if (!deps.playbook.current.admins.includes(command.user_id)) {
      throw new AppError(
        "forbidden",
        "Only Baton admins can reload the playbook. Admins are listed under `admins:` in the playbook.",
      );
    }
    const result = await deps.playbook.reload();
    if (!result.ok) {
      deps.logger.warn({ problems: result.error.problems }, "playbook reload refused");
      await reply({
        text: safeText(
          `:x: The playbook was not reloaded: the previous one stays in force.\n${result.error.problems.map((p) => `• ${p}`).join("\n")}`,
          3000,
        ),
      });
      return;
    }
    const sync = await syncPlaybook(deps.db, result.playbook);
    // Someone who is in no team any more lets go of their open leads.
    const stillIn = new Set(result.playbook.teams.flatMap((t) => t.reps.map((r) => r.user)));
    for (const user of new Set(sync.removedMembers.map((m) => m.user))) {
      if (stillIn.has(user)) continue;
      await deactivateRep({
        db: deps.db,
        playbook: result.playbook,
        webhooks: deps.config.webhooks,
        words: slackWords,
        now: deps.clock.now(),
        userId: user,
        why: "was removed from the playbook",
        deactivate: false,
      });
    }
    deps.logger.info({ by: command.user_id, ...sync }, "playbook reloaded");
    const removed = sync.removedMembers.length
      ? `\nNo longer in a team: ${sync.removedMembers.map((m) => `<@${m.user}> (${m.team})`).join(", ")}.`
      : "";
    await reply({
      text: `:white_check_mark: Playbook reloaded: ${sync.teams} teams, ${sync.reps} people.${removed}`,
    });
  },
};
