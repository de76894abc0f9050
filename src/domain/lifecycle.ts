// The product's rulebook: a lead's statuses, every move between them, who may make each, and
// what a person reads when they may not. Pure: use cases ask `decide` before they change a
// lead, and the database still settles races (the change is conditional on the status read
// here). Read the ACTIONS table to learn how Baton works.
//
//   captured ──► nurture ◄───────────────────────────────┐ nurture (reason), recall
//      │           │ resurface, score crosses threshold   │
//      └──────► qualified ──► offered ──► claimed ──► working ──► converted
//                  ▲  offer ▲  │ claim      │   touch     │
//                  │        └──┘ pass, time out, withdraw │
//                  └───── release, expire, unassign, recall (reoffer), overflow
//   any open status ──► disqualified (reason) · reassign (manager) ──► claimed

export const LEAD_STATUSES = [
  "CAPTURED",
  "NURTURE",
  "QUALIFIED",
  "OFFERED",
  "CLAIMED",
  "WORKING",
  "CONVERTED",
  "DISQUALIFIED",
] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];

/** A decision that takes a lead from sales: out for good, or back to marketing. */
export type Disposition = "disqualify" | "nurture";

/** With sales: routed, offered, owned. */
export const OPEN: readonly LeadStatus[] = ["QUALIFIED", "OFFERED", "CLAIMED", "WORKING"];
/** Someone owns it. */
export const OWNED: readonly LeadStatus[] = ["CLAIMED", "WORKING"];

/**
 * Who may make a move, relative to the lead:
 * - `team`: a rep or manager of the lead's team; when the lead is offered to one rep, only them.
 * - `offered`: the rep the lead is offered to (assign mode).
 * - `owner`: the lead's owner, or a manager of its team.
 * - `ownerOrTeam`: once owned, the owner or a manager; before that, the team's reps and managers.
 * - `managers`: a manager of the lead's team.
 * - `marketing`: a marketer or an admin of the playbook.
 * - `system`: Baton itself (routing, the SLA engine, people changes, capture).
 */
export type Who =
  | "team"
  | "offered"
  | "owner"
  | "ownerOrTeam"
  | "managers"
  | "marketing"
  | "system";

export interface ActionRule {
  /** Statuses the move starts from. */
  from: readonly LeadStatus[];
  /** The status it ends in; "routing": back to QUALIFIED and on to the next offer. */
  to: LeadStatus | "routing";
  who: Who;
  /** "claim", "disqualify"…, for refusals. */
  verb: string;
  /** The verb with "it" where English puts it, when that is not at the end ("send it back"). */
  verbIt?: string;
}

export const ACTIONS = {
  // People
  claim: { from: ["OFFERED"], to: "CLAIMED", who: "team", verb: "claim" },
  pass: { from: ["OFFERED"], to: "routing", who: "offered", verb: "pass" },
  touch: { from: OWNED, to: "WORKING", who: "owner", verb: "log touches on" },
  convert: {
    from: OWNED,
    to: "CONVERTED",
    who: "owner",
    verb: "mark converted",
    verbIt: "mark it converted",
  },
  release: { from: OWNED, to: "routing", who: "owner", verb: "release" },
  disqualify: { from: OPEN, to: "DISQUALIFIED", who: "ownerOrTeam", verb: "disqualify" },
  nurture: {
    from: OPEN,
    to: "NURTURE",
    who: "ownerOrTeam",
    verb: "send back to nurture",
    verbIt: "send it back to nurture",
  },
  reassign: { from: OPEN, to: "CLAIMED", who: "managers", verb: "reassign" },
  recallToNurture: { from: OPEN, to: "NURTURE", who: "marketing", verb: "recall" },
  recallToReoffer: { from: OPEN, to: "routing", who: "marketing", verb: "recall" },
  // Baton
  qualify: { from: ["CAPTURED", "NURTURE"], to: "QUALIFIED", who: "system", verb: "qualify" },
  offer: { from: ["QUALIFIED"], to: "OFFERED", who: "system", verb: "offer" },
  timeOut: { from: ["OFFERED"], to: "routing", who: "system", verb: "time out" },
  withdraw: { from: ["OFFERED"], to: "routing", who: "system", verb: "withdraw" },
  overflow: { from: ["OFFERED"], to: "routing", who: "system", verb: "overflow" },
  /** A held lead (nobody could take it) is offered once a rep can. */
  revisit: { from: ["OFFERED"], to: "routing", who: "system", verb: "offer" },
  expire: { from: OWNED, to: "routing", who: "system", verb: "release" },
  unassign: { from: OWNED, to: "routing", who: "system", verb: "release" },
  resurface: { from: ["NURTURE"], to: "QUALIFIED", who: "system", verb: "resurface" },
  /** The CRM recorded the outcome (a deal, a lifecycle stage): converted wherever it was. */
  convertInCrm: {
    from: ["CAPTURED", "NURTURE", "QUALIFIED", "OFFERED", "CLAIMED", "WORKING"],
    to: "CONVERTED",
    who: "system",
    verb: "convert",
  },
} as const satisfies Record<string, ActionRule>;
export type Action = keyof typeof ACTIONS;

/** Whether `action` may start from `status` (for Baton's own moves, which need no person). */
export function startsFrom(action: Action, status: LeadStatus): boolean {
  const from: readonly LeadStatus[] = ACTIONS[action].from;
  return from.includes(status);
}

/** The lead as a rule needs to see it. People are Slack-independent ids. */
export interface LeadState {
  number: number;
  status: LeadStatus;
  ownerId: string | null;
  offeredToId: string | null;
  claimedAt: Date | null;
  teamName: string | null;
}

/** What the person is, with respect to the lead's team and the playbook. */
export interface Person {
  id: string;
  teamRep: boolean;
  manager: boolean;
  marketer: boolean;
  admin: boolean;
}
export type Actor = { kind: "person"; person: Person } | { kind: "system" };

/** How a surface names people and times in a refusal (a Slack mention, a name…). */
export interface Words {
  person(id: string): string;
  time(at: Date): string;
  /** Quotes what the person typed, made safe for the surface. */
  quote(text: string): string;
}

export type Decision =
  | {
      allowed: true;
      to: LeadStatus | "routing";
      as: "owner" | "rep" | "manager" | "marketer" | "admin" | "system";
    }
  | { allowed: false; code: "forbidden" | "conflict"; text: string };

/**
 * May `actor` make `action` on `lead` now? Order of the checks: a person who can never make
 * this move on this team's leads is told so first; then a lead in the wrong status says why;
 * then a person who is not the lead's current holder is told who is.
 */
export function decide(action: Action, lead: LeadState, actor: Actor, words: Words): Decision {
  const rule: ActionRule = ACTIONS[action];
  if (rule.who === "system") {
    return actor.kind === "system"
      ? statusAllows(rule, lead)
        ? { allowed: true, to: rule.to, as: "system" }
        : refuse(
            "conflict",
            `L-${lead.number} is ${describe(lead.status)}: Baton cannot ${rule.verb} it.`,
          )
      : refuse("forbidden", `Only Baton can ${rule.verb} a lead.`);
  }
  // A person's move is theirs: Baton's own moves are the ones above.
  if (actor.kind === "system") {
    return refuse("forbidden", `Baton does not ${rule.verb} leads on anyone's behalf.`);
  }
  const person = actor.person;
  const standing = standingRefusal(rule, lead, person);
  if (standing) return standing;
  if (!statusAllows(rule, lead)) return statusRefusal(action, rule, lead, person, words);
  return holderDecision(rule, lead, person, words);
}

function statusAllows(rule: ActionRule, lead: LeadState): boolean {
  return rule.from.includes(lead.status);
}

function refuse(code: "forbidden" | "conflict", text: string): Decision {
  return { allowed: false, code, text };
}

/** Moves some people can never make on this team's leads, whatever the lead's state. */
function standingRefusal(rule: ActionRule, lead: LeadState, person: Person): Decision | undefined {
  const team = lead.teamName ?? "the lead's team";
  switch (rule.who) {
    case "team":
      return person.teamRep || person.manager
        ? undefined
        : refuse("forbidden", `Only members of ${team} can ${rule.verb} this lead.`);
    case "managers":
      return person.manager
        ? undefined
        : refuse("forbidden", `Only managers of ${team} can ${rule.verb} L-${lead.number}.`);
    case "marketing":
      return person.marketer || person.admin
        ? undefined
        : refuse(
            "forbidden",
            "Only marketers (listed under `marketing.marketers` in the playbook) can recall leads.",
          );
    case "ownerOrTeam":
      return lead.ownerId || person.teamRep || person.manager
        ? undefined
        : refuse("forbidden", `Only members of the lead's team can ${verbIt(rule)}.`);
    default:
      return undefined;
  }
}

/** Why the lead's status does not allow the move, in the words of the move. */
function statusRefusal(
  action: Action,
  rule: ActionRule,
  lead: LeadState,
  person: Person,
  words: Words,
): Decision {
  const n = `L-${lead.number}`;
  const owned = OWNED.includes(lead.status);
  switch (rule.who) {
    case "team": {
      if (owned && lead.ownerId) {
        const who = lead.ownerId === person.id ? "You" : words.person(lead.ownerId);
        const when = lead.claimedAt ? ` at ${words.time(lead.claimedAt)}` : "";
        return refuse("conflict", `${who} already claimed this lead${when}.`);
      }
      return refuse("conflict", CLAIM_CLOSED[lead.status] ?? "This lead cannot be claimed now.");
    }
    case "offered":
      return refuse(
        "conflict",
        "This lead is not offered to you any more, so there is nothing to pass.",
      );
    case "owner":
      if (action === "touch") {
        return refuse(
          "conflict",
          "Touches are logged on leads someone has claimed. Claim it first.",
        );
      }
      return refuse(
        "conflict",
        lead.status === "OFFERED" || lead.status === "QUALIFIED"
          ? `Nobody owns ${n} yet: claim it first.`
          : `${n} is already ${describe(lead.status)}; there is nothing to ${rule.verb}.`,
      );
    case "ownerOrTeam":
      return refuse(
        "conflict",
        `This lead is already ${describe(lead.status)}; there is nothing to ${rule.verb}.`,
      );
    case "managers":
      return refuse(
        "conflict",
        `${n} is already ${describe(lead.status)}; there is nothing to reassign.`,
      );
    default:
      return refuse(
        "conflict",
        `${n} is ${describe(lead.status)}: only leads with sales can be recalled.`,
      );
  }
}

const CLAIM_CLOSED: Partial<Record<LeadStatus, string>> = {
  CONVERTED: "This lead has already converted.",
  DISQUALIFIED: "This lead was disqualified.",
  NURTURE: "This lead went back to nurture.",
  QUALIFIED: "This lead is being routed; try again in a moment.",
  CAPTURED: "This lead is not ready for sales yet.",
};

/** The lead is in the right status: may this person make the move on it as it is held now? */
function holderDecision(rule: ActionRule, lead: LeadState, person: Person, words: Words): Decision {
  const n = `L-${lead.number}`;
  const isOwner = lead.ownerId !== null && lead.ownerId === person.id;
  const allow = (as: "owner" | "rep" | "manager" | "marketer" | "admin"): Decision => ({
    allowed: true,
    to: rule.to,
    as,
  });
  switch (rule.who) {
    case "team":
      if (lead.offeredToId && lead.offeredToId !== person.id) {
        return refuse(
          "forbidden",
          `This lead is offered to ${words.person(lead.offeredToId)} right now. It comes back to the team if they pass.`,
        );
      }
      return allow(person.teamRep ? "rep" : "manager");
    case "offered":
      return lead.offeredToId === person.id
        ? allow("rep")
        : refuse(
            "conflict",
            "This lead is not offered to you any more, so there is nothing to pass.",
          );
    case "owner":
      if (isOwner) return allow("owner");
      if (person.manager) return allow("manager");
      return refuse(
        "forbidden",
        rule.verb === "log touches on"
          ? `Only ${words.person(lead.ownerId ?? "")}, who owns this lead, can log touches on it.`
          : `Only ${words.person(lead.ownerId ?? "")}, who owns ${n}, or a manager of the team can ${verbIt(rule)}.`,
      );
    case "ownerOrTeam":
      if (isOwner) return allow("owner");
      if (person.manager) return allow("manager");
      if (!lead.ownerId && person.teamRep) return allow("rep");
      return refuse(
        "forbidden",
        `Only ${words.person(lead.ownerId ?? "")}, who owns this lead, or a manager of the team can ${verbIt(rule)}.`,
      );
    case "managers":
      return allow("manager");
    default:
      return allow(person.marketer ? "marketer" : "admin");
  }
}

function verbIt(rule: ActionRule): string {
  return rule.verbIt ?? `${rule.verb} it`;
}

function describe(status: LeadStatus): string {
  return status.toLowerCase();
}
