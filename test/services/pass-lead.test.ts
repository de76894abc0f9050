import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { leadRequestSchema } from "#src/intake/schemas.ts";
import { loadPlaybook } from "#src/playbook/load-playbook.ts";
import type { Playbook } from "#src/playbook/schema.ts";
import { captureLead } from "#src/services/capture-lead.ts";
import { handOffLead } from "#src/services/hand-off-lead.ts";
import { passLead } from "#src/services/pass-lead.ts";
import { syncPlaybook } from "#src/services/sync-playbook.ts";
import { useTestDatabase } from "#test/setup/database.ts";

const database = useTestDatabase();
const now = new Date("2026-11-20T15:00:00Z");
let playbook: Playbook;

beforeAll(async () => {
  playbook = await loadPlaybook(
    fileURLToPath(new URL("../../manifests/playbook.yml", import.meta.url)),
  );
  await syncPlaybook(database.current, playbook);
});

const common = () => ({ db: database.current, playbook, webhooks: { urls: [] }, now });

describe("passLead", () => {
  it("offers the lead to the next rep, never back to one who passed, then to the whole team", async () => {
    const { leadId } = await captureLead({
      ...common(),
      input: leadRequestSchema.parse({
        email: "cto@eurocorp.example",
        region: "EMEA",
        companySize: 2000,
        activities: [{ type: "demo_request", occurredAt: now.toISOString() }],
      }),
      scoring: playbook.scoring,
      accountMatching: true,
      actor: { type: "API" },
    });
    const first = await handOffLead({ ...common(), leadId });
    expect(first.outcome).toBe("offered");
    const seen: string[] = [];
    let current = first;
    while (current.outcome === "offered") {
      expect(seen).not.toContain(current.repSlackId);
      seen.push(current.repSlackId);
      current = await passLead({ ...common(), leadId, userId: current.repSlackId });
    }
    expect([...seen].sort()).toEqual(["U0REPANA01", "U0REPJONAS", "U0REPLEA01"]);
    expect(current).toMatchObject({
      outcome: "posted",
      teamKey: "emea-enterprise",
      channel: "C0EMEAENT01",
    });
    expect(current.outcome === "posted" && current.reason).toContain("Ana passed");
    const lead = await database.current.prisma.lead.findUniqueOrThrow({ where: { id: leadId } });
    expect(lead).toMatchObject({ status: "OFFERED", offeredToId: null });
    expect(
      await database.current.prisma.leadEvent.count({ where: { leadId, type: "passed" } }),
    ).toBe(3);
  });

  it("refuses a pass from someone the lead is not offered to", async () => {
    const lead = await database.current.prisma.lead.findFirstOrThrow({
      where: { email: "cto@eurocorp.example" },
    });
    await expect(
      passLead({ ...common(), leadId: lead.id, userId: "U0REPANA01" }),
    ).rejects.toMatchObject({ code: "conflict" });
  });
});
