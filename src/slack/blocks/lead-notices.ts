// What Baton tells people about a lead fact, in Slack's words: the new owner and the old one
// after a reassignment, the owner after a recall, the thread when a lead is open for claims
// again, and the SLA's reminders, nudges and ghost alerts (see sla-messages.ts).
import type { KnownBlock } from "@slack/types";
import { formatDuration } from "#src/domain/duration.ts";
import type { LeadFact, PeopleFact } from "#src/domain/lead-facts.ts";
import type { LeadLabel } from "#src/read-models/lead-label.ts";
import {
  claimNudge,
  followUpNudge,
  ghostAlert,
  offerReminder,
  releasedBySla,
  type SlaLeadView,
} from "#src/slack/blocks/sla-messages.ts";
import { safeText } from "#src/slack/text.ts";

export interface Notice {
  text: string;
  blocks?: KnownBlock[];
  /** Remember the message under this kind (a ghost alert, for its picker). */
  record?: string;
}

/** The message for `fact`, to `user` (a DM) or to the lead's thread; undefined: nothing to say. */
export function renderNotice(
  fact: LeadFact,
  lead: LeadLabel,
  to: { user: string } | { thread: unknown },
): Notice | undefined {
  const n = `L-${lead.number}`;
  const user = "user" in to ? to.user : undefined;
  switch (fact.type) {
    case "reassigned": {
      if (user === fact.to) {
        const where = lead.teamChannel ? ` Its card is in <#${lead.teamChannel}>.` : "";
        return {
          text: `:inbox_tray: <@${fact.by}> assigned you ${n}.${where} Reach out, then press *Log touch* on the card.`,
        };
      }
      return {
        text: `:twisted_rightwards_arrows: <@${fact.by}> reassigned ${n} to <@${fact.to}>. It is off your list.`,
      };
    }
    case "recalled": {
      const said = fact.note ? `: ${safeText(fact.note, 500)}` : ".";
      if (!user)
        return { text: `:rewind: Marketing (<@${fact.by}>) put ${n} back up for grabs${said}` };
      const back = fact.action === "nurture" ? "to nurture" : "to offer it again";
      return { text: `:rewind: <@${fact.by}> from marketing took ${n} back ${back}${said}` };
    }
    case "released":
      return {
        text: `:leftwards_arrow_with_hook: ${n} was released by ${"person" in fact.actor ? `<@${fact.actor.person}>` : "Baton"}: ${safeText(fact.reason, 500)}. It is open for claims again.`,
      };
    case "unassigned":
      return {
        text: `:leftwards_arrow_with_hook: ${n} was <@${fact.owner}>'s, who ${fact.why}. It is open for claims again.`,
      };
    case "expired": {
      const view = slaView(lead, fact.idleMs, { owner: fact.owner, touchCount: fact.touchCount });
      return { text: releasedBySla(view, fact.owner ?? "nobody", fact.stalled) };
    }
    case "sla_due":
      return slaNotice(fact, lead, user);
    default:
      return undefined;
  }
}

function slaNotice(
  fact: Extract<LeadFact, { type: "sla_due" }>,
  lead: LeadLabel,
  user: string | undefined,
): Notice {
  const view = slaView(lead, fact.waitedMs, fact);
  switch (fact.step) {
    case "remind":
      return { text: offerReminder(view) };
    case "nudge":
      return { text: claimNudge(view) };
    case "follow_up": {
      const since = formatDuration(fact.waitedMs);
      const nudge = followUpNudge(view, since);
      return { text: user && user !== fact.owner ? `(<@${fact.owner}> is away) ${nudge}` : nudge };
    }
    default: {
      const alert = ghostAlert(view, fact.ghost ?? "unclaimed", fact.why);
      return { ...alert, record: "ghost_alert" };
    }
  }
}

function slaView(
  lead: LeadLabel,
  waitedMs: number,
  people: { owner: string | null; offeredTo?: string | null; touchCount: number },
): SlaLeadView {
  return {
    id: lead.id,
    number: lead.number,
    name: lead.name,
    company: lead.company,
    teamName: lead.teamName,
    channelId: lead.channelId,
    ownerSlackId: people.owner,
    offeredToSlackId: people.offeredTo ?? null,
    touchCount: people.touchCount,
    age: formatDuration(waitedMs),
  };
}

/** A manager's DM when a rep left: which of their team's leads went where. */
export function renderPeopleNotice(
  fact: PeopleFact,
  team: { key: string; name: string },
): { text: string } {
  const lines = fact.moved
    .filter((m) => m.teamKey === team.key)
    .map((m) => {
      const to =
        "rep" in m.to
          ? `<@${m.to.rep}>`
          : "channel" in m.to
            ? `the <#${m.to.channel}> channel`
            : "nobody yet";
      return `• L-${m.number} → ${to}`;
    })
    .join("\n");
  return {
    text: `:busts_in_silhouette: <@${fact.rep}> ${fact.why}. Their open leads in ${safeText(team.name, 100)} moved:\n${lines}`.slice(
      0,
      3900,
    ),
  };
}
