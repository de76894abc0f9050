import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadPlaybook, PlaybookError, parsePlaybook } from "#src/playbook/load-playbook.ts";

const EXAMPLE = fileURLToPath(new URL("../../manifests/playbook.yml", import.meta.url));

const minimal = `version: 1
marketing:
  channel: C0MKT00001
teams:
  - key: inbound
    name: Inbound
    channel: C0INB00001
    managers: [U0MGR00001]
    reps:
      - user: U0REP00001
routing:
  default: inbound
scoring:
  threshold: 50
  behavior:
    weights: { pricing_page: 10 }
sla:
  default: standard
  policies:
    standard:
      offered: { remind: 15m, escalate: 1h, reassign: 4h }
      claimed: { nudge: 4h, escalate: 1d, release: 2d }
      working: { followUp: 3d }
reasons:
  disqualify: [{ key: no-budget, label: No budget }]
  nurture: [{ key: timing, label: Later }]
`;

function problemsOf(text: string): string[] {
  try {
    parsePlaybook(text);
  } catch (error) {
    if (error instanceof PlaybookError) return error.problems;
    throw error;
  }
  return [];
}

describe("the playbook", () => {
  it("ships a valid, realistic example", async () => {
    const playbook = await loadPlaybook(EXAMPLE);
    expect(playbook.teams.map((t) => t.key)).toEqual([
      "emea-enterprise",
      "na-midmarket",
      "inbound-sales",
    ]);
    expect(playbook.teams[0]?.mode).toBe("assign");
    // Its fallback chain: managers at once, the overflow team after 30m, the admins after 2h.
    expect(playbook.teams[0]?.fallback).toEqual([
      { afterMs: 0, alert: "managers", overflow: undefined },
      { afterMs: 30 * 60_000, alert: undefined, overflow: "inbound-sales" },
      { afterMs: 2 * 3_600_000, alert: "admins", overflow: undefined },
    ]);
    expect(playbook.sla.policies.standard?.offered.remind).toBe(15 * 60_000);
    expect(playbook.scoring.behavior.halfLife).toBe(30 * 86_400_000);
  });

  it("fills in defaults", () => {
    const playbook = parsePlaybook(minimal);
    expect(playbook.timezone).toBe("UTC");
    expect(playbook.businessHours).toMatchObject({ start: "09:00", end: "17:00" });
    expect(playbook.teams[0]).toMatchObject({ mode: "claim" });
    expect(playbook.teams[0]?.reps[0]).toMatchObject({ weight: 1 });
    expect(playbook.scoring.handRaises).toEqual(["demo_request", "contact_sales"]);
    expect(playbook.routing.accountMatching).toBe(true);
  });

  it("names the line and field of each problem", () => {
    const text = minimal
      .replace("channel: C0MKT00001", "channel: marketing")
      .replace("      - user: U0REP00001", "      - user: U0REP00001\n        wieght: 2")
      .replace("remind: 15m", "remind: 3 weeks");
    expect(problemsOf(text)).toEqual([
      expect.stringMatching(
        /^line 3: marketing\.channel must be a Slack channel id like C024BE91L/,
      ),
      'line 10: teams[0].reps[0] has unknown field "wieght" (check the spelling against manifests/playbook.yml)',
      expect.stringMatching(
        /^line 22: sla\.policies\.standard\.offered\.remind must be a duration such as "90s"/,
      ),
    ]);
  });

  it("takes a rep's daily and weekly caps, and refuses a week smaller than a day", () => {
    const withCaps = (caps: string) =>
      minimal.replace("      - user: U0REP00001", `      - user: U0REP00001\n        ${caps}`);
    const playbook = parsePlaybook(withCaps("dailyCap: 5\n        weeklyCap: 20"));
    expect(playbook.teams[0]?.reps[0]).toMatchObject({ dailyCap: 5, weeklyCap: 20 });
    expect(problemsOf(withCaps("dailyCap: 5\n        weeklyCap: 3"))).toEqual([
      expect.stringMatching(/teams\[0\]\.reps\[0\]\.weeklyCap must be at least dailyCap \(5\)/),
    ]);
    expect(problemsOf(withCaps("dailyCap: 0"))).toEqual([
      expect.stringMatching(/teams\[0\]\.reps\[0\]\.dailyCap must be at least 1/),
    ]);
  });

  it("takes a rep's https booking link and refuses any other", () => {
    const withLink = (url: string) =>
      minimal.replace(
        "      - user: U0REP00001",
        `      - user: U0REP00001\n        bookingUrl: "${url}"`,
      );
    const playbook = parsePlaybook(withLink("https://calendly.com/priya_sharma/30min"));
    expect(playbook.teams[0]?.reps[0]?.bookingUrl).toBe("https://calendly.com/priya_sharma/30min");
    for (const bad of [
      "http://calendly.com/x",
      "javascript:alert(1)",
      "https://x.example/a|b",
      "calendly",
    ]) {
      expect(problemsOf(withLink(bad))).toEqual([
        expect.stringMatching(/^line 11: teams\[0\]\.reps\[0\]\.bookingUrl must be an https link/),
      ]);
    }
  });

  it("says which required field is missing", () => {
    expect(problemsOf(minimal.replace("    channel: C0INB00001\n", ""))).toEqual([
      "line 5: teams[0].channel is required (a string)",
    ]);
  });

  it("checks that teams and policies named elsewhere exist", () => {
    const text = minimal
      .replace("  default: inbound", "  default: outbound")
      .replace("  default: standard", "  default: gold");
    expect(problemsOf(text)).toEqual([
      expect.stringMatching(
        /^line 12: routing\.default names team "outbound", which is not in teams \(inbound\)/,
      ),
      expect.stringMatching(
        /^line 18: sla\.default names SLA policy "gold", which is not in sla\.policies \(standard\)/,
      ),
    ]);
  });

  it("checks that SLA steps come in order", () => {
    expect(
      problemsOf(minimal.replace("remind: 15m, escalate: 1h", "remind: 2h, escalate: 1h")),
    ).toEqual([
      expect.stringMatching(
        /sla\.policies\.standard\.offered must grow: remind < escalate < reassign/,
      ),
    ]);
  });

  it("checks that a quiet worked lead's steps come in order", () => {
    expect(
      problemsOf(
        minimal.replace("working: { followUp: 3d }", "working: { followUp: 3d, escalate: 2d }"),
      ),
    ).toEqual([
      expect.stringMatching(
        /sla\.policies\.standard\.working must grow: followUp < escalate < release/,
      ),
    ]);
    expect(
      problemsOf(
        minimal.replace("working: { followUp: 3d }", "working: { followUp: 3d, release: 5d }"),
      ),
    ).toEqual([expect.stringMatching(/working must grow: followUp < escalate < release/)]);
    expect(
      problemsOf(
        minimal.replace(
          "working: { followUp: 3d }",
          "working: { followUp: 3d, escalate: 5d, release: 8d }",
        ),
      ),
    ).toEqual([]);
  });

  describe("a team's fallback chain", () => {
    // Two assign teams: inbound (the default) and outbound.
    const twoTeams = minimal
      .replace("    channel: C0INB00001\n", "    channel: C0INB00001\n    mode: assign\n")
      .replace(
        "routing:\n",
        `  - key: outbound
    name: Outbound
    channel: C0OUT00001
    mode: assign
    managers: [U0MGR00001]
    reps:
      - user: U0REP00002
routing:
`,
      )
      .replace("version: 1\n", "version: 1\nadmins: [U0ADM00001]\n");
    const withChains = (inbound: string, outbound = "") =>
      twoTeams
        .replace("    mode: assign\n    managers", `    mode: assign\n${inbound}    managers`)
        .replace("      - user: U0REP00002\n", `      - user: U0REP00002\n${outbound}`);

    it("takes managers, an overflow team and the admins, in order", () => {
      const playbook = parsePlaybook(
        withChains(
          "    fallback:\n      - alert: managers\n      - { after: 30m, overflow: outbound }\n      - { after: 2h, alert: admins }\n",
        ),
      );
      expect(playbook.teams[0]?.fallback).toEqual([
        { afterMs: 0, alert: "managers", overflow: undefined },
        { afterMs: 30 * 60_000, alert: undefined, overflow: "outbound" },
        { afterMs: 7_200_000, alert: "admins", overflow: undefined },
      ]);
    });

    it("refuses an unknown team, with its line and field", () => {
      expect(
        problemsOf(withChains("    fallback:\n      - { after: 30m, overflow: nowhere }\n")),
      ).toEqual([
        'line 11: teams[0].fallback[0].overflow names team "nowhere", which is not in teams (inbound, outbound)',
      ]);
    });

    it("refuses an empty chain and a step that says nothing or too much", () => {
      expect(problemsOf(withChains("    fallback: []\n"))).toEqual([
        "line 10: teams[0].fallback needs at least one step, or leave fallback out",
      ]);
      expect(
        problemsOf(
          withChains(
            "    fallback:\n      - { after: 30m }\n      - { alert: admins, overflow: outbound }\n",
          ),
        ),
      ).toEqual([
        expect.stringMatching(
          /^line 11: teams\[0\]\.fallback\[0\] each step needs exactly one of alert \(managers or admins\) or overflow \(a team key\)/,
        ),
        expect.stringMatching(/^line 12: teams\[0\]\.fallback\[1\] each step needs exactly one of/),
      ]);
    });

    it("refuses overflows that loop back, naming the loop once", () => {
      const problems = problemsOf(
        withChains(
          "    fallback:\n      - { after: 30m, overflow: outbound }\n",
          "    fallback:\n      - { after: 1h, overflow: inbound }\n",
        ),
      );
      expect(problems).toEqual([
        "line 11: teams[0].fallback[0].overflow makes a loop of overflows (inbound → outbound → inbound): a held lead would be handed round it; end one of these chains with alert: admins instead",
      ]);
      expect(
        problemsOf(withChains("    fallback:\n      - { after: 30m, overflow: inbound }\n")),
      ).toEqual([
        expect.stringMatching(
          /^line 11: teams\[0\]\.fallback\[0\]\.overflow cannot be the team itself/,
        ),
      ]);
    });

    it("refuses a chain on a claim team, and admins alerted when there are none", () => {
      const claim = withChains("    fallback:\n      - alert: admins\n")
        .replace("    mode: assign\n    fallback", "    mode: claim\n    fallback")
        .replace("admins: [U0ADM00001]\n", "");
      expect(problemsOf(claim)).toEqual([
        expect.stringMatching(
          /^line 10: teams\[0\]\.fallback\[0\]\.alert alerts the admins, but the playbook lists no admins/,
        ),
        expect.stringMatching(/^line 10: teams\[0\]\.fallback applies to assign mode only/),
      ]);
    });
  });

  it("reports YAML syntax errors with their line", () => {
    expect(problemsOf("version: 1\nteams: [\n")[0]).toMatch(/^line \d+, column \d+: /);
  });

  it("explains a missing file", async () => {
    await expect(loadPlaybook("/nonexistent/playbook.yml")).rejects.toThrow(
      /does not exist: copy manifests\/playbook.yml/,
    );
  });
});
