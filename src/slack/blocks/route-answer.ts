// The answer to `/leads route ...`: the routing dry run's lines, each escaped (lead fields and
// rep names are user text). Reps are named with their Slack id, not mentioned: nobody is pinged.
import type { KnownBlock } from "@slack/types";
import { type RouteExplanation, routeReport } from "#src/domain/routing.ts";
import { LIMITS, safeMrkdwn, truncate } from "#src/slack/text.ts";

export function buildRouteAnswer(explanation: RouteExplanation): {
  text: string;
  blocks: KnownBlock[];
} {
  const { people, number, status } = explanation;
  const who = (repId: string) => {
    const person = people[repId];
    return person ? `${person.name} (${person.slackUserId})` : "someone";
  };
  const lines = routeReport(explanation.decision, who).map((line) => safeMrkdwn(line, 600));
  const head = number
    ? `:compass: *Routing dry run for L-${number}* (${status?.toLowerCase()}): where it would go if handed off now`
    : ":compass: *Routing dry run*: where this lead would go if it came in now";
  const body = lines.join("\n");
  return {
    text: `Routing dry run: team ${explanation.decision.teamKey}`,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: head } },
      {
        type: "section",
        text: { type: "mrkdwn", text: truncate(body, LIMITS.sectionText) },
      },
      {
        type: "context",
        elements: [{ type: "mrkdwn", text: "Nothing was written: this is what Baton would do." }],
      },
    ],
  };
}
