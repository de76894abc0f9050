// Every person and channel the playbook names, looked up in Slack: people exist and are not
// deactivated (users.info), every team has a manager and the playbook marketers and admins who
// can act, channels exist, are not archived, and Baton can post in them (conversations.info).
// Only ids, roles and channel names are printed: never a person's name or email.
import type { WebClient } from "@slack/web-api";
import { type Check, fail, mapLimit, pass } from "#src/cli/doctor/checklist.ts";
import {
  type ChannelRef,
  describePlaces,
  describeRoles,
  type PersonRef,
  type Role,
} from "#src/cli/doctor/playbook-refs.ts";
import { SLACK_CONCURRENCY, slackFailure } from "#src/cli/doctor/slack-client.ts";
import type { Playbook } from "#src/playbook/schema.ts";

const RELOAD = "then run /leads reload (or restart Baton)";

type PersonState = "active" | "deactivated" | "missing" | "bot" | { error: string };

export async function checkPeople(
  client: WebClient,
  people: PersonRef[],
  file: string,
): Promise<{ checks: Check[]; states: Map<string, PersonState> }> {
  const states = new Map<string, PersonState>();
  await mapLimit(people, SLACK_CONCURRENCY, async (ref) => {
    states.set(ref.id, await personState(client, ref.id));
  });
  const checks: Check[] = [];
  const active = people.filter((ref) => states.get(ref.id) === "active");
  if (active.length > 0) {
    checks.push(
      pass(
        `${active.length} of ${people.length} people in the playbook exist in Slack and are active (${roleCounts(active)})`,
      ),
    );
  }
  const errors = new Map<string, string[]>();
  for (const ref of people) {
    const state = states.get(ref.id);
    const who = `${ref.id} (${describeRoles(ref)})`;
    const where = describePlaces(file, ref);
    if (state === "deactivated") {
      checks.push(
        fail(`${who} is deactivated in Slack`, `remove or replace them in ${where}, ${RELOAD}`),
      );
    } else if (state === "missing") {
      checks.push(
        fail(
          `${who} does not exist in this Slack workspace (user_not_found)`,
          `correct the id in ${where} (Slack profile → ⋮ → Copy member ID), ${RELOAD}`,
        ),
      );
    } else if (state === "bot") {
      checks.push(
        fail(
          `${who} is a bot, not a person`,
          `replace the id in ${where} with a person's member id, ${RELOAD}`,
        ),
      );
    } else if (typeof state === "object") {
      errors.set(state.error, [...(errors.get(state.error) ?? []), ref.id]);
    }
  }
  for (const [error, ids] of errors) {
    checks.push(
      fail(
        `Could not look up ${ids.length} ${ids.length === 1 ? "person" : "people"} in Slack (users.info: ${error}): ${ids.slice(0, 5).join(", ")}${ids.length > 5 ? ", ..." : ""}`,
        error.includes("missing_scope")
          ? "add the users:read scope to the app (OAuth & Permissions → Bot Token Scopes) and reinstall it"
          : "run `baton doctor` again; if it persists, check this machine's connection to Slack",
      ),
    );
  }
  return { checks, states };
}

async function personState(client: WebClient, user: string): Promise<PersonState> {
  try {
    const answer = await client.users.info({ user });
    if (answer.user?.deleted) return "deactivated";
    if (answer.user?.is_bot) return "bot";
    return "active";
  } catch (error) {
    const failure = slackFailure(error);
    return failure.code === "user_not_found" ? "missing" : { error: failure.text };
  }
}

function roleCounts(people: PersonRef[]): string {
  const names: [Role, string, string][] = [
    ["rep", "rep", "reps"],
    ["manager", "manager", "managers"],
    ["marketer", "marketer", "marketers"],
    ["admin", "admin", "admins"],
  ];
  return names
    .map(([role, one, many]) => {
      const n = people.filter((ref) => ref.roles.includes(role)).length;
      return n > 0 ? `${n} ${n === 1 ? one : many}` : undefined;
    })
    .filter(Boolean)
    .join(", ");
}

/**
 * Someone must be there to act: a manager per team (ghost alerts), a marketer (recalls, the
 * feedback channel's owner) and an admin (/leads reload). A person whose lookup failed for
 * another reason counts as there: that failure is reported once already.
 */
export function checkRoleCoverage(
  playbook: Playbook,
  states: Map<string, PersonState>,
  file: string,
): Check[] {
  const usable = (id: string) => {
    const state = states.get(id);
    return state === undefined || state === "active" || typeof state === "object";
  };
  const checks: Check[] = [];
  playbook.teams.forEach((team, i) => {
    if (!team.managers.some(usable)) {
      checks.push(
        fail(
          `Team ${team.key} has no active manager: its ghost alerts reach nobody`,
          `add an active manager's member id under teams[${i}].managers in ${file}, ${RELOAD}`,
        ),
      );
    }
  });
  const roles: [string, string[], string, string][] = [
    [
      "marketer",
      playbook.marketing.marketers,
      "marketing.marketers",
      "nobody can take a neglected lead back with /leads recall",
    ],
    ["admin", playbook.admins, "admins", "nobody can run /leads reload or other admin commands"],
  ];
  for (const [role, ids, path, consequence] of roles) {
    if (!ids.some(usable)) {
      checks.push(
        fail(
          `The playbook has no active ${role}: ${consequence}`,
          `add at least one active person's member id under ${path} in ${file}, ${RELOAD}`,
        ),
      );
    }
  }
  if (checks.length === 0) {
    checks.push(
      pass("Every team has an active manager; the playbook has active marketers and admins"),
    );
  }
  return checks;
}

export async function checkChannels(
  client: WebClient,
  channels: ChannelRef[],
  file: string,
  canPostPublic: boolean,
): Promise<Check[]> {
  return mapLimit(channels, SLACK_CONCURRENCY, (ref) =>
    checkChannel(client, ref, file, canPostPublic),
  );
}

async function checkChannel(
  client: WebClient,
  ref: ChannelRef,
  file: string,
  canPostPublic: boolean,
): Promise<Check> {
  const uses = describeRoles(ref);
  const where = describePlaces(file, ref);
  try {
    const { channel } = await client.conversations.info({ channel: ref.id });
    const name = `#${channel?.name ?? ref.id} (${ref.id}, ${uses})`;
    if (channel?.is_archived) {
      return fail(
        `${name} is archived: Baton cannot post there`,
        `unarchive it in Slack, or put a live channel's id in ${where}, ${RELOAD}`,
      );
    }
    if (channel?.is_member) return pass(`${name}: Baton is a member and can post`);
    if (!channel?.is_private && canPostPublic) {
      return pass(`${name}: public, Baton posts there with chat:write.public`);
    }
    return fail(
      `${name}: Baton is not a member and cannot post`,
      `run /invite @Baton in #${channel?.name ?? ref.id}`,
    );
  } catch (error) {
    const failure = slackFailure(error);
    if (failure.code === "channel_not_found") {
      return fail(
        `${ref.id} (${uses}) not found: a private channel Baton is not in, or a wrong id`,
        `if it is private, run /invite @Baton in it; otherwise copy the channel id (channel name → About, at the bottom) into ${where}, ${RELOAD}`,
      );
    }
    return fail(
      `Could not look up channel ${ref.id} (${uses}) in Slack (conversations.info: ${failure.text})`,
      failure.code === "missing_scope"
        ? "add the channels:read and groups:read scopes to the app (OAuth & Permissions → Bot Token Scopes) and reinstall it"
        : "run `baton doctor` again; if it persists, check this machine's connection to Slack",
    );
  }
}
