// What Baton keeps of a rep's Slack profile: the time zone (users.info `tz`), which places
// their working hours and caps when the playbook does not give one. Read from users.info at
// start and from `user_change` events as they come.
import type { Database } from "#src/db/database.ts";

export interface SlackProfile {
  userId: string;
  /** IANA zone from users.info / user_change `tz`. */
  tz?: string | null;
}

/** Stores the profile on the rep, if they are one; returns whether anything changed. */
export async function recordSlackProfile(db: Database, profile: SlackProfile): Promise<boolean> {
  const tz = validZone(profile.tz);
  if (!tz) return false;
  const { count } = await db.prisma.rep.updateMany({
    where: {
      slackUserId: profile.userId,
      OR: [{ slackTimezone: null }, { NOT: { slackTimezone: tz } }],
    },
    data: { slackTimezone: tz },
  });
  return count > 0;
}

function validZone(tz: string | null | undefined): string | undefined {
  if (!tz) return undefined;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return tz;
  } catch {
    return undefined;
  }
}
