// The lead's card as it is now, in its team's time zone, with the AI brief when the model wrote
// one and the deterministic brief otherwise. Delivered cards (src/outbox) and the cards a person
// asks to see (`/leads find`, Show card) are the same card.
import type { Deps } from "#src/context.ts";
import { loadCardView } from "#src/read-models/lead-card.ts";
import { buildLeadCard } from "#src/slack/blocks/lead-card.ts";
import { buildDeterministicBrief } from "#src/slack/blocks/lead-summary.ts";

export async function currentCard(deps: Deps, leadId: string) {
  const now = deps.clock.now();
  const view = await loadCardView(deps.db, leadId, now, deps.playbook.current);
  const team = deps.playbook.current.teams.find((t) => t.key === view.teamKey);
  return buildLeadCard(view.card, {
    now,
    timeZone: team?.timezone ?? deps.playbook.current.timezone,
    brief: view.aiBrief ?? buildDeterministicBrief(view.card, now),
  });
}
