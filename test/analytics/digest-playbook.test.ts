import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { digestSchedules, periodOf } from "#src/domain/digest-schedule.ts";
import { loadPlaybook, PlaybookError, parsePlaybook } from "#src/playbook/load-playbook.ts";

const EXAMPLE = fileURLToPath(new URL("../../manifests/playbook.yml", import.meta.url));

const minimal = (extra = "", teamExtra = "") => `version: 1
timezone: America/Chicago
marketing:
  channel: C0MKT00001
teams:
  - key: inbound
    name: Inbound
    channel: C0INB00001
    managers: [U0MGR00001]
    reps:
      - user: U0REP00001${teamExtra}
  - key: outbound
    name: Outbound
    channel: C0OUT00001
    timezone: Asia/Tokyo
    managers: [U0MGR00001]
    reps:
      - user: U0REP00002
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
${extra}`;

function problemsOf(text: string): string[] {
  try {
    parsePlaybook(text);
  } catch (error) {
    if (error instanceof PlaybookError) return error.problems;
    throw error;
  }
  return [];
}

describe("the playbook's digest block", () => {
  it("defaults to Mondays at 09:00 in each team's time zone, plus the marketing digest", () => {
    expect(digestSchedules(parsePlaybook(minimal()))).toEqual([
      { scope: "team:inbound", teamKey: "inbound", cron: "0 9 * * 1", timezone: "America/Chicago" },
      { scope: "team:outbound", teamKey: "outbound", cron: "0 9 * * 1", timezone: "Asia/Tokyo" },
      { scope: "marketing", cron: "0 9 * * 1", timezone: "America/Chicago" },
    ]);
  });

  it("takes a team's own cron and time zone, the playbook's default, and the older `schedule`", () => {
    const playbook = parsePlaybook(
      minimal(
        'digest: { schedule: "0 8 * * 5", timezone: Europe/Paris, marketing: false }\n',
        '\n    digest: { cron: "30 7 * * 2", timezone: Europe/Berlin }',
      ),
    );
    expect(digestSchedules(playbook)).toEqual([
      { scope: "team:inbound", teamKey: "inbound", cron: "30 7 * * 2", timezone: "Europe/Berlin" },
      { scope: "team:outbound", teamKey: "outbound", cron: "0 8 * * 5", timezone: "Asia/Tokyo" },
    ]);
  });

  it("lets a team turn its scheduled digest off", () => {
    const playbook = parsePlaybook(minimal("", "\n    digest: { enabled: false }"));
    expect(digestSchedules(playbook).map((s) => s.scope)).toEqual(["team:outbound", "marketing"]);
  });

  it("refuses a bad cron expression, a bad time zone and unknown fields, by line", () => {
    expect(problemsOf(minimal('digest: { cron: "every monday" }\n'))).toEqual([
      expect.stringMatching(
        /^line 35: digest\.cron must be a cron expression such as "0 9 \* \* 1"/,
      ),
    ]);
    expect(problemsOf(minimal("", "\n    digest: { timezone: Mars/Olympus }"))).toEqual([
      expect.stringMatching(/^line 12: teams\[0\]\.digest\.timezone must be an IANA time zone/),
    ]);
    expect(problemsOf(minimal("digest: { day: monday }\n"))).toEqual([
      expect.stringMatching(/digest.*day/),
    ]);
  });

  it("ships an example with a team schedule of its own", async () => {
    const schedules = digestSchedules(await loadPlaybook(EXAMPLE));
    expect(schedules).toContainEqual({
      scope: "team:emea-enterprise",
      teamKey: "emea-enterprise",
      cron: "30 8 * * 1",
      timezone: "Europe/Berlin",
    });
    expect(schedules.map((s) => s.scope)).toContain("marketing");
  });

  it("names a period by the minute the run was scheduled for", () => {
    expect(periodOf(new Date("2026-11-23T08:00:00.912Z"))).toBe("2026-11-23T08:00");
    expect(periodOf(new Date("2026-11-23T08:00:59.999Z"))).toBe("2026-11-23T08:00");
  });
});
