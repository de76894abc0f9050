// `/leads route <email | L-1042 | field=value ...>`: the routing dry run, for the caller only.
// Writes nothing; says which rule matched, the team, the next rep and why the others were skipped.

import { AppError } from "#src/errors.ts";
import type { Playbook } from "#src/playbook/schema.ts";
import { ownerMatcherFor } from "#src/services/crm-owner-match.ts";
import { explainRoute, type RouteQuery } from "#src/services/explain-route.ts";
import { buildRouteAnswer } from "#src/slack/blocks/route-answer.ts";
import { COMMAND } from "#src/slack/ids.ts";
import type { Subcommand } from "#src/slack/listeners/commands/leads/subcommand.ts";
import { safeText } from "#src/slack/text.ts";

const USAGE = `Try \`${COMMAND} route L-1042\`, \`${COMMAND} route ana@acme.example\` or \`${COMMAND} route country=DE region=EMEA companySize=800\`.`;

export const routeSubcommand: Subcommand = {
  name: "route",
  usage: "route <email | L-1042 | field=value ...>",
  description: "where a lead would go and why: rules, team, next rep, who was skipped (dry run)",
  examples: ["/leads route L-1042", "/leads route country=DE region=EMEA companySize=800"],
  async handle({ command, args, reply, deps }) {
    const playbook = deps.playbook.current;
    if (!mayExplain(playbook, command.user_id)) {
      throw new AppError(
        "forbidden",
        "Only the playbook's reps and managers, marketers and Baton admins can see routing.",
      );
    }
    const query = parseQuery(args);
    const matcher = ownerMatcherFor(deps.crm, playbook.crm);
    const explanation = await explainRoute({
      db: deps.db,
      playbook,
      now: deps.clock.now(),
      query,
      crmOwner: matcher && ((lead) => matcher.match(deps.db, lead)),
    });
    await reply(buildRouteAnswer(explanation));
  },
};

function mayExplain(playbook: Playbook, user: string): boolean {
  return (
    playbook.admins.includes(user) ||
    playbook.marketing.marketers.includes(user) ||
    playbook.teams.some((t) => t.managers.includes(user) || t.reps.some((r) => r.user === user))
  );
}

/** One email or L-number, or `field=value` pairs (a value with spaces in "quotes"). */
export function parseQuery(args: string[]): RouteQuery {
  // Slack sends an email typed in a command as <mailto:a@b.c|a@b.c>.
  const text = args
    .join(" ")
    .replace(/<mailto:([^|>]+)(?:\|[^>]*)?>/g, "$1")
    .trim();
  if (!text) throw new AppError("bad_request", `Say which lead. ${USAGE}`);
  if (!text.includes("=")) {
    if (/^L-?\d{1,9}$/i.test(text) || /^\S+@\S+$/.test(text)) return { kind: "lead", ref: text };
    throw new AppError("bad_request", `\`${safeText(text, 80)}\` is not a lead. ${USAGE}`);
  }
  const fields: Record<string, string> = {};
  const pair = /([\w.-]+)=(?:"([^"]*)"|(\S+))/g;
  let rest = text;
  for (const match of text.matchAll(pair)) {
    fields[match[1]!] = match[2] ?? match[3]!;
    rest = rest.replace(match[0], "");
  }
  if (rest.trim()) {
    throw new AppError(
      "bad_request",
      `I did not understand \`${safeText(rest.trim(), 80)}\`. ${USAGE}`,
    );
  }
  return { kind: "fields", fields };
}
