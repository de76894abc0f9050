import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { leadRequestSchema } from "#src/intake/schemas.ts";
import { loadPlaybook } from "#src/playbook/load-playbook.ts";
import type { Playbook } from "#src/playbook/schema.ts";
import { loadCardView } from "#src/read-models/lead-card.ts";
import { captureLead } from "#src/services/capture-lead.ts";
import { claimLead } from "#src/services/claim-lead.ts";
import { handOffLead } from "#src/services/hand-off-lead.ts";
import { syncPlaybook } from "#src/services/sync-playbook.ts";
import { buildLeadCard } from "#src/slack/blocks/lead-card.ts";
import { useTestDatabase } from "#test/setup/database.ts";

const database = useTestDatabase();
const now = new Date("2026-11-20T15:00:00Z");
const webhooks = { urls: ["https://crm.example.com/hooks"], secret: "s".repeat(32) };
let playbook: Playbook;

beforeAll(async () => {
  playbook = await loadPlaybook(
    fileURLToPath(new URL("../../manifests/playbook.yml", import.meta.url)),
  );
  await syncPlaybook(database.current, playbook);
});

let n = 0;
async function qualifiedLead(fields: Record<string, unknown>) {
  n += 1;
  const result = await captureLead({
    db: database.current,
    input: leadRequestSchema.parse({
      email: `buyer${n}@company${n}.example`,
      ...fields,
      activities: [{ type: "demo_request", occurredAt: now.toISOString() }],
    }),
    scoring: playbook.scoring,
    accountMatching: true,
    actor: { type: "API" },
    now,
  });
  expect(result.status).toBe("QUALIFIED");
  return result.leadId;
}

const handOff = (leadId: string) =>
  handOffLead({ db: database.current, playbook, webhooks, leadId, now });

describe("handOffLead", () => {
  it("posts a mid-market US lead to the NA channel for the first rep to claim", async () => {
    const leadId = await qualifiedLead({ country: "US", companySize: 120 });
    const result = await handOff(leadId);
    expect(result).toEqual({
      outcome: "posted",
      teamKey: "na-midmarket",
      channel: "C0NAMIDMKT",
      reason: "rule 'North America mid-market and up'",
    });
    const lead = await database.current.prisma.lead.findUniqueOrThrow({
      where: { id: leadId },
      include: { team: true },
    });
    expect(lead).toMatchObject({
      status: "OFFERED",
      offeredAt: now,
      slaCycle: 1,
      offeredToId: null,
    });
    expect(lead.team?.key).toBe("na-midmarket");
    const outbox = await database.current.prisma.outboxMessage.findMany({
      where: { orderingKey: leadId },
      orderBy: { id: "asc" },
    });
    expect(outbox.map((m) => [m.kind, m.payload])).toEqual([
      ["lead.handoff", { leadId }],
      ["lead.card.post", { leadId, channel: "C0NAMIDMKT" }],
    ]);
    expect(
      await database.current.prisma.outboxMessage.count({
        where: { kind: "webhook", orderingKey: `webhook:${webhooks.urls[0]}:${leadId}` },
      }),
    ).toBe(1);
    const event = await database.current.prisma.leadEvent.findFirstOrThrow({
      where: { leadId, type: "offered" },
    });
    expect(event.reason).toBe("team na-midmarket: rule 'North America mid-market and up'");
  });

  it("offers EMEA enterprise leads to one rep at a time by weighted round robin", async () => {
    const picks: string[] = [];
    for (let i = 0; i < 8; i++) {
      const result = await handOff(await qualifiedLead({ region: "EMEA", companySize: 5000 }));
      expect(result.outcome).toBe("offered");
      if (result.outcome === "offered") picks.push(result.repSlackId);
    }
    // Ana has weight 2, Jonas and Léa 1.
    const count = (id: string) => picks.filter((p) => p === id).length;
    expect([count("U0REPANA01"), count("U0REPJONAS"), count("U0REPLEA01")]).toEqual([4, 2, 2]);
    const event = await database.current.prisma.leadEvent.findFirstOrThrow({
      where: { type: "offered", data: { path: ["mode"], equals: "assign" } },
    });
    expect(event.reason).toMatch(
      /^team emea-enterprise: rule 'EMEA enterprise', round robin: .+ is furthest behind their due \(\d+ leads?, [\d.]+ due at weight [12]\)/,
    );
  });

  it("skips an away rep and says so", async () => {
    await database.current.prisma.rep.update({
      where: { slackUserId: "U0REPANA01" },
      data: { awayUntil: new Date(now.getTime() + 86_400_000) },
    });
    try {
      const result = await handOff(await qualifiedLead({ region: "EMEA", companySize: 900 }));
      expect(result.outcome === "offered" && result.repSlackId).not.toBe("U0REPANA01");
      expect(result.outcome === "offered" && result.reason).toContain("skipped Ana away");
      // The audit event keeps the whole explanation, and the card shows its "why you" line.
      const lead = await database.current.prisma.lead.findFirstOrThrow({
        where: {
          offeredTo: { slackUserId: result.outcome === "offered" ? result.repSlackId : "" },
        },
        orderBy: { number: "desc" },
      });
      const event = await database.current.prisma.leadEvent.findFirstOrThrow({
        where: { leadId: lead.id, type: "offered" },
      });
      expect(event.data).toMatchObject({
        routing: {
          teamReason: "rule 'EMEA enterprise'",
          rules: [{ rule: "EMEA enterprise", matched: true }, { matched: false }],
          skipped: [{ rep: "Ana", why: "away until 2026-11-21 15:00 UTC" }],
        },
      });
      const { card } = await loadCardView(database.current, lead.id, now);
      const text = JSON.stringify(buildLeadCard(card, { now }).blocks);
      expect(text).toMatch(
        /\*Why you:\* round robin: (Jonas|Léa) is furthest behind their due \(\d+ leads?, [\d.]+ due at weight 1\)/,
      );
    } finally {
      await database.current.prisma.rep.update({
        where: { slackUserId: "U0REPANA01" },
        data: { awayUntil: null },
      });
    }
  });

  it("gives a lead whose company has an owner to that owner", async () => {
    const ana = await database.current.prisma.rep.findUniqueOrThrow({
      where: { slackUserId: "U0REPPRIYA" },
    });
    await database.current.prisma.account.create({
      data: { domain: "globex.example", ownerId: ana.id },
    });
    const leadId = await qualifiedLead({ email: "cfo@globex.example", country: "DE" });
    const result = await handOff(leadId);
    expect(result).toMatchObject({
      outcome: "offered",
      teamKey: "na-midmarket",
      repSlackId: "U0REPPRIYA",
      reason: "account owner: Priya owns globex.example",
    });
  });

  it("passes an account owner outside their hours to the team, and the account stays theirs", async () => {
    // Priya (owner of globex.example, above) works 9 to 5 in New York.
    const hours = {
      days: ["mon", "tue", "wed", "thu", "fri"] as ("mon" | "tue" | "wed" | "thu" | "fri")[],
      start: "09:00",
      end: "17:00",
      holidays: [],
    };
    const withHours: Playbook = {
      ...playbook,
      teams: playbook.teams.map((t) => ({
        ...t,
        reps: t.reps.map((r) =>
          r.user === "U0REPPRIYA" ? { ...r, hours, timezone: "America/New_York" } : r,
        ),
      })),
    };
    const friday = new Date("2026-11-21T03:00:00Z"); // Friday 22:00 in New York
    const use = { db: database.current, playbook: withHours, webhooks };
    const night = await qualifiedLead({ email: "cto@globex.example", country: "DE" });
    expect(await handOffLead({ ...use, leadId: night, now: friday })).toEqual({
      outcome: "posted",
      teamKey: "inbound-sales",
      channel: "C0INBOUND1",
      reason:
        "no rule matched: default team; account owner Priya outside their hours (back 2026-11-23 14:00 UTC)",
    });
    // Kim works it tonight; globex.example stays Priya's account.
    await claimLead({ ...use, leadId: night, userId: "U0REPKIM01", now: friday });
    const account = await database.current.prisma.account.findUniqueOrThrow({
      where: { domain: "globex.example" },
      include: { owner: true },
    });
    expect(account.owner?.slackUserId).toBe("U0REPPRIYA");
    // Monday 09:30 in New York: the next globex lead is hers.
    const monday = await qualifiedLead({ email: "cio@globex.example", country: "DE" });
    expect(
      await handOffLead({ ...use, leadId: monday, now: new Date("2026-11-23T14:30:00Z") }),
    ).toMatchObject({ outcome: "offered", repSlackId: "U0REPPRIYA" });
  });

  it("does nothing for a lead that is no longer waiting", async () => {
    const leadId = await qualifiedLead({ country: "BR" });
    expect((await handOff(leadId)).outcome).toBe("posted");
    expect(await handOff(leadId)).toEqual({ outcome: "skipped", status: "OFFERED" });
  });

  it("keeps round robin fair when leads are handed off at the same time", async () => {
    const leads = await Promise.all(
      Array.from({ length: 6 }, () => qualifiedLead({ region: "EMEA", companySize: 700 })),
    );
    const before = await database.current.prisma.teamMember.findMany({
      where: { team: { key: "emea-enterprise" }, role: "rep" },
      include: { rep: true },
    });
    const results = await Promise.all(leads.map((id) => handOff(id)));
    const after = await database.current.prisma.teamMember.findMany({
      where: { team: { key: "emea-enterprise" }, role: "rep" },
      include: { rep: true },
    });
    const added = after.map(
      (m) => m.assignedCount - before.find((b) => b.id === m.id)!.assignedCount,
    );
    expect(added.reduce((a, b) => a + b, 0)).toBe(6);
    expect(results.every((r) => r.outcome === "offered")).toBe(true);
  });
});
