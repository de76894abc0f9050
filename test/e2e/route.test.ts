// The routing dry runs (`baton route <lead.json>`, `/leads route ...`) against the running app:
// what they say is what then happens to the same lead, and they write nothing.
import { describe, expect, it } from "vitest";
import { useRoutingScene } from "#test/setup/routing-scene.ts";

// A Monday, inside Berlin business hours.
const scene = useRoutingScene({ start: "2026-11-23T10:00:00Z", domain: "route" });
const { app, database, command, cli } = scene;
const capture = scene.lead;

/** Every table's row count and the round-robin counters: what a dry run must leave alone. */
async function snapshot() {
  const { prisma } = database.current;
  const tables = await prisma.$queryRawUnsafe<{ table_name: string }[]>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
  );
  const counts: Record<string, number> = {};
  for (const { table_name } of tables) {
    const [row] = await prisma.$queryRawUnsafe<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM "${table_name}"`,
    );
    counts[table_name] = row!.n;
  }
  const members = await prisma.teamMember.findMany({
    select: { id: true, assignedCount: true, assignedDue: true, lastAssignedAt: true },
    orderBy: { id: "asc" },
  });
  const reps = await prisma.rep.findMany({ orderBy: { id: "asc" } });
  return { counts, members, reps };
}

describe("baton route and /leads route", () => {
  it("say who gets an EMEA lead and why, and that is who gets it when it comes in", async () => {
    await database.current.prisma.rep.update({
      where: { slackUserId: "U0REPANA01" },
      data: { paused: true, awaySince: new Date("2026-11-20T08:00:00Z") },
    });
    const lead = {
      email: "cto@acme-route.example",
      region: "EMEA",
      companySize: 900,
      country: "DE",
    };
    await app.current.profilesRead;
    const before = await snapshot();

    const { code, out, err } = await cli(lead);
    expect(err).toBe("");
    expect(code).toBe(0);
    expect(out).toContain("Team: emea-enterprise (rule 'EMEA enterprise'");
    expect(out).toContain("✓ EMEA enterprise → emea-enterprise: matched");
    expect(out).toContain("Ana (U0REPANA01): away since 2026-11-20 08:00 UTC until they are back");
    expect(out).toMatch(/Not in team emea-enterprise: .*Kim \(U0REPKIM01\)/);
    const next = /Next: (\S+) \((U\w+)\) \((.+)\)$/m.exec(out);
    expect(next?.[2]).toMatch(/^U0REP(JONAS|LEA01)$/);
    // Why, in the round robin's own terms: the rep furthest behind their due.
    const why = next![3]!;
    expect(why).toMatch(
      new RegExp(
        `^round robin: ${next![1]} is furthest behind their due \\(\\d+ leads?, [\\d.]+ due at weight 1\\)$`,
      ),
    );

    const reply = await command(
      "route email=cto@acme-route.example region=EMEA companySize=900 country=DE",
      "U0MGRKLAUS",
    );
    expect(reply.response_type).toBe("ephemeral");
    expect(reply.all).toContain(`Next: ${next![1]} (${next![2]}) (${why})`);
    expect(reply.all).toContain("Nothing was written");

    // Neither dry run wrote anything.
    expect(await snapshot()).toEqual(before);

    const routed = await capture(lead);
    expect(routed.team?.key).toBe("emea-enterprise");
    expect(routed.offeredTo?.slackUserId).toBe(next![2]);
    // The same explanation in the audit trail and on the card's "why you" line.
    const offered = await database.current.prisma.leadEvent.findFirstOrThrow({
      where: { leadId: routed.id, type: "offered" },
    });
    expect(offered.data).toMatchObject({ routing: { why } });
    const card = await scene.fakeSlack.current.waitFor(() =>
      scene.fakeSlack.current
        .visible(`D${next![2]!.slice(1)}`)
        .map((m) => JSON.stringify(m))
        .find((m) => m.includes("Why you")),
    );
    expect(card).toContain(`*Why you:* ${why}`);
    await database.current.prisma.rep.update({
      where: { slackUserId: "U0REPANA01" },
      data: { paused: false, awaySince: null },
    });
  });

  it("explain a stored lead and a rule that failed, escaped, and refuse what they cannot read", async () => {
    const routed = await capture({ email: "x@tiny-route.example", country: "BR", companySize: 5 });
    const reply = await command(`route L-${routed.number}`, "U0REVOPS01");
    expect(reply.all).toContain(`L-${routed.number}`);
    expect(reply.all).toContain("country in [US, CA], but it is BR");
    expect(reply.all).toContain("Team: inbound-sales (no rule matched: default team)");

    const evil = await command('route country="<!channel>" companySize=80', "U0REVOPS01");
    expect(evil.all).toContain("but it is &lt;!channel&gt;");
    expect(evil.all).not.toContain("<!channel>");

    const bad = await command("route colour=blue", "U0REVOPS01");
    expect(bad.all).toContain("`colour` is not a lead field");
    const stranger = await command("route L-1", "U0NOBODY99");
    expect(stranger.all).toContain("Only the playbook's reps and managers");

    const invalid = await cli({ email: "not an email" });
    expect(invalid.code).toBe(1);
    expect(invalid.err).toMatch(/^baton route: The lead is not valid: email: /);
  });
});
