// The App Home: published when opened, and again after the person's own actions.
import { describe, expect, it } from "vitest";
import { leadRequestSchema } from "#src/intake/schemas.ts";
import { captureLead } from "#src/services/capture-lead.ts";
import { handOffLead } from "#src/services/hand-off-lead.ts";
import { ACTIONS } from "#src/slack/ids.ts";
import { useFakeSlack } from "#test/fakes/fake-slack.ts";
import { buildButtonAction, createSlackRequester } from "#test/fakes/slack-requests.ts";
import { SIGNING_SECRET, useTestApp } from "#test/setup/app.ts";
import { useTestDatabase } from "#test/setup/database.ts";

const fakeSlack = useFakeSlack();
const database = useTestDatabase();
const app = useTestApp(() => ({ db: database.current, slackApiUrl: fakeSlack.current.url }));
const slack = () =>
  createSlackRequester({ url: `${app.current.url}/slack/events`, signingSecret: SIGNING_SECRET });

const publishedFor = (user: string) =>
  fakeSlack.current.callsTo("views.publish").filter((c) => c.args.user_id === user);

describe("App Home", () => {
  it("shows my team's unclaimed leads when opened, and my lead after I claim it", async () => {
    const { deps } = app.current;
    const now = new Date();
    const { leadId } = await captureLead({
      db: database.current,
      input: leadRequestSchema.parse({
        email: "home1@acme.example",
        firstName: "Morgan <!channel>",
        country: "US",
        companySize: 100,
        activities: [{ type: "demo_request", occurredAt: now.toISOString() }],
      }),
      scoring: deps.playbook.current.scoring,
      accountMatching: false,
      actor: { type: "API" },
      now,
    });
    await handOffLead({
      db: database.current,
      playbook: deps.playbook.current,
      webhooks: deps.config.webhooks,
      leadId,
      now,
    });
    const { number } = await database.current.prisma.lead.findUniqueOrThrow({
      where: { id: leadId },
    });

    const ack = await slack().event({
      type: "app_home_opened",
      user: "U0REPPRIYA",
      channel: "D0REPPRIYA",
      tab: "home",
      event_ts: `${Date.now() / 1000}`,
    });
    expect(ack.status).toBe(200);
    const opened = await fakeSlack.current.waitFor(() => publishedFor("U0REPPRIYA")[0]);
    const home = JSON.stringify(opened.args.view);
    expect(home).toContain("Waiting for a claim in your team");
    expect(home).toContain(`L-${number}`);
    expect(home).toContain("You are available for new leads");
    expect(home).toContain("&lt;!channel&gt;");
    expect(home).not.toContain("<!channel>");

    await slack().interaction(
      buildButtonAction({
        actionId: ACTIONS.claim,
        value: leadId,
        userId: "U0REPPRIYA",
        surface: { on: "home" },
      }),
    );
    app.current.outbox.wake();
    const after = await fakeSlack.current.waitFor(() => {
      const latest = publishedFor("U0REPPRIYA").at(-1);
      const text = JSON.stringify(latest?.args.view);
      return text.includes("*:raised_hand: Yours* (1)") ? text : undefined;
    });
    expect(after).toContain("This week: 1 claimed");
    expect(after).toContain("lead_log_touch");
  });
});
