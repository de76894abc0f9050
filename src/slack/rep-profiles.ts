// Reads the playbook reps' Slack profiles (users.info: time zone) once at start, in the
// background: a rep's hours and caps follow their Slack time zone unless the playbook gives
// one. `user_change` events keep it current afterwards (src/slack/listeners/events).
import type { WebClient } from "@slack/web-api";
import type { Deps } from "#src/context.ts";
import { recordSlackProfile } from "#src/services/slack-profile.ts";

/** The reps whose time zone matters and is not set in the playbook. */
function repsToRead(deps: Deps): string[] {
  const users = new Set<string>();
  for (const team of deps.playbook.current.teams) {
    for (const rep of team.reps) {
      const zoned = rep.hours || rep.dailyCap || rep.weeklyCap;
      if (zoned && !rep.timezone) users.add(rep.user);
    }
  }
  return [...users];
}

export async function refreshRepProfiles(client: WebClient, deps: Deps): Promise<void> {
  for (const userId of repsToRead(deps)) {
    try {
      const { user } = await client.users.info({ user: userId });
      await recordSlackProfile(deps.db, { userId, tz: user?.tz });
    } catch (error) {
      deps.logger.warn(
        { err: error, user: userId },
        "could not read a rep's Slack profile; their time zone stays the team's (check the users:read scope)",
      );
    }
  }
}
