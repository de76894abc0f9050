// `/leads stats [7d|30d|quarter] [by source|campaign|rep|team]`: the numbers for leads received
// in the period, ephemerally. `by campaign` answers marketing's "are my leads converting?".
import type { Deps } from "#src/context.ts";
import { AppError } from "#src/errors.ts";
import { loadFairness } from "#src/read-models/fairness.ts";
import {
  breakdown,
  DIMENSIONS,
  type Dimension,
  digestSummary,
} from "#src/read-models/lead-metrics.ts";
import { nextUpByTeam } from "#src/services/explain-route.ts";
import { fairnessSection } from "#src/slack/blocks/fairness-table.ts";
import {
  breakdownTable,
  codeBlock,
  formatDuration,
  formatRate,
} from "#src/slack/blocks/metrics-format.ts";
import { COMMAND } from "#src/slack/ids.ts";
import type { Subcommand } from "#src/slack/listeners/commands/leads/subcommand.ts";
import { safeText } from "#src/slack/text.ts";

const DAY = 24 * 60 * 60 * 1000;
const PERIODS: Record<string, { ms: number; label: string }> = {
  "7d": { ms: 7 * DAY, label: "the last 7 days" },
  "30d": { ms: 30 * DAY, label: "the last 30 days" },
  quarter: { ms: 90 * DAY, label: "the last 90 days" },
};
const PERIOD_ALIASES: Record<string, string> = { week: "7d", month: "30d", "90d": "quarter" };

export interface StatsQuery {
  period: keyof typeof PERIODS;
  by?: Dimension;
}

const USAGE = `Try \`${COMMAND} stats\`, \`${COMMAND} stats 30d by campaign\` or \`${COMMAND} stats quarter by rep\`: a period (7d, 30d or quarter) and optionally \`by source\`, \`by campaign\`, \`by rep\` or \`by team\`.`;

/** Reads the arguments in any order; anything unknown is refused with the usage. */
export function parseStatsArgs(args: string[]): StatsQuery {
  const query: StatsQuery = { period: "7d" };
  const words = args.map((a) => a.toLowerCase());
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const period = PERIOD_ALIASES[word] ?? word;
    if (period in PERIODS) {
      query.period = period;
      continue;
    }
    const dimension = word === "by" ? words[++i] : word;
    const singular = dimension?.replace(/s$/, "");
    if (singular && (DIMENSIONS as readonly string[]).includes(singular)) {
      query.by = singular as Dimension;
      continue;
    }
    const shown = safeText(args[i] ?? word, 40);
    throw new AppError(
      "bad_request",
      word === "by" && !dimension
        ? `:warning: \`by\` needs a dimension. ${USAGE}`
        : `:warning: I don't know \`${shown}\`. ${USAGE}`,
    );
  }
  return query;
}

export const statsSubcommand: Subcommand = {
  name: "stats",
  usage: "stats [7d|30d|quarter] [by source|campaign|rep|team]",
  description: "how leads received in the period were worked and converted",
  examples: ["stats 30d by campaign", "stats quarter by rep"],
  async handle({ args, reply, deps }) {
    const query = parseStatsArgs(args);
    const to = deps.clock.now();
    const period = PERIODS[query.period]!;
    const window = { from: new Date(to.getTime() - period.ms), to };
    const summary = await digestSummary(deps.db, window);
    const headline =
      `*Leads received in ${period.label}: ${summary.received}*\n` +
      `Accepted ${summary.accepted} (${formatRate(summary.accepted, summary.received)}) · ` +
      `worked ${summary.worked} · converted ${summary.converted} (${formatRate(summary.converted, summary.received)}) · ` +
      `disqualified ${summary.disqualified} · back to nurture ${summary.nurtured}\n` +
      `Time to claim: median ${formatDuration(summary.medianClaimSeconds)}, p90 ${formatDuration(summary.p90ClaimSeconds)} (wall clock) · ` +
      `SLA breaches ${summary.slaBreaches} · ghosts ${summary.ghostAlerts} · reassigned ${summary.reassigned}`;
    const blocks: { type: "section"; text: { type: "mrkdwn"; text: string } }[] = [
      { type: "section", text: { type: "mrkdwn", text: headline } },
    ];
    if (query.by) {
      const rows = await breakdown(deps.db, window, query.by, 100);
      let body: string;
      if (rows.length === 0) {
        body = "No leads to break down in this period.";
      } else {
        let table = breakdownTable(rows, query.by, { maxRows: 20 });
        if (query.by === "rep") {
          // Names come from the playbook; Slack ids stay as a fallback.
          const names = new Map(
            deps.playbook.current.teams.flatMap((t) =>
              t.reps.map((r) => [r.user, r.name ?? r.user] as const),
            ),
          );
          table = breakdownTable(rows, "rep", {
            maxRows: 20,
            repName: (id) => names.get(id) ?? id,
          });
        }
        body = `${codeBlock(table)}\nLeads: received · Acc: accepted (claimed) · Conv: converted to an opportunity · Rate: lead-to-opportunity · DQ: disqualified · Claim: median time to claim`;
      }
      blocks.push({
        type: "section",
        text: { type: "mrkdwn", text: safeTextKeepingCode(body) },
      });
      if (query.by === "rep") blocks.push(...(await fairnessBlocks(deps, window)));
    }
    await reply({
      text: `Leads received in ${period.label}: ${summary.received}, converted ${summary.converted}.`,
      blocks,
    });
  },
};

/** The table is already escaped; only cut it to Slack's section limit. */
function safeTextKeepingCode(text: string): string {
  return text.length <= 3000 ? text : `${text.slice(0, 2990)}…\`\`\``;
}

/** Per assign-mode team: each rep's share of leads against their weight, and who is next up. */
async function fairnessBlocks(deps: Deps, window: { from: Date; to: Date }) {
  const playbook = deps.playbook.current;
  const teams = await loadFairness(deps.db, playbook, window);
  if (teams.length === 0) return [];
  const next = await nextUpByTeam({ db: deps.db, playbook, now: window.to });
  return teams.map((team) => ({
    type: "section" as const,
    text: {
      type: "mrkdwn" as const,
      text: safeTextKeepingCode(fairnessSection(team, next.get(team.teamKey))),
    },
  }));
}
