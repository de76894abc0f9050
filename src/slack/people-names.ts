// A Slack user's name as the lead card shows who sent a lead: their real name from users.info,
// else their handle. The card shows it as plain text (mentions in cards are escaped).
import type { WebClient } from "@slack/web-api";
import type { Logger } from "#src/logger.ts";

export async function slackUserName(
  client: WebClient,
  userId: string,
  fallback: string | undefined,
  logger: Logger,
): Promise<string> {
  try {
    const { user } = await client.users.info({ user: userId });
    const name = user?.profile?.real_name || user?.real_name || user?.name;
    if (name) return name;
  } catch (error) {
    logger.info({ err: error, user: userId }, "users.info failed; naming the sender by handle");
  }
  return fallback || userId;
}
