// Leads entered from Slack itself, over signed requests against the fake Slack: the "Send to
// sales" message shortcut (a form prefilled from the message, its permalink on the lead),
// `/leads new` (the same form, empty), and the Workflow Builder step "Hand a lead to sales"
// (a function_executed event, completed or failed through functions.completeSuccess/Error).
// Each lead is captured as a referral and its card reaches the team the playbook routes it to.
import { describe, expect, it } from "vitest";
import { FUNCTIONS, SHORTCUTS, VIEWS } from "#src/slack/ids.ts";
import { useFakeSlack } from "#test/fakes/fake-slack.ts";
import { buildViewSubmission, createSlackRequester } from "#test/fakes/slack-requests.ts";
import { SIGNING_SECRET, useTestApp } from "#test/setup/app.ts";
import { useTestDatabase } from "#test/setup/database.ts";

const fakeSlack = useFakeSlack();
const database = useTestDatabase();
const app = useTestApp(() => ({ db: database.current, slackApiUrl: fakeSlack.current.url }));
const slack = () =>
  createSlackRequester({ url: `${app.current.url}/slack/events`, signingSecret: SIGNING_SECRET });

const TEAM = { id: "T0TEST0001", domain: "baton-test" };

/** A message_action payload as Slack sends it for a message shortcut. */
function messageShortcut(text: string, userId = "U0REPSAM01") {
  return {
    type: "message_action",
    token: "legacy-verification-token",
    action_ts: `${Date.now() / 1000}`,
    team: TEAM,
    user: {
      id: userId,
      name: userId.toLowerCase(),
      username: userId.toLowerCase(),
      team_id: TEAM.id,
    },
    channel: { id: "C0PARTNERS", name: "partners" },
    callback_id: SHORTCUTS.sendToSales,
    trigger_id: `${Date.now()}.trigger`,
    message_ts: "1795000123.000200",
    message: { type: "message", user: "U0PARTNER1", ts: "1795000123.000200", text },
    response_url: fakeSlack.current.responseUrl(),
  };
}

type FormValues = Record<string, string | undefined>;

function submission(values: FormValues, privateMetadata: string, userId = "U0REPSAM01") {
  const state: Record<string, Record<string, unknown>> = {};
  for (const [id, value] of Object.entries(values)) {
    state[id] = { [id]: { type: "plain_text_input", value: value ?? null } };
  }
  return buildViewSubmission({ callbackId: VIEWS.newLead, userId, privateMetadata, values: state });
}

type ModalInput = { block_id?: string; element?: { initial_value?: string } };

/** The modal the request opened: the first views.open after `before` calls. */
async function openedModal(before: number) {
  const call = await fakeSlack.current.waitFor(
    () => fakeSlack.current.callsTo("views.open")[before],
  );
  return call.args.view as { callback_id: string; private_metadata: string; blocks: ModalInput[] };
}

async function cardIn(channel: string, name: string) {
  app.current.outbox.wake();
  return fakeSlack.current.waitFor(() =>
    fakeSlack.current.visible(channel).find((m) => JSON.stringify(m.blocks).includes(name)),
  );
}

describe("Send to sales (message shortcut)", () => {
  it("opens the form prefilled from the message, and the lead reaches its team with the message linked", async () => {
    const text =
      "Intro from our partner: Dana Whitfield <mailto:dana@bigretail.example|dana@bigretail.example> at Big Retail runs 300 agents, wants to talk Q1. <!channel>";
    const before = fakeSlack.current.callsTo("views.open").length;
    const ack = await slack().interaction(messageShortcut(text));
    expect(ack.status).toBe(200);
    const view = await openedModal(before);
    expect(view.callback_id).toBe(VIEWS.newLead);
    const initial = Object.fromEntries(
      view.blocks.map((b) => [b.block_id, b.element?.initial_value]),
    );
    expect(initial).toMatchObject({
      lead_email: "dana@bigretail.example",
      lead_name: "Dana Whitfield",
      lead_company: "Big Retail",
    });

    const response = await slack().interaction(
      submission(
        {
          lead_email: "dana@bigretail.example",
          lead_name: "Dana Whitfield",
          lead_company: "Big Retail",
          lead_title: "VP Customer Care",
          lead_country: "United States",
          lead_size: "300",
          lead_note: "Call before Friday",
        },
        view.private_metadata,
      ),
    );
    expect(response.status).toBe(200);
    // North America, 50+ employees: the mid-market team's channel.
    const card = await cardIn("C0NAMIDMKT", "Dana Whitfield");
    const blocks = JSON.stringify(card.blocks);
    expect(blocks).toContain("Call before Friday");
    expect(blocks).toContain("User U0REPSAM01");
    expect(blocks).toContain("https://baton-test.slack.com/archives/C0PARTNERS/p1795000123000200");
    // The message's own words are escaped on the card: no @channel.
    expect(blocks).not.toContain("<!channel>");

    const lead = await database.current.prisma.lead.findUniqueOrThrow({
      where: { email: "dana@bigretail.example" },
      include: { activities: true, events: true },
    });
    expect(lead).toMatchObject({ country: "US", companySize: 300, source: "Slack" });
    expect(lead.activities).toEqual([
      expect.objectContaining({
        type: "contact_sales",
        url: "https://baton-test.slack.com/archives/C0PARTNERS/p1795000123000200",
        colleague: "User U0REPSAM01",
        colleagueNote: "Call before Friday",
      }),
    ]);
    expect(lead.events.map((e) => [e.type, e.actorType, e.actorId])).toContainEqual([
      "captured",
      "REP",
      "U0REPSAM01",
    ]);
    // The sender is told, where they used the shortcut.
    const told = await fakeSlack.current.waitFor(() =>
      fakeSlack.current
        .callsTo("chat.postEphemeral")
        .find((c) => String(c.args.text).includes("is with sales now")),
    );
    expect(told.args).toMatchObject({ channel: "C0PARTNERS", user: "U0REPSAM01" });
  });

  it("keeps the form open with an error for a bad email or size, and writes nothing", async () => {
    const before = await database.current.prisma.lead.count();
    const response = await slack().interaction(
      submission({ lead_email: "not an email", lead_size: "lots" }, "{}"),
    );
    expect(response.json).toEqual({
      response_action: "errors",
      errors: {
        lead_email: "Enter an email address like ana@acme.com.",
        lead_size: "A whole number of employees, like 250.",
      },
    });
    expect(await database.current.prisma.lead.count()).toBe(before);
  });
});

describe("/leads new", () => {
  it("opens the same form, empty, and the lead goes to the default team", async () => {
    const before = fakeSlack.current.callsTo("views.open").length;
    const ack = await slack().slashCommand({
      text: "new",
      user_id: "U0REPSAM01",
      channel_id: "C0INB00001",
      response_url: fakeSlack.current.responseUrl(),
    });
    expect(ack.status).toBe(200);
    const view = await openedModal(before);
    expect(view.callback_id).toBe(VIEWS.newLead);
    expect(view.blocks.every((b) => b.element?.initial_value === undefined)).toBe(true);

    await slack().interaction(
      submission(
        { lead_email: "sam@smallshop.example", lead_name: "Sam Ito", lead_note: "Met at dinner" },
        view.private_metadata,
      ),
    );
    const card = await cardIn("C0INBOUND1", "Sam Ito");
    expect(JSON.stringify(card.blocks)).toContain("Met at dinner");
  });
});

describe("Workflow Builder step: Hand a lead to sales", () => {
  function functionExecuted(inputs: Record<string, unknown>, executionId: string) {
    return {
      type: "function_executed",
      function: {
        id: "Fn0BATON001",
        callback_id: FUNCTIONS.handToSales,
        title: "Hand a lead to sales",
        description: "",
        type: "app",
        input_parameters: [],
        output_parameters: [],
        app_id: "A0BATON001",
        date_created: 1_795_000_000,
        date_updated: 1_795_000_000,
        date_deleted: 0,
      },
      inputs,
      function_execution_id: executionId,
      workflow_execution_id: `Wx${executionId}`,
      event_ts: `${Date.now() / 1000}`,
      bot_access_token: "xwfp-function-token",
    };
  }

  it("captures the lead, routes it and completes the step with its number", async () => {
    const ack = await slack().event(
      functionExecuted(
        {
          email: "kai@fastgrowth.example",
          name: "Kai Larsen",
          company: "Fast Growth",
          country: "CA",
          company_size: "120",
          note: "Filled the partner form",
          submitted_by: "U0REPSAM01",
        },
        "Fx0001",
      ),
    );
    expect(ack.status).toBe(200);
    const done = await fakeSlack.current.waitFor(() =>
      fakeSlack.current
        .callsTo("functions.completeSuccess")
        .find((c) => c.args.function_execution_id === "Fx0001"),
    );
    const lead = await database.current.prisma.lead.findUniqueOrThrow({
      where: { email: "kai@fastgrowth.example" },
    });
    expect(done.args.outputs).toEqual({ lead_number: `L-${lead.number}`, handed_to_sales: true });
    expect(done.token).toBe("xwfp-function-token");
    const card = await cardIn("C0NAMIDMKT", "Kai Larsen");
    expect(JSON.stringify(card.blocks)).toContain("Filled the partner form");
  });

  it("fails the step with the reason when the email is not one", async () => {
    await slack().event(functionExecuted({ email: "kai at fastgrowth" }, "Fx0002"));
    const failed = await fakeSlack.current.waitFor(() =>
      fakeSlack.current
        .callsTo("functions.completeError")
        .find((c) => c.args.function_execution_id === "Fx0002"),
    );
    expect(failed.args.error).toBe(
      "The lead's email must be an email address like ana@example.com.",
    );
    expect(
      fakeSlack.current
        .callsTo("functions.completeSuccess")
        .some((c) => c.args.function_execution_id === "Fx0002"),
    ).toBe(false);
  });
});
