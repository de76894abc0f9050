// A person's App Home, read and built: their leads, and for a manager of an assign-mode team
// the team's round robin (each rep's share of the last 30 days against their weight, and who
// is next up). The Home tab's listener and the outbox (when leads change) both publish it.
import type { KnownBlock } from "@slack/types";
import type { Deps } from "#src/context.ts";
import { loadHome } from "#src/read-models/app-home.ts";
import { loadFairness } from "#src/read-models/fairness.ts";
import { nextUpByTeam } from "#src/services/explain-route.ts";
import { buildAppHome } from "#src/slack/blocks/app-home.ts";
import { fairnessSection } from "#src/slack/blocks/fairness-table.ts";

const MONTH = 30 * 86_400_000;

export async function homeFor(
  deps: Pick<Deps, "db" | "playbook">,
  userId: string,
  now: Date,
): Promise<{ type: "home"; blocks: KnownBlock[] }> {
  const home = buildAppHome(await loadHome(deps, userId, now), now);
  const playbook = deps.playbook.current;
  const managed = playbook.teams.filter((t) => t.mode === "assign" && t.managers.includes(userId));
  if (managed.length === 0) return home;
  const keys = new Set(managed.map((t) => t.key));
  const window = { from: new Date(now.getTime() - MONTH), to: now };
  const teams = (await loadFairness(deps.db, playbook, window)).filter((t) => keys.has(t.teamKey));
  const next = await nextUpByTeam({ db: deps.db, playbook, now });
  const blocks: KnownBlock[] = [
    { type: "header", text: { type: "plain_text", text: "Round robin, last 30 days" } },
    ...teams.map(
      (team): KnownBlock => ({
        type: "section",
        text: { type: "mrkdwn", text: fairnessSection(team, next.get(team.teamKey)) },
      }),
    ),
  ];
  return { type: "home", blocks: [...home.blocks, ...blocks].slice(0, 100) };
}
