import { describe, expect, it } from "vitest";
import { parsePlaybook } from "#src/playbook/load-playbook.ts";
import { syncPlaybook } from "#src/services/sync-playbook.ts";
import { useTestDatabase } from "#test/setup/database.ts";

const database = useTestDatabase();

function playbook(reps: string, extraTeam = "") {
  return parsePlaybook(`version: 1
marketing: { channel: C0MKT00001 }
teams:
  - key: inbound
    name: Inbound
    channel: C0INB00001
    managers: [U0MGR00001]
    reps: [${reps}]
${extraTeam}
routing: { default: inbound }
scoring: { threshold: 50, behavior: { weights: { pricing_page: 10 } } }
sla: { default: s, policies: { s: { offered: { remind: 1m, escalate: 2m, reassign: 3m }, claimed: { nudge: 1m, escalate: 2m, release: 3m }, working: { followUp: 1d } } } }
reasons: { disqualify: [{ key: a, label: A }], nurture: [{ key: b, label: B }] }
`);
}

async function members() {
  const rows = await database.current.prisma.teamMember.findMany({
    include: { rep: true, team: true },
    orderBy: { rep: { slackUserId: "asc" } },
  });
  return rows.map((m) => [
    m.team.key,
    m.rep.slackUserId,
    m.role,
    m.active,
    m.weight,
    m.assignedCount,
  ]);
}

describe("syncPlaybook", () => {
  it("creates teams, reps and memberships, and deactivates what the playbook drops", async () => {
    const first = await syncPlaybook(
      database.current,
      playbook(
        "{ user: U0ANA00001, name: Ana, weight: 2 }, { user: U0BOB00001, name: Bob }",
        "  - { key: outbound, name: Outbound, channel: C0OUT00001, managers: [U0MGR00001], reps: [{ user: U0BOB00001 }] }",
      ),
    );
    expect(first).toMatchObject({ teams: 2, reps: 3, removedMembers: [] });
    expect(await members()).toEqual([
      ["inbound", "U0ANA00001", "rep", true, 2, 0],
      ["inbound", "U0BOB00001", "rep", true, 1, 0],
      ["outbound", "U0BOB00001", "rep", true, 1, 0],
      ["inbound", "U0MGR00001", "manager", true, 1, 0],
      ["outbound", "U0MGR00001", "manager", true, 1, 0],
    ]);

    // Bob leaves inbound; outbound disappears from the playbook.
    const second = await syncPlaybook(
      database.current,
      playbook("{ user: U0ANA00001, name: Ana, weight: 2 }"),
    );
    expect(second.removedMembers).toEqual([{ team: "inbound", user: "U0BOB00001" }]);
    expect(second.deactivatedTeams).toEqual(["outbound"]);
    expect(
      (await database.current.prisma.team.findUniqueOrThrow({ where: { key: "outbound" } })).active,
    ).toBe(false);
  });

  it("starts a rep who joins level with the others instead of at zero", async () => {
    const inbound = await database.current.prisma.team.findUniqueOrThrow({
      where: { key: "inbound" },
    });
    await database.current.prisma.teamMember.updateMany({
      where: { teamId: inbound.id, role: "rep", active: true },
      data: { assignedCount: 40 },
    });
    await syncPlaybook(
      database.current,
      playbook(
        "{ user: U0ANA00001, weight: 2 }, { user: U0BOB00001 }, { user: U0CAT00001, weight: 3 }",
      ),
    );
    const rows = await members();
    // Ana has 40 at weight 2: level 20 per weight unit. Bob rejoins at 20, Cat joins at 60.
    expect(rows.filter((r) => r[0] === "inbound" && r[2] === "rep")).toEqual([
      ["inbound", "U0ANA00001", "rep", true, 2, 40],
      ["inbound", "U0BOB00001", "rep", true, 1, 20],
      ["inbound", "U0CAT00001", "rep", true, 3, 60],
    ]);
  });
});
