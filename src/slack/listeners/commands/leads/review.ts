// `/leads review [@rep | #channel | team <name>] [private]`: the weekly lead review. Acked at
// once; then posted to the channel the command was typed in (paged, updated in place as leads
// change), or shown only to the caller with `private`.
import type { KnownBlock } from "@slack/types";
import type { WebClient } from "@slack/web-api";
import type { Deps } from "#src/context.ts";
import { AppError } from "#src/errors.ts";
import type { Playbook, PlaybookTeam } from "#src/playbook/schema.ts";
import {
  loadReviewLeads,
  type ReviewPageLayout,
  type ReviewScope,
  storedLayout,
} from "#src/read-models/review-leads.ts";
import { groupForReview, paginateReview, renderReviewPage } from "#src/slack/blocks/review.ts";
import { COMMAND } from "#src/slack/ids.ts";
import type { Subcommand } from "#src/slack/listeners/commands/leads/subcommand.ts";
import { platformError } from "#src/slack/slack-status.ts";
import { safeText } from "#src/slack/text.ts";

const USAGE = `Try \`${COMMAND} review\` (this channel's team, or yours), \`${COMMAND} review @ana\`, \`${COMMAND} review #na-sales\`, \`${COMMAND} review team na-midmarket\`, and add \`private\` to see it alone.`;

export interface ReviewRequest {
  scope: ReviewScope;
  title: string;
  private: boolean;
}

/** No team named, none posts to this channel, and the caller is in several: which one? */
export interface ReviewChoice {
  choose: PlaybookTeam[];
  private: boolean;
}

/**
 * Reads the arguments; `user` is the caller, `typedIn` the channel of the command. With no
 * team named, the team that posts to this channel is meant, else the caller's own team; a
 * caller in several teams is asked which. Refuses what it cannot resolve, with the usage.
 */
export function parseReviewArgs(
  args: string[],
  user: string,
  typedIn: string,
  playbook: Playbook,
): ReviewRequest | ReviewChoice {
  const words = [...args];
  const isPrivate = words.some((w) => w.toLowerCase() === "private");
  const rest = words.filter((w) => w.toLowerCase() !== "private");
  const teamOf = (t: PlaybookTeam): ReviewRequest => ({
    scope: { kind: "team", key: t.key },
    title: `Lead review: ${t.name}`,
    private: isPrivate,
  });
  if (rest.length === 0) {
    const here = playbook.teams.find((t) => t.channel === typedIn);
    if (here) return teamOf(here);
    const mine = playbook.teams.filter(
      (t) => t.managers.includes(user) || t.reps.some((r) => r.user === user),
    );
    if (mine.length === 0) {
      throw new AppError(
        "bad_request",
        `You are in no team, so name one. ${USAGE} Teams: ${playbook.teams.map((t) => `\`${t.key}\``).join(", ")}.`,
      );
    }
    return mine.length === 1 ? teamOf(mine[0]!) : { choose: mine, private: isPrivate };
  }
  const [first, ...more] = rest;
  const mention = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/.exec(first ?? "");
  if (mention && more.length === 0) {
    const id = mention[1]!;
    const rep = playbook.teams.flatMap((t) => t.reps).find((r) => r.user === id);
    return {
      scope: { kind: "rep", slackUserId: id },
      title: `Lead review: ${rep?.name ?? "rep"}`,
      private: isPrivate,
    };
  }
  const channel = /^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$/.exec(first ?? "");
  if (channel && more.length === 0) {
    const team = playbook.teams.find((t) => t.channel === channel[1]);
    if (!team)
      throw new AppError("bad_request", `No team posts its leads to <#${channel[1]}>. ${USAGE}`);
    return teamOf(team);
  }
  if (first?.toLowerCase() === "team" && more.length > 0) {
    const wanted = more.join(" ").toLowerCase();
    const team = playbook.teams.find((t) => t.key === wanted || t.name.toLowerCase() === wanted);
    if (!team) {
      throw new AppError(
        "bad_request",
        `There is no team \`${safeText(more.join(" "), 60)}\`. Teams: ${playbook.teams.map((t) => `\`${t.key}\``).join(", ")}.`,
      );
    }
    return teamOf(team);
  }
  throw new AppError(
    "bad_request",
    `I did not understand \`${safeText(args.join(" "), 80)}\`. ${USAGE}`,
  );
}

export const reviewSubcommand: Subcommand = {
  name: "review",
  usage: "review [@rep | #channel | team <name>] [private]",
  description: "every open lead by rep, stale first, with buttons: for the weekly lead review",
  examples: ["/leads review", "/leads review @ana", "/leads review team na-midmarket private"],
  async handle({ command, args, reply, client, deps }) {
    const playbook = deps.playbook.current;
    const inPlaybook =
      playbook.teams.some(
        (t) =>
          t.managers.includes(command.user_id) || t.reps.some((r) => r.user === command.user_id),
      ) ||
      playbook.marketing.marketers.includes(command.user_id) ||
      playbook.admins.includes(command.user_id);
    if (!inPlaybook) {
      throw new AppError(
        "forbidden",
        "Lead reviews are for the sales teams, managers and marketers in Baton's playbook.",
      );
    }
    const request = parseReviewArgs(args, command.user_id, command.channel_id, playbook);
    if ("choose" in request) {
      await reply({ text: whichTeam(request) });
      return;
    }
    const now = deps.clock.now();
    const leads = await loadReviewLeads(deps.db, request.scope);
    const layouts = paginateReview(groupForReview(leads));
    const pages = layouts.map((layout, i) =>
      renderReviewPage(request.title, leads.length, layout, i + 1, layouts.length, now),
    );
    if (request.private) {
      for (const page of pages) await reply(page);
      return;
    }
    await postPages({
      deps,
      client,
      channel: command.channel_id,
      request,
      total: leads.length,
      layouts,
      pages,
    });
  },
};

/** Posts the pages in the channel, each remembered so that it is redrawn as its leads change. */
async function postPages(options: {
  deps: Deps;
  client: WebClient;
  channel: string;
  request: ReviewRequest;
  /** Open leads in the whole review. */
  total: number;
  layouts: ReviewPageLayout[];
  pages: { text: string; blocks: KnownBlock[] }[];
}): Promise<void> {
  const { deps, client, channel, request, total, layouts, pages } = options;
  for (const [i, page] of pages.entries()) {
    let posted: { channel?: string; ts?: string };
    try {
      posted = await client.chat.postMessage({ channel, ...page });
    } catch (error) {
      const code = platformError(error);
      if (code === "not_in_channel" || code === "channel_not_found") {
        throw new AppError(
          "conflict",
          `I cannot post in this channel: invite Baton (\`/invite @Baton\`) or add \`private\`.`,
        );
      }
      throw error;
    }
    const layout = layouts[i]!;
    await deps.db.prisma.reviewPage.create({
      data: {
        channelId: String(posted.channel ?? channel),
        ts: String(posted.ts),
        scope:
          request.scope.kind === "team"
            ? `team:${request.scope.key}`
            : `rep:${request.scope.slackUserId}`,
        title: request.title,
        total,
        page: i + 1,
        pages: layouts.length,
        layout: storedLayout(layout),
        leadIds: layout.groups.flatMap((g) => g.leads.map((l) => l.id)),
      },
    });
  }
}

/** "You are in NA Mid-Market and Inbound Sales: which review? `/leads review team …`" */
export function whichTeam(choice: ReviewChoice): string {
  const names = choice.choose.map((t) => safeText(t.name, 80));
  const list = `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
  const commands = choice.choose
    .map((t) => `• \`${COMMAND} review team ${t.key}${choice.private ? " private" : ""}\``)
    .join("\n");
  return `You are in ${list}, and no team posts its leads to this channel: which review?\n${commands}\nOr run \`${COMMAND} review\` in a team's channel.`;
}
