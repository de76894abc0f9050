// captureEach, the intake batcher's write: new leads in one statement, known ones merged in a
// transaction, each request all-or-nothing on its own.
import { describe, expect, it } from "vitest";
import { activitySchema, type LeadRequest, leadRequestSchema } from "#src/intake/schemas.ts";
import type { Scoring } from "#src/playbook/schema.ts";
import { type CaptureContext, captureEach, captureLeads } from "#src/services/capture-lead.ts";
import { planNewLead } from "#src/services/new-lead-plan.ts";
import { useTestDatabase } from "#test/setup/database.ts";
import { testDatabaseUrl } from "#test/setup/test-database.ts";

const database = useTestDatabase();
const DAY = 86_400_000;
const now = new Date("2026-11-20T15:00:00Z");
const at = now.toISOString();

const scoring: Scoring = {
  threshold: 40,
  handRaises: ["demo_request"],
  fit: [{ name: "60+ seats", when: [{ field: "companySize", gte: 60 }], points: 20 }],
  behavior: { weights: { pricing_page: 10, page_view: 1 }, halfLife: 30 * DAY, window: 90 * DAY },
};
const context: CaptureContext = {
  scoring,
  accountMatching: true,
  actor: { type: "API", id: "test" },
  now,
};

let seq = 0;
const email = (tag = "lead") => `${tag}${++seq}@each-${seq}.io`;
const lead = (body: object): LeadRequest => leadRequestSchema.parse(body);

/** A request the API would refuse (NUL in a text field): the database refuses it too. */
function bad(address: string): LeadRequest {
  const input = lead({ email: address });
  const activity = activitySchema.parse({ type: "page_view", occurredAt: at });
  input.activities = [{ ...activity, title: "bad \u0000 title" }];
  return input;
}

async function stored(leadId: string) {
  const { prisma } = database.current;
  const row = await prisma.lead.findUniqueOrThrow({ where: { id: leadId } });
  const activities = await prisma.activity.findMany({
    where: { leadId },
    orderBy: { occurredAt: "asc" },
  });
  const events = await prisma.leadEvent.findMany({ where: { leadId }, orderBy: { id: "asc" } });
  const outbox = await prisma.outboxMessage.findMany({
    where: { orderingKey: leadId },
    orderBy: { id: "asc" },
  });
  return { row, activities, events, outbox };
}

/** What a capture wrote, without what differs between two leads (ids, email, number). */
async function written(leadId: string) {
  const { row, activities, events, outbox } = await stored(leadId);
  const { id, number, email: _email, emailDomain, companyDomain, ...lead } = row;
  return {
    lead,
    activities: activities.map(({ id: _id, leadId: _lead, ...a }) => a),
    events: events.map(({ id: _id, leadId: _lead, ...e }) => e),
    outbox: outbox.map(({ id: _id, orderingKey, payload, dedupeKey, ...o }) => ({
      ...o,
      orderingKey: orderingKey === leadId,
      payload: JSON.stringify(payload).replaceAll(leadId, "<lead>"),
      dedupeKey: dedupeKey?.replaceAll(leadId, "<lead>"),
    })),
  };
}

describe("captureEach", () => {
  it.each([
    ["in nurture", { companySize: 80, name: "Ana María López", attributes: { plan: "pro" } }],
    [
      "qualified on a hand-raise, an activity sent twice stored once",
      {
        title: "Head of Support",
        externalIds: { hubspot: "42" },
        activities: [
          { type: "demo_request", occurredAt: at, message: "80 agents" },
          { type: "demo_request", occurredAt: at, message: "80 agents" },
          { type: "page_view", occurredAt: at, url: "https://x.io/p", externalId: "pv-1" },
        ],
      },
    ],
    [
      "qualified on its score",
      {
        companySize: 500,
        activities: [
          { type: "pricing_page", occurredAt: at },
          { type: "pricing_page", occurredAt: new Date(now.getTime() - DAY).toISOString() },
        ],
      },
    ],
  ])("creates a lead %s exactly as the transactional capture does", async (_name, body) => {
    const [viaEach] = await captureEach(
      database.current,
      [lead({ email: email(), ...body })],
      context,
    );
    const [viaTransaction] = await captureLeads(
      database.current,
      [lead({ email: email(), ...body })],
      context,
    );
    // Planned beforehand, as the CSV import's reader thread plans its leads.
    const planned = lead({ email: email(), ...body });
    const plan = planNewLead(planned, context);
    const [viaPlan] = await captureEach(database.current, [planned], context, [plan]);
    expect(viaEach).toMatchObject({ ok: true });
    if (!viaEach?.ok || !viaPlan?.ok) throw new Error("capture failed");
    const { leadId, number, ...result } = viaEach.value;
    expect(result).toEqual({ ...viaTransaction!, leadId: undefined, number: undefined });
    expect(await written(leadId)).toEqual(await written(viaTransaction!.leadId));
    expect(number).toBeGreaterThan(0);
    expect(viaPlan.value.leadId).toBe(plan.result.leadId);
    expect(await written(viaPlan.value.leadId)).toEqual(await written(leadId));
  });

  it("plans a new lead again when its plan was made for another time", async () => {
    const input = lead({
      email: email(),
      activities: [{ type: "demo_request", occurredAt: at }],
    });
    const stale = planNewLead(input, { ...context, now: new Date(now.getTime() - 60_000) });
    const [result] = await captureEach(database.current, [input], context, [stale]);
    if (!result?.ok) throw new Error("capture failed");
    expect(result.value).toMatchObject({ created: true, qualified: true });
    expect(result.value.leadId).not.toBe(stale.result.leadId);
    const { row, events, outbox } = await stored(result.value.leadId);
    expect(row).toMatchObject({ createdAt: now, qualifiedAt: now, scoredAt: now });
    expect(events.map((e) => e.createdAt)).toEqual([now, now]);
    expect(outbox.map((m) => m.dedupeKey)).toEqual([`handoff:${result.value.leadId}:${at}`]);
  });

  it("links a new lead to the owner of its company's account in the same statement", async () => {
    const rep = await database.current.prisma.rep.create({ data: { slackUserId: `UEACH${seq}` } });
    const domain = `initech-${seq}.com`;
    await database.current.prisma.account.create({ data: { domain, ownerId: rep.id } });
    const [result] = await captureEach(
      database.current,
      [lead({ email: `cto@${domain}` })],
      context,
    );
    if (!result?.ok) throw new Error("capture failed");
    const { row } = await stored(result.value.leadId);
    expect(row).toMatchObject({ companyDomain: domain, accountOwnerId: rep.id });
  });

  it("lands the other requests of a batch when one is bad, and writes nothing of the bad one", async () => {
    const [good1, badOne, good2, known] = [email(), email("bad"), email(), email("known")];
    const [before] = await captureEach(database.current, [lead({ email: known })], context);
    const leadsBefore = await database.current.prisma.lead.count();
    const outcomes = await captureEach(
      database.current,
      [
        lead({ email: good1, activities: [{ type: "page_view", occurredAt: at }] }),
        bad(badOne),
        lead({ email: good2, companySize: 90 }),
        lead({ email: known, title: "CFO" }),
        bad(known),
      ],
      context,
    );
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true, true, false]);
    expect(await database.current.prisma.lead.count()).toBe(leadsBefore + 2);
    expect(await database.current.prisma.lead.findUnique({ where: { email: badOne } })).toBeNull();
    for (const outcome of [outcomes[0], outcomes[2]]) {
      if (!outcome?.ok) throw new Error("capture failed");
      const { events, activities } = await stored(outcome.value.leadId);
      expect(events.map((e) => e.type)).toEqual(["captured", "nurtured"]);
      expect(activities).toHaveLength(outcome === outcomes[0] ? 1 : 0);
    }
    // The known lead took the good merge, and nothing of the bad one.
    if (!before?.ok) throw new Error("capture failed");
    const { row, events, activities } = await stored(before.value.leadId);
    expect(row.title).toBe("CFO");
    expect(activities).toHaveLength(0);
    expect(events.map((e) => e.type)).toEqual(["captured", "nurtured", "merged"]);
  });

  it("captures one email twice in a batch in order: created, then merged", async () => {
    const address = email();
    const outcomes = await captureEach(
      database.current,
      [
        lead({ email: address, activities: [{ type: "page_view", occurredAt: at }] }),
        lead({ email: email() }),
        lead({
          email: address.toUpperCase(),
          activities: [
            { type: "page_view", occurredAt: at },
            { type: "demo_request", occurredAt: at },
          ],
        }),
      ],
      context,
    );
    const values = outcomes.map((o) => (o.ok ? o.value : undefined));
    expect(values[0]).toMatchObject({ created: true, activitiesAdded: 1, status: "NURTURE" });
    expect(values[2]).toMatchObject({
      leadId: values[0]!.leadId,
      created: false,
      activitiesAdded: 1,
      activitiesDuplicate: 1,
      status: "QUALIFIED",
      qualified: true,
    });
    const { events, outbox } = await stored(values[0]!.leadId);
    expect(events.map((e) => e.type)).toEqual(["captured", "nurtured", "merged", "qualified"]);
    expect(outbox.map((o) => o.kind)).toEqual(["lead.handoff"]);
  });

  it("lets concurrent batches race to create the same emails: one creates each, the other merges", async () => {
    const shared = [email("shared"), email("shared")];
    // Ten rounds of two batches naming both emails in opposite orders (inserted in email order
    // they do not deadlock; if they did, the batch would be retried one by one, a second later).
    for (let round = 0; round < 10; round++) {
      const emails = shared.map((address) => address.replace("@", `.${round}@`));
      const outcomes = await Promise.all(
        [emails, [...emails].reverse()].map((order, k) =>
          captureEach(
            database.current,
            [
              lead({ email: email() }),
              ...order.map((address) =>
                lead({
                  email: address,
                  activities: [{ type: "page_view", occurredAt: at, url: `https://a.io/${k}` }],
                }),
              ),
            ],
            context,
          ),
        ),
      );
      expect(outcomes.flat().every((o) => o.ok)).toBe(true);
      for (const address of emails) {
        const results = outcomes.flatMap((batch) =>
          batch.flatMap((o) => (o.ok && o.value.leadId ? [o.value] : [])),
        );
        const row = await database.current.prisma.lead.findUniqueOrThrow({
          where: { email: address },
        });
        const mine = results.filter((r) => r.leadId === row.id);
        expect(mine.map((r) => r.created).sort()).toEqual([false, true]);
        const { events, activities } = await stored(row.id);
        expect(activities).toHaveLength(2);
        expect(events.filter((e) => e.type === "captured")).toHaveLength(1);
        expect(events.filter((e) => e.type === "merged")).toHaveLength(1);
      }
    }
  });

  it.runIf(testDatabaseUrl())(
    "merges a lead another session creates while the statement runs (the insert finds it at commit)",
    async () => {
      const address = email();
      let pending: ReturnType<typeof captureEach> | undefined;
      // Another session has inserted the email but not committed: the statement's snapshot
      // does not see it, its insert waits on the unique index, then skips the row.
      await database.current.transaction(async (sql) => {
        await sql.query(
          `INSERT INTO "Lead" ("id", "email", "emailDomain", "updatedAt")
           VALUES (gen_random_uuid(), $1, 'each.io', now())`,
          [address],
        );
        pending = captureEach(
          database.current,
          [lead({ email: address, activities: [{ type: "page_view", occurredAt: at }] })],
          context,
        );
        await new Promise((resolve) => setTimeout(resolve, 300));
      });
      const [outcome] = await pending!;
      if (!outcome?.ok) throw new Error("capture failed");
      expect(outcome.value).toMatchObject({ created: false, activitiesAdded: 1 });
      const { events } = await stored(outcome.value.leadId);
      expect(events.map((e) => e.type)).toEqual(["merged", "nurtured"]);
    },
  );
});
