// The rulebook, cell by cell: every action on a lead in every status, by every kind of person
// (and by Baton itself). Who may is stated here independently of domain/lifecycle.ts; what each
// refused person reads is the table in docs/lifecycle-rules.md, which this test writes and
// checks (a changed rule or text shows as a diff there).
import { describe, expect, it } from "vitest";
import {
  ACTIONS,
  type Action,
  type Actor,
  decide,
  LEAD_STATUSES,
  type LeadState,
  type LeadStatus,
  type Words,
} from "#src/domain/lifecycle.ts";

const words: Words = {
  person: (id) => `@${id}`,
  time: (at) => at.toISOString().slice(11, 16),
  quote: (text) => `"${text}"`,
};

type Role =
  | "owner"
  | "offered rep"
  | "team rep"
  | "manager"
  | "marketer"
  | "admin"
  | "outsider"
  | "Baton";
const ROLES: Role[] = [
  "owner",
  "offered rep",
  "team rep",
  "manager",
  "marketer",
  "admin",
  "outsider",
  "Baton",
];

/** The states a lead can be in: OFFERED twice, to the team (claim mode) and to one rep. */
type State = LeadStatus | "OFFERED to one rep";
const STATES: State[] = [
  ...LEAD_STATUSES.slice(0, 4),
  "OFFERED to one rep",
  ...LEAD_STATUSES.slice(4),
];

function lead(state: State): LeadState {
  const status: LeadStatus = state === "OFFERED to one rep" ? "OFFERED" : state;
  const owned = status === "CLAIMED" || status === "WORKING" || status === "CONVERTED";
  return {
    number: 12,
    status,
    ownerId: owned ? "OWNER" : null,
    offeredToId: state === "OFFERED to one rep" ? "OFFERED" : null,
    claimedAt: owned ? new Date("2026-11-20T15:02:00Z") : null,
    teamName: "NA Mid-Market",
  };
}

function actor(role: Role): Actor {
  if (role === "Baton") return { kind: "system" };
  const id = { owner: "OWNER", "offered rep": "OFFERED", "team rep": "REP" }[role as string];
  return {
    kind: "person",
    person: {
      id: id ?? role.toUpperCase(),
      teamRep: role === "owner" || role === "offered rep" || role === "team rep",
      manager: role === "manager",
      marketer: role === "marketer",
      admin: role === "admin",
    },
  };
}

const OPEN: State[] = ["QUALIFIED", "OFFERED", "OFFERED to one rep", "CLAIMED", "WORKING"];
const OWNED: State[] = ["CLAIMED", "WORKING"];
const SYSTEM_FROM: Record<string, State[]> = {
  qualify: ["CAPTURED", "NURTURE"],
  offer: ["QUALIFIED"],
  timeOut: ["OFFERED", "OFFERED to one rep"],
  withdraw: ["OFFERED", "OFFERED to one rep"],
  overflow: ["OFFERED", "OFFERED to one rep"],
  // A held lead (offered to nobody) is offered again when a rep becomes available.
  revisit: ["OFFERED", "OFFERED to one rep"],
  expire: OWNED,
  unassign: OWNED,
  resurface: ["NURTURE"],
  convertInCrm: ["CAPTURED", "NURTURE", "QUALIFIED", "OFFERED", "OFFERED to one rep", ...OWNED],
};

/** Who may make `action` on a lead in `state`: the product's rules, in words. */
function may(action: Action, state: State, role: Role): boolean {
  if (action in SYSTEM_FROM) return false;
  switch (action) {
    case "claim":
      // The team claims what is posted to it; an offer to one rep is theirs alone.
      if (state === "OFFERED")
        return ["offered rep", "team rep", "owner", "manager"].includes(role);
      return state === "OFFERED to one rep" && role === "offered rep";
    case "pass":
      return state === "OFFERED to one rep" && role === "offered rep";
    case "touch":
    case "convert":
    case "release":
      return OWNED.includes(state) && (role === "owner" || role === "manager");
    case "disqualify":
    case "nurture":
      // Before anyone owns it the team decides; after, its owner or a manager.
      if (OWNED.includes(state)) return role === "owner" || role === "manager";
      return OPEN.includes(state) && ["owner", "offered rep", "team rep", "manager"].includes(role);
    case "reassign":
      return OPEN.includes(state) && role === "manager";
    default:
      return OPEN.includes(state) && (role === "marketer" || role === "admin");
  }
}

/** Baton makes its own moves where they apply, and never a person's. */
function systemMay(action: Action, state: State): boolean {
  return SYSTEM_FROM[action]?.includes(state) ?? false;
}

describe("the lifecycle rulebook", () => {
  const actions = Object.keys(ACTIONS) as Action[];

  it("allows exactly the moves the product's rules allow, for every status, action and role", () => {
    const wrong: string[] = [];
    for (const action of actions) {
      for (const state of STATES) {
        for (const role of ROLES) {
          const decision = decide(action, lead(state), actor(role), words);
          const expected = role === "Baton" ? systemMay(action, state) : may(action, state, role);
          if (decision.allowed !== expected) {
            wrong.push(
              `${action} on ${state} by ${role}: ${decision.allowed ? "allowed" : "refused"}`,
            );
          }
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it("tells every refused person why, in words they can act on", async () => {
    const lines = [
      "# Lifecycle rules: who may do what, and what a refused person reads",
      "",
      "Generated by `test/domain/lifecycle.test.ts` from `src/domain/lifecycle.ts`: run `npx vitest run test/domain/lifecycle.test.ts -u` after changing a rule, and read the diff. `✓` allowed; otherwise the text the person sees (in Slack, `@X` is a mention). The lead is L-12 of NA Mid-Market; its owner is OWNER, and when offered to one rep, OFFERED.",
      "",
    ];
    for (const action of actions) {
      lines.push(`## ${action} (${ACTIONS[action].verb}; who: ${ACTIONS[action].who})`, "");
      lines.push(`| status | ${ROLES.join(" | ")} |`, `|---|${ROLES.map(() => "---").join("|")}|`);
      for (const state of STATES) {
        const cells = ROLES.map((role) => {
          const decision = decide(action, lead(state), actor(role), words);
          if (decision.allowed) return "✓";
          expect(decision.text.length).toBeGreaterThan(10);
          expect(["forbidden", "conflict"]).toContain(decision.code);
          return `${decision.code}: ${decision.text.replace(/\|/g, "\\|")}`;
        });
        lines.push(`| ${state} | ${cells.join(" | ")} |`);
      }
      lines.push("");
    }
    await expect(lines.join("\n")).toMatchFileSnapshot("../../docs/lifecycle-rules.md");
  });

  it("says who claimed a lead, and when, to everyone who clicks after", () => {
    const claimed = lead("CLAIMED");
    const refusal = (role: Role) => decide("claim", claimed, actor(role), words);
    expect(refusal("team rep")).toEqual({
      allowed: false,
      code: "conflict",
      text: "@OWNER already claimed this lead at 15:02.",
    });
    expect(refusal("owner")).toMatchObject({ text: "You already claimed this lead at 15:02." });
    expect(refusal("outsider")).toMatchObject({
      code: "forbidden",
      text: "Only members of NA Mid-Market can claim this lead.",
    });
  });
});
