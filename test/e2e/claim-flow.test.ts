// From a lead to a claim, through the running app: intake, hand-off, claim, marketing feed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimLead } from "#src/services/claim-lead.ts";
import { type FakeSlack, startFakeSlack } from "#test/fakes/fake-slack.ts";
import { INTAKE_TOKEN, useTestApp } from "#test/setup/app.ts";
import { useTestDatabase } from "#test/setup/database.ts";

let slack: FakeSlack;
beforeAll(async () => {
  slack = await startFakeSlack();
});
afterAll(async () => {
  await slack.close();
});
const database = useTestDatabase();
const app = useTestApp(() => ({ db: database.current, slackApiUrl: slack.url }));

describe("a qualified lead in the running app", () => {
  it("is routed to its team, and a claim is announced to marketing with its source, escaped", async () => {
    const response = await fetch(`${app.current.url}/api/v1/leads`, {
      method: "POST",
      headers: { authorization: `Bearer ${INTAKE_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({
        email: "vp@bigco.example",
        name: "<!channel> Eve",
        company: "<http://evil.example|Click me>",
        country: "US",
        companySize: 300,
        source: "Webinar",
        campaign: "Q4 <@U0REPMIKE1>",
        activities: [{ type: "demo_request", occurredAt: "2026-11-20T15:00:00Z" }],
      }),
    });
    const { lead } = (await response.json()) as { lead: { id: string; qualified: boolean } };
    expect(lead.qualified).toBe(true);

    app.current.outbox.wake();
    const routed = await waitForStatus(lead.id, "OFFERED");
    expect(routed.team?.key).toBe("na-midmarket");

    await claimLead({
      db: database.current,
      playbook: app.current.deps.playbook.current,
      webhooks: app.current.deps.config.webhooks,
      leadId: lead.id,
      userId: "U0REPPRIYA",
      now: new Date(),
    });
    app.current.outbox.wake();
    const [line] = await slack.waitFor(() => {
      const visible = slack.visible("C0MKTFEEDBK");
      return visible.length ? visible : undefined;
    }, 10_000);
    const text = JSON.stringify(line?.blocks);
    expect(text).toContain("claimed by <@U0REPPRIYA>");
    expect(text).toContain("source *Webinar*");
    expect(text).toContain("&lt;!channel&gt; Eve");
    expect(text).toContain("&lt;http://evil.example|Click me&gt;");
    expect(text).toContain("Q4 &lt;@U0REPMIKE1&gt;");
    expect(text).not.toMatch(/<!channel>|<http:\/\/evil|<@U0REPMIKE1>/);
  });
});

async function waitForStatus(leadId: string, status: string) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const lead = await database.current.prisma.lead.findUniqueOrThrow({
      where: { id: leadId },
      include: { team: true },
    });
    if (lead.status === status) return lead;
    if (Date.now() > deadline) throw new Error(`lead stayed ${lead.status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
