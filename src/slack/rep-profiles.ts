// Reps' Slack profiles: their time zone (hours and caps follow it unless the playbook gives one)
// and their status (one that says they are out makes them away). Read with users.info once at
// start, in the background, for the reps it matters for; `user_change` and
// `user_status_changed` events keep them current (src/slack/listeners/events).
import type { WebClient } from "@slack/web-api";
import type { Deps } from "#src/context.ts";
import { revisitHeldLeads } from "#src/services/fallback.ts";
import { type ProfileResult, recordSlackProfile, type SlackProfile } from "#src/services/people.ts";
import { slackWords } from "#src/slack/text.ts";

/** A Slack user object (users.info, user_change, user_status_changed) as Baton reads it. */
export interface SlackUser {
  id?: string;
  deleted?: boolean;
  tz?: string;
  profile?: { status_emoji?: string; status_text?: string; status_expiration?: number };
}

export function profileOf(user: SlackUser & { id: string }): SlackProfile {
  const p = user.profile;
  return {
    userId: user.id,
    tz: user.tz,
    status: p && {
      emoji: p.status_emoji,
      text: p.status_text,
      expiration: p.status_expiration,
    },
  };
}

/** Records a profile; failures are logged, never thrown (events and start-up call it). */
export async function applyProfile(
  deps: Deps,
  profile: SlackProfile,
): Promise<ProfileResult | undefined> {
  const logger = deps.logger.child({ user: profile.userId });
  try {
    const result = await recordSlackProfile({
      db: deps.db,
      playbook: deps.playbook.current,
      webhooks: deps.config.webhooks,
      words: slackWords,
      now: deps.clock.now(),
      profile,
    });
    if (result?.away !== undefined) {
      logger.info(
        { away: result.away, movedOffers: result.movedOffers.length },
        result.away ? "Slack status says the rep is out: away" : "the rep's out status cleared",
      );
    }
    // Back: leads held because nobody could take them are offered now, oldest first.
    const offered = result?.away === false ? await revisitHeldLeads(deps, deps.clock.now()) : 0;
    if (result?.movedOffers.length || offered) deps.wakeOutbox?.();
    return result;
  } catch (error) {
    logger.error({ err: error }, "could not record a rep's Slack profile");
    return undefined;
  }
}

/** Assign-mode reps (offers follow their status) and reps whose zone Baton must learn. */
function repsToRead(deps: Deps): string[] {
  const users = new Set<string>();
  for (const team of deps.playbook.current.teams) {
    for (const rep of team.reps) {
      const zoned = (rep.hours || rep.dailyCap || rep.weeklyCap) && !rep.timezone;
      if (team.mode === "assign" || zoned) users.add(rep.user);
    }
  }
  return [...users];
}

export async function refreshRepProfiles(
  client: WebClient,
  deps: Deps,
  signal?: AbortSignal,
): Promise<void> {
  for (const userId of repsToRead(deps)) {
    if (signal?.aborted) return;
    try {
      const { user } = await client.users.info({ user: userId });
      if (user && !signal?.aborted)
        await applyProfile(deps, profileOf({ ...(user as SlackUser), id: userId }));
    } catch (error) {
      deps.logger.warn(
        { err: error, user: userId },
        "could not read a rep's Slack profile (time zone, status); check the users:read scope",
      );
    }
  }
}
