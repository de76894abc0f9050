import { beforeEach, describe, expect, it } from "vitest";
import { activitySchema, leadRequestSchema } from "#src/intake/schemas.ts";
import type { Scoring } from "#src/playbook/schema.ts";
import { captureLead } from "#src/services/capture-lead.ts";
import { useTestDatabase } from "#test/setup/database.ts";

const database = useTestDatabase();
const DAY = 86_400_000;
const now = new Date("2026-11-20T15:00:00Z");

const scoring: Scoring = {
  threshold: 40,
  handRaises: ["demo_request"],
  fit: [{ name: "60+ seats", when: [{ field: "companySize", gte: 60 }], points: 20 }],
  behavior: { weights: { pricing_page: 10, page_view: 1 }, halfLife: 30 * DAY, window: 90 * DAY },
};

function capture(body: unknown, at = now) {
  return captureLead({
    db: database.current,
    input: leadRequestSchema.parse(body),
    scoring,
    accountMatching: true,
    actor: { type: "API", id: "test" },
    now: at,
  });
}

let seq = 0;
const email = () => `lead${++seq}@acme-${seq}.io`;

describe("captureLead", () => {
  beforeEach(() => {
    seq += 100;
  });

  it("creates a lead in nurture when its score is below the threshold", async () => {
    const address = email();
    const result = await capture({
      email: ` ${address.toUpperCase()} `,
      name: "Ana María López",
      companySize: 80,
    });
    expect(result).toMatchObject({ created: true, status: "NURTURE", score: 20, qualified: false });
    const lead = await database.current.prisma.lead.findUniqueOrThrow({
      where: { id: result.leadId },
    });
    expect(lead).toMatchObject({
      email: address,
      firstName: "Ana",
      lastName: "María López",
      nurturedAt: now,
    });
    expect(lead.scoreBreakdown).toEqual([{ kind: "fit", label: "60+ seats", points: 20 }]);
    const events = await database.current.prisma.leadEvent.findMany({
      where: { leadId: result.leadId },
      orderBy: { id: "asc" },
    });
    expect(events.map((e) => [e.type, e.toStatus])).toEqual([
      ["captured", "CAPTURED"],
      ["nurtured", "NURTURE"],
    ]);
  });

  it("merges a second capture of the same email and qualifies when the score crosses the threshold", async () => {
    const address = email();
    const first = await capture({ email: address, companySize: 80, source: "Webinar" });
    const second = await capture({
      email: address.toUpperCase(),
      title: "Head of Support",
      activities: [
        { type: "pricing_page", occurredAt: now.toISOString(), url: "https://acme.io/pricing" },
        { type: "pricing_page", occurredAt: new Date(now.getTime() - 60_000).toISOString() },
      ],
    });
    expect(second).toMatchObject({
      leadId: first.leadId,
      created: false,
      status: "QUALIFIED",
      qualified: true,
      activitiesAdded: 2,
    });
    const lead = await database.current.prisma.lead.findUniqueOrThrow({
      where: { id: first.leadId },
    });
    expect(lead).toMatchObject({ source: "Webinar", title: "Head of Support", qualifiedAt: now });
    expect(lead.trigger).toMatchObject({ kind: "score", score: 40, threshold: 40 });
    expect(await database.current.prisma.lead.count({ where: { email: address } })).toBe(1);
    const handoffs = await database.current.prisma.outboxMessage.findMany({
      where: { kind: "lead.handoff", orderingKey: first.leadId },
    });
    expect(handoffs).toHaveLength(1);
    const types = (
      await database.current.prisma.leadEvent.findMany({
        where: { leadId: first.leadId },
        orderBy: { id: "asc" },
      })
    ).map((e) => e.type);
    expect(types).toEqual(["captured", "nurtured", "merged", "qualified"]);
  });

  it("qualifies on a hand-raise whatever the score, and stores each activity once", async () => {
    const address = email();
    const body = {
      email: address,
      activities: [
        {
          type: "demo_request",
          occurredAt: now.toISOString(),
          message: "Wants a demo for 80 agents",
        },
      ],
    };
    const first = await capture(body);
    expect(first).toMatchObject({ status: "QUALIFIED", qualified: true, activitiesAdded: 1 });
    const retried = await capture(body);
    expect(retried).toMatchObject({ qualified: false, activitiesAdded: 0, activitiesDuplicate: 1 });
    expect(await database.current.prisma.activity.count({ where: { leadId: first.leadId } })).toBe(
      1,
    );
    expect(
      await database.current.prisma.outboxMessage.count({
        where: { kind: "lead.handoff", orderingKey: first.leadId },
      }),
    ).toBe(1);
  });

  it("writes nothing when the capture fails half-way", async () => {
    const before = await database.current.prisma.lead.count();
    // The API rejects NUL characters; passed straight to the use case, the activity insert
    // fails after the lead row was written, and the transaction takes the lead back.
    const input = leadRequestSchema.parse({ email: email() });
    const activity = activitySchema.parse({ type: "page_view", occurredAt: now.toISOString() });
    input.activities = [{ ...activity, title: "bad \u0000 title" }];
    await expect(
      captureLead({
        db: database.current,
        input,
        scoring,
        accountMatching: true,
        actor: { type: "API" },
        now,
      }),
    ).rejects.toThrow();
    expect(await database.current.prisma.lead.count()).toBe(before);
  });

  it("marks a new lead for the owner of its company's account", async () => {
    const rep = await database.current.prisma.rep.create({
      data: { slackUserId: `U0OWNER${seq}` },
    });
    await database.current.prisma.account.create({
      data: { domain: `globex-${seq}.com`, ownerId: rep.id },
    });
    const result = await capture({ email: `cfo@globex-${seq}.com` });
    const lead = await database.current.prisma.lead.findUniqueOrThrow({
      where: { id: result.leadId },
    });
    expect(lead).toMatchObject({ companyDomain: `globex-${seq}.com`, accountOwnerId: rep.id });

    const freeMail = await capture({ email: `someone${seq}@gmail.com` });
    expect(
      (await database.current.prisma.lead.findUniqueOrThrow({ where: { id: freeMail.leadId } }))
        .companyDomain,
    ).toBeNull();
  });

  it("lets two first captures of one email race without a duplicate", async () => {
    const address = email();
    const results = await Promise.all([
      capture({
        email: address,
        activities: [{ type: "page_view", occurredAt: now.toISOString(), url: "https://a.io/1" }],
      }),
      capture({
        email: address,
        activities: [{ type: "page_view", occurredAt: now.toISOString(), url: "https://a.io/2" }],
      }),
    ]);
    expect(new Set(results.map((r) => r.leadId)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(
      await database.current.prisma.activity.count({ where: { leadId: results[0]!.leadId } }),
    ).toBe(2);
  });
});
