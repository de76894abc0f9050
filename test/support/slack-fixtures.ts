// The test workspace shared by the fake Slack and the payload builders, and user and channel
// fixtures turned into the objects Slack's API returns for them.
import type { UserChangeEvent } from "@slack/types";

/** IDs of the test workspace and of the app's bot: auth.test returns these. */
export const TEST_WORKSPACE = {
  teamId: "T0TEST0001",
  teamDomain: "baton-test",
  teamName: "Baton Test",
  appId: "A0BATON001",
  botId: "B0BATONBOT",
  botUserId: "U0BATONBOT",
  botName: "baton",
} as const;

/** A user as a test describes it; the fake Slack fills in the rest of Slack's shape. */
export interface FakeUser {
  id: string;
  /** Handle (default: the id, lower-cased). */
  name?: string;
  realName?: string;
  email?: string;
  title?: string;
  /** IANA time zone (default America/New_York). */
  tz?: string;
  /** Deactivated. */
  deleted?: boolean;
  isBot?: boolean;
  isAdmin?: boolean;
}

/** A channel as a test describes it. */
export interface FakeChannel {
  id: string;
  name?: string;
  isPrivate?: boolean;
  isArchived?: boolean;
  /** The channel does not exist (or the bot cannot see it): calls get `channel_not_found`. */
  missing?: boolean;
}

/** A full Slack user object, as users.info and the user_change event carry it. */
export type SlackUser = UserChangeEvent["user"];

/** The user object Slack returns for a fixture. */
export function toSlackUser(user: FakeUser, teamId: string = TEST_WORKSPACE.teamId): SlackUser {
  const tz = user.tz ?? "America/New_York";
  const name = user.name ?? user.id.toLowerCase();
  const realName = user.realName ?? name;
  const [firstName = "", ...rest] = realName.split(" ");
  const image = `https://avatars.example/${user.id}`;
  return {
    id: user.id,
    team_id: teamId,
    name,
    deleted: user.deleted ?? false,
    color: "9f69e7",
    real_name: realName,
    tz,
    tz_label: zoneName(tz, "long"),
    tz_offset: zoneOffsetSeconds(tz),
    profile: {
      title: user.title ?? "",
      phone: "",
      skype: "",
      real_name: realName,
      real_name_normalized: realName,
      display_name: name,
      display_name_normalized: name,
      status_text: "",
      status_text_canonical: "",
      status_emoji: "",
      status_emoji_display_info: [],
      status_expiration: 0,
      avatar_hash: "g0000000000",
      first_name: firstName,
      last_name: rest.join(" "),
      ...(user.email === undefined ? {} : { email: user.email }),
      image_24: `${image}_24.png`,
      image_32: `${image}_32.png`,
      image_48: `${image}_48.png`,
      image_72: `${image}_72.png`,
      image_192: `${image}_192.png`,
      image_512: `${image}_512.png`,
      team: teamId,
      fields: null,
    },
    is_admin: user.isAdmin ?? false,
    is_owner: false,
    is_primary_owner: false,
    is_restricted: false,
    is_ultra_restricted: false,
    is_bot: user.isBot ?? false,
    updated: 1_700_000_000,
    is_email_confirmed: user.email !== undefined,
    is_app_user: false,
    locale: "en-US",
    who_can_share_contact_card: "EVERYONE",
  };
}

/** The bot user of the app, present in every fake Slack. */
export const BOT_USER: FakeUser = {
  id: TEST_WORKSPACE.botUserId,
  name: TEST_WORKSPACE.botName,
  realName: "Baton",
  isBot: true,
};

function zoneName(timeZone: string, style: "long" | "longOffset"): string {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: style }).formatToParts(
    new Date(),
  );
  return parts.find((part) => part.type === "timeZoneName")?.value ?? timeZone;
}

/** Seconds east of UTC now, as Slack's `tz_offset` (e.g. -18000 for New York in winter). */
function zoneOffsetSeconds(timeZone: string): number {
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(zoneName(timeZone, "longOffset"));
  if (!match) return 0;
  const seconds = Number(match[2]) * 3600 + Number(match[3]) * 60;
  return match[1] === "-" ? -seconds : seconds;
}
