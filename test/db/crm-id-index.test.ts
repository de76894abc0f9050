// A lead is found by its id in a CRM (a HubSpot conversion, a poll page, a Salesforce message)
// through the GIN index on Lead.externalIds, not by reading every lead: the query's plan names
// the index (with sequential scans priced out, as they would be on a table of real size).
import { describe, expect, it } from "vitest";
import { leadIdByCrmId } from "#src/crm/lead-by-crm-id.ts";
import { useTestDatabase } from "#test/setup/database.ts";

const database = useTestDatabase();

describe("finding a lead by its CRM id", () => {
  it("finds the lead whose externalIds name the id, and no other", async () => {
    const { prisma } = database.current;
    const make = (email: string, externalIds: Record<string, string>) =>
      prisma.lead.create({ data: { email, emailDomain: "idx.example", externalIds } });
    const hubspot = await make("hs@idx.example", { hubspot: "9001" });
    await make("sf@idx.example", { salesforce: "9001" });
    await make("other@idx.example", { hubspot: "90011" });
    expect(await leadIdByCrmId(database.current, "hubspot", "9001")).toBe(hubspot.id);
    expect(await leadIdByCrmId(database.current, "hubspot", "9002")).toBeUndefined();
  });

  it("is answered by the externalIds index", async () => {
    const plan = await database.current.prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe("SET LOCAL enable_seqscan = off");
      return tx.$queryRawUnsafe<{ "QUERY PLAN": string }[]>(
        `EXPLAIN SELECT "id" FROM "Lead" WHERE "externalIds" @> '{"hubspot": "9001"}'::jsonb`,
      );
    });
    expect(plan.map((row) => row["QUERY PLAN"]).join("\n")).toContain("Lead_externalIds_idx");
  });
});
