// Which digests run when: one per team (to its channel and marketing's) and one for marketing
// over all teams, each a cron expression in a time zone, with the playbook's defaults filled in.
import { DEFAULT_DIGEST_CRON, type Playbook } from "#src/playbook/schema.ts";

export interface DigestSchedule {
  /** "team:<key>" or "marketing": the DigestRun scope, so each runs once per period. */
  scope: string;
  /** The team's key; undefined for the marketing digest. */
  teamKey?: string;
  cron: string;
  timezone: string;
}

/** Each digest covers this long before the moment it is sent. */
export const DIGEST_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

export function teamScope(teamKey: string): string {
  return `team:${teamKey}`;
}

export const MARKETING_SCOPE = "marketing";

export function digestSchedules(playbook: Playbook): DigestSchedule[] {
  const defaultCron = playbook.digest.cron ?? playbook.digest.schedule ?? DEFAULT_DIGEST_CRON;
  const schedules: DigestSchedule[] = [];
  for (const team of playbook.teams) {
    if (team.digest?.enabled === false) continue;
    schedules.push({
      scope: teamScope(team.key),
      teamKey: team.key,
      cron: team.digest?.cron ?? defaultCron,
      timezone:
        team.digest?.timezone ?? team.timezone ?? playbook.digest.timezone ?? playbook.timezone,
    });
  }
  if (playbook.digest.marketing) {
    schedules.push({
      scope: MARKETING_SCOPE,
      cron: defaultCron,
      timezone: playbook.digest.timezone ?? playbook.timezone,
    });
  }
  return schedules;
}

/**
 * The period a scheduled run stands for: the minute it was scheduled for, in UTC. Every
 * replica's cron fires for the same minute, so they all name the same period.
 */
export function periodOf(scheduledFor: Date): string {
  const minute = new Date(Math.floor(scheduledFor.getTime() / 60_000) * 60_000);
  return minute.toISOString().slice(0, 16);
}
