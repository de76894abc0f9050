// Routing: which team a lead goes to, and in assign mode which rep is next, with the whole
// explanation: every rule that matched or not (and the condition that failed), and why each
// rep who was passed over was skipped. Pure. The hand-off (src/services/hand-off-lead.ts), the
// dry runs (`baton route`, `/leads route`), the audit trail and the card's "why you" line all
// read the same decision, so what Baton says it would do is what it does.
import { failedCondition, type LeadFacts, matchesWhen } from "#src/domain/conditions.ts";
import { formatDuration } from "#src/domain/duration.ts";
import type { FallbackStep, Playbook } from "#src/playbook/schema.ts";

export interface RuleCheck {
  rule: string;
  team: string;
  matched: boolean;
  /** The condition that failed, for a rule that did not match ("country in [US, CA], but it is BR"). */
  failed?: string;
  /** Rules after the first match are not looked at. */
  evaluated: boolean;
}

export interface TeamChoice {
  teamKey: string;
  reason: string;
  rules: RuleCheck[];
}

/** The first rule whose conditions hold picks the team; otherwise the default team. */
export function pickTeam(lead: LeadFacts, routing: Playbook["routing"]): TeamChoice {
  const rules: RuleCheck[] = [];
  let matched: { rule: string; team: string } | undefined;
  for (const rule of routing.rules) {
    if (matched) {
      rules.push({ rule: rule.name, team: rule.team, matched: false, evaluated: false });
      continue;
    }
    const holds = matchesWhen(lead, rule.when);
    rules.push({
      rule: rule.name,
      team: rule.team,
      matched: holds,
      evaluated: true,
      ...(holds ? {} : { failed: failedCondition(lead, rule.when) }),
    });
    if (holds) matched = { rule: rule.name, team: rule.team };
  }
  return matched
    ? { teamKey: matched.team, reason: `rule '${matched.rule}'`, rules }
    : { teamKey: routing.default, reason: "no rule matched: default team", rules };
}

export interface Candidate {
  repId: string;
  name: string;
  weight: number;
  /** Leads assigned so far (fairness counter kept in the database). */
  assignedCount: number;
  /**
   * Leads due to the rep so far: at each round-robin pick, every rep who could have had the lead
   * is due weight / (the weights of all who could). Round robin compares what they got with it.
   */
  assignedDue?: number;
  lastAssignedAt: Date | null;
  /** Leads the rep holds now (offered, claimed, working). */
  openLeads: number;
  capacity: number | null;
  paused: boolean;
  awayUntil: Date | null;
  /** When the rep went away (shown in explanations). */
  awaySince?: Date | null;
  deactivated: boolean;
  /** Offers so far in the rep's current local day and week, against their caps. */
  assignedToday?: number;
  dailyCap?: number | null;
  assignedThisWeek?: number;
  weeklyCap?: number | null;
  /** Outside their own working hours: when they start again. */
  offShiftUntil?: Date | null;
  /** Their Slack status says they are out ("🌴 Vacation"), until it clears or `until`. */
  statusAway?: { text: string; since: Date | null; until: Date | null } | null;
}

export type SkipReason =
  | { kind: "deactivated" }
  | { kind: "away"; since: Date | null; until: Date | null; status?: string }
  | { kind: "passed" }
  | { kind: "off_hours"; until: Date }
  | { kind: "capped"; period: "today" | "this week"; count: number; cap: number }
  | { kind: "at_capacity"; open: number; capacity: number }
  | { kind: "not_in_team"; team: string };

export interface SkippedRep {
  repId: string;
  name: string;
  reason: SkipReason;
}

/** Why this rep cannot take a lead now, or undefined when they can. */
export function skipReason(
  c: Candidate,
  now: Date,
  exclude: string[] = [],
): SkipReason | undefined {
  if (c.deactivated) return { kind: "deactivated" };
  if (c.paused || (c.awayUntil && c.awayUntil > now)) {
    return { kind: "away", since: c.awaySince ?? null, until: c.paused ? null : c.awayUntil };
  }
  const status = c.statusAway;
  if (status && (!status.until || status.until > now)) {
    return { kind: "away", since: status.since, until: status.until, status: status.text };
  }
  if (exclude.includes(c.repId)) return { kind: "passed" };
  if (c.offShiftUntil) return { kind: "off_hours", until: c.offShiftUntil };
  if (c.dailyCap != null && (c.assignedToday ?? 0) >= c.dailyCap) {
    return { kind: "capped", period: "today", count: c.assignedToday ?? 0, cap: c.dailyCap };
  }
  if (c.weeklyCap != null && (c.assignedThisWeek ?? 0) >= c.weeklyCap) {
    return {
      kind: "capped",
      period: "this week",
      count: c.assignedThisWeek ?? 0,
      cap: c.weeklyCap,
    };
  }
  if (c.capacity !== null && c.openLeads >= c.capacity) {
    return { kind: "at_capacity", open: c.openLeads, capacity: c.capacity };
  }
  return undefined;
}

const minute = (at: Date) => `${at.toISOString().slice(0, 16).replace("T", " ")} UTC`;

/** A skip reason in words: "away since 2026-11-20 09:00 UTC until 2026-11-27 00:00 UTC". */
export function describeSkip(reason: SkipReason): string {
  switch (reason.kind) {
    case "deactivated":
      return "deactivated";
    case "away":
      return [
        "away",
        reason.since ? `since ${minute(reason.since)}` : "",
        reason.until
          ? `until ${minute(reason.until)}`
          : reason.status
            ? "until their status clears"
            : "until they are back",
        reason.status ? `(Slack status: ${reason.status})` : "",
      ]
        .filter(Boolean)
        .join(" ");
    case "passed":
      return "passed on or let go of this lead";
    case "off_hours":
      return `outside their hours (back ${minute(reason.until)})`;
    case "capped":
      return `capped ${reason.count}/${reason.cap} ${reason.period}`;
    case "at_capacity":
      return `at capacity (${reason.open}/${reason.capacity} open leads)`;
    case "not_in_team":
      return `not in team ${reason.team}`;
  }
}

/** "Ana away since ..., Jonas capped 3/3 today". */
export function describeSkipped(skipped: SkippedRep[]): string {
  return skipped.map((s) => `${s.name} ${describeSkip(s.reason)}`).join(", ");
}

/**
 * Where a rep stands in the round: leads got less leads due, per unit of weight. A rep is due
 * a part of a lead only for the picks they could have had (weight / the weights of all who
 * could), so time away (off shift, holiday, capped, at capacity) neither earns a catch-up nor
 * costs a place: a rep comes back where they left the round.
 */
const standing = (c: Candidate, count = c.assignedCount) =>
  (count - (c.assignedDue ?? 0)) / c.weight;

/**
 * Fair share floor: a rep more than a round behind the rep furthest ahead (at most one lead per
 * unit of weight behind) is counted there, so they are not flooded until they catch up. With
 * the due kept, time away does not put a rep behind, so this holds only for counters from
 * before the due was kept and for a rep credited back more than a round's worth.
 */
export function fairCounts(eligible: Candidate[]): Map<string, number> {
  const level = Math.max(...eligible.map((c) => standing(c))) - 1;
  // (Less a rounding hair: 39/3 * 3 must stay 39, not become 40.)
  return new Map(
    eligible.map((c) => [
      c.repId,
      Math.max(c.assignedCount, Math.ceil(level * c.weight + (c.assignedDue ?? 0) - 1e-9)),
    ]),
  );
}

/** The rep furthest behind their due per unit of weight (ties: who waited longest). */
function nextInTurn(eligible: Candidate[], counts: Map<string, number>): Candidate | undefined {
  const share = (c: Candidate) => standing(c, counts.get(c.repId)!);
  return [...eligible].sort(
    (a, b) =>
      share(a) - share(b) ||
      (a.lastAssignedAt?.getTime() ?? 0) - (b.lastAssignedAt?.getTime() ?? 0) ||
      a.name.localeCompare(b.name),
  )[0];
}

/**
 * The pick's numbers in words: "4 leads, 4.6 due at weight 1"; a rep counted at the floor says
 * so: "2 leads counted as 4 (back at a fair share), 4.6 due at weight 1".
 */
function describeStanding(c: Candidate, count: number): string {
  const leads = `${c.assignedCount} lead${c.assignedCount === 1 ? "" : "s"}`;
  const counted = count > c.assignedCount ? ` counted as ${count} (back at a fair share)` : "";
  const due = Number((c.assignedDue ?? 0).toFixed(1));
  return `${leads}${counted}, ${due} due at weight ${c.weight}`;
}

/** Each rep who could have had a lead is due weight / (the weights of all who could). */
function dueAfter(eligible: Candidate[]): Record<string, number> {
  const weights = eligible.reduce((sum, c) => sum + c.weight, 0);
  return Object.fromEntries(
    eligible.map((c) => [c.repId, (c.assignedDue ?? 0) + c.weight / weights]),
  );
}

export type RepChoice =
  | {
      repId: string;
      name: string;
      why: string;
      skipped: SkippedRep[];
      /** The rep's fairness count once this lead is theirs. */
      countAfter: number;
      /** Every rep who could have had the lead: their leads due once it is given. */
      dueAfter: Record<string, number>;
    }
  | { repId?: undefined; skipped: SkippedRep[] };

/**
 * Weighted round robin over the team's reps: the next in turn among those who can take a lead
 * now, and for every other rep why they were skipped.
 */
export function pickRep(candidates: Candidate[], now: Date, exclude: string[] = []): RepChoice {
  const skipped: SkippedRep[] = [];
  const eligible = candidates.filter((c) => {
    const reason = skipReason(c, now, exclude);
    if (reason) skipped.push({ repId: c.repId, name: c.name, reason });
    return !reason;
  });
  const counts = fairCounts(eligible);
  const next = nextInTurn(eligible, counts);
  if (!next) return { skipped };
  const count = counts.get(next.repId)!;
  return {
    repId: next.repId,
    name: next.name,
    why: `round robin: ${next.name} is furthest behind their due (${describeStanding(next, count)})`,
    skipped,
    countAfter: count + 1,
    dueAfter: dueAfter(eligible),
  };
}

export interface TeamRoster {
  key: string;
  mode: "claim" | "assign";
  /** The team's reps (assign mode); ignored in claim mode. */
  candidates: Candidate[];
  /** What happens to a lead none of them can take (assign mode), from the playbook. */
  fallback?: FallbackStep[];
}

/** One step of a fallback chain in words: "managers alerted", "overflow to emea in 30m". */
export function describeFallbackStep(step: FallbackStep): string {
  const what = step.overflow ? `offered to team ${step.overflow}` : `${step.alert} alerted`;
  return step.afterMs > 0 ? `${what} after ${formatDuration(step.afterMs)}` : `${what} now`;
}

/** "held; managers alerted now; offered to team emea after 30m; admins alerted after 2h". */
export function describeFallback(steps: FallbackStep[]): string {
  return ["held until a rep can take it", ...steps.map(describeFallbackStep)].join("; ");
}

export interface RouteInput {
  lead: LeadFacts;
  routing: Playbook["routing"];
  now: Date;
  /** Route to this team instead of the rules' choice (overflow). */
  teamKey?: string;
  /** The team the lead goes to: the chosen one, or the default when the chosen one is gone. */
  team: TeamRoster;
  /** The account's owner and the team they sell in, when account matching may apply. */
  owner?: {
    candidate: Candidate;
    teamKey: string | null;
    domain: string | null;
    /** The owner a CRM named before routing (crm.<crm>.ownerMatching), not Baton's accounts. */
    crm?: { name: string; of: "contact" | "lead" | "company" };
  };
  /** Reps who let this lead go (passed, timed out, released). */
  exclude?: string[];
  /** Reps of other teams, listed as "not in team" by the dry runs. */
  outsiders?: { repId: string; name: string }[];
}

export type RouteOutcome =
  | { kind: "owner"; teamKey: string; repId: string }
  | {
      kind: "rep";
      teamKey: string;
      repId: string;
      countAfter: number;
      /** The leads due to each rep who could have had it, once it is given. */
      dueAfter: Record<string, number>;
    }
  | { kind: "channel"; teamKey: string }
  /** Assign mode, nobody can take it now: held, and the team's fallback chain runs. */
  | { kind: "held"; teamKey: string };

export interface RouteDecision {
  rules: RuleCheck[];
  teamKey: string;
  /** How the team was chosen: "rule 'EMEA enterprise'", "overflow to inbound-sales"... */
  teamReason: string;
  outcome: RouteOutcome;
  /** Why the chosen rep (or the channel) gets it: the card's "why you" line. */
  why: string;
  skipped: SkippedRep[];
  /** The whole decision in one line: the audit trail's reason. */
  summary: string;
}

/** "; account owner Ana away since ...": why the account's owner did not get it. */
function ownerNote(input: RouteInput, now: Date, exclude: string[]): string {
  const owner = ownerOf(input);
  if (!owner) return "";
  const who = `${ownerLabel(owner)} ${owner.candidate.name}`;
  const reason = skipReason({ ...owner.candidate, capacity: null }, now, exclude);
  if (reason) return `; ${who} ${describeSkip(reason)}`;
  return owner.teamKey ? "" : `; ${who} is in no team`;
}

/** The owner routing offers the lead to first: the CRM's (its own switch), or the account's. */
function ownerOf(input: RouteInput): RouteInput["owner"] {
  return input.owner?.crm || input.routing.accountMatching ? input.owner : undefined;
}

/** "account owner", or "account owner in HubSpot" when the CRM named them. */
function ownerLabel(owner: NonNullable<RouteInput["owner"]>): string {
  return owner.crm ? `account owner in ${owner.crm.name}` : "account owner";
}

/** Where a lead goes and why: account owner, next rep in turn, or the team channel. */
export function decideRoute(input: RouteInput): RouteDecision {
  const { lead, routing, team, now, exclude = [] } = input;
  const picked = pickTeam(lead, routing);
  const chosenKey = input.teamKey ?? picked.teamKey;
  const teamReason =
    (input.teamKey ? `overflow to ${input.teamKey}` : picked.reason) +
    (team.key === chosenKey ? "" : `; team ${chosenKey} is gone: default team ${team.key}`) +
    ownerNote(input, now, exclude);
  const base = { rules: picked.rules, teamKey: team.key, teamReason };
  const outsiders: SkippedRep[] = (input.outsiders ?? []).map((o) => ({
    ...o,
    reason: { kind: "not_in_team", team: team.key },
  }));

  const owner = ownerOf(input);
  const ownerReason = owner && skipReason({ ...owner.candidate, capacity: null }, now, exclude);
  if (owner?.teamKey && !ownerReason) {
    const owns =
      owner.crm?.of === "contact"
        ? "the contact"
        : owner.crm?.of === "lead"
          ? "the lead"
          : owner.domain;
    const why = `${ownerLabel(owner)}: ${owner.candidate.name} owns ${owns}`;
    return {
      ...base,
      teamKey: owner.teamKey,
      teamReason: why,
      outcome: { kind: "owner", teamKey: owner.teamKey, repId: owner.candidate.repId },
      why,
      skipped: outsiders,
      summary: why,
    };
  }
  if (team.mode === "claim") {
    const why = "claim mode: posted to the team channel, first rep to claim it owns it";
    return {
      ...base,
      outcome: { kind: "channel", teamKey: team.key },
      why,
      skipped: outsiders,
      summary: teamReason,
    };
  }
  const rep = pickRep(team.candidates, now, exclude);
  const skipped = [...rep.skipped, ...outsiders];
  const skippedText = rep.skipped.length ? `; skipped ${describeSkipped(rep.skipped)}` : "";
  if (!rep.repId && team.fallback?.length) {
    const why = `nobody available${skippedText}: ${describeFallback(team.fallback)}`;
    return {
      ...base,
      outcome: { kind: "held", teamKey: team.key },
      why,
      skipped,
      summary: `${teamReason}, ${why}`,
    };
  }
  if (!rep.repId) {
    const why = `no rep available${skippedText}: posted to the team channel`;
    return {
      ...base,
      outcome: { kind: "channel", teamKey: team.key },
      why,
      skipped,
      summary: `${teamReason}, ${why}`,
    };
  }
  return {
    ...base,
    outcome: {
      kind: "rep",
      teamKey: team.key,
      repId: rep.repId,
      countAfter: rep.countAfter,
      dueAfter: rep.dueAfter,
    },
    why: rep.why,
    skipped,
    summary: `${teamReason}, ${rep.why}${skippedText}`,
  };
}

/** The decision as the audit trail keeps it (JSON): the card's "why you" line reads `why`. */
export function explanationData(decision: RouteDecision) {
  return {
    why: decision.why,
    teamReason: decision.teamReason,
    rules: decision.rules.map((r) => ({
      rule: r.rule,
      team: r.team,
      matched: r.matched,
      ...(r.failed ? { failed: r.failed } : {}),
    })),
    skipped: decision.skipped
      .filter((s) => s.reason.kind !== "not_in_team")
      .map((s) => ({ rep: s.name, why: describeSkip(s.reason) })),
  };
}

/** A dry run's answer: the decision, the lead it is about, and the people it may name. */
export interface RouteExplanation {
  decision: RouteDecision;
  /** "L-12" for a stored lead. */
  number?: number;
  status?: string;
  /** Everyone the decision may name, by rep id. */
  people: Record<string, { name: string; slackUserId: string }>;
}

/**
 * A routing decision as lines of plain text, for the dry runs (the CLI prints them, Slack
 * escapes them). `who` names a rep by id ("Ana (U0REPANA01)").
 */
export function routeReport(decision: RouteDecision, who: (repId: string) => string): string[] {
  const { outcome } = decision;
  const lines = [`Team: ${decision.teamKey} (${decision.teamReason})`, "Rules:"];
  if (decision.rules.length === 0) lines.push("  (none: every lead goes to the default team)");
  for (const r of decision.rules) {
    const mark = r.matched ? "✓" : r.evaluated ? "✗" : "–";
    const after = r.matched ? "matched" : r.evaluated ? `no: ${r.failed}` : "not reached";
    lines.push(`  ${mark} ${r.rule} → ${r.team}: ${after}`);
  }
  lines.push(
    outcome.kind === "channel"
      ? `Next: the team channel (${decision.why})`
      : outcome.kind === "held"
        ? `Next: nobody, the lead is held (${decision.why})`
        : `Next: ${who(outcome.repId)} (${decision.why})`,
  );
  const skipped = decision.skipped.filter((s) => s.reason.kind !== "not_in_team");
  const outside = decision.skipped.filter((s) => s.reason.kind === "not_in_team");
  if (skipped.length) {
    lines.push("Skipped:", ...skipped.map((s) => `  ${who(s.repId)}: ${describeSkip(s.reason)}`));
  }
  if (outside.length) {
    lines.push(`Not in team ${decision.teamKey}: ${outside.map((s) => who(s.repId)).join(", ")}`);
  }
  return lines;
}

/** Whether a Slack status says its owner is out: one of the emoji, or one of the words. */
export function statusSaysAway(
  status: { emoji?: string | null; text?: string | null },
  lists: { awayEmoji: string[]; awayWords: string[] },
): boolean {
  if (status.emoji && lists.awayEmoji.includes(status.emoji)) return true;
  const text = status.text?.toLowerCase() ?? "";
  if (!text) return false;
  return lists.awayWords.some((word) => {
    const escaped = word.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    return new RegExp(`(^|[^\\p{L}\\p{N}])${escaped}($|[^\\p{L}\\p{N}])`, "u").test(text);
  });
}
