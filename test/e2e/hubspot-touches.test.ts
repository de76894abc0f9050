// Touches out to HubSpot, through the running app: a touch logged in Slack becomes a note (or a
// call, for a call) on the contact's timeline at the fake HubSpot, owned by the rep's HubSpot
// user, with the rep's note; a delivery retried after HubSpot acted without Baton hearing back
// adopts what HubSpot made instead of making a second one; a delivered touch is never sent twice.
import { beforeAll, describe, expect, it } from "vitest";
import { PlaybookStore } from "#src/playbook/playbook-store.ts";
import { ACTIONS, VIEWS } from "#src/slack/ids.ts";
import {
  HUBSPOT_CLIENT_SECRET,
  HUBSPOT_TOKEN,
  sendSignedToBaton,
  useFakeHubSpot,
} from "#test/fakes/fake-hubspot.ts";
import { useFakeSlack } from "#test/fakes/fake-slack.ts";
import {
  buildButtonAction,
  buildViewSubmission,
  createSlackRequester,
} from "#test/fakes/slack-requests.ts";
import { SIGNING_SECRET, useTestApp } from "#test/setup/app.ts";
import { useTestDatabase } from "#test/setup/database.ts";
import { eventually } from "#test/setup/eventually.ts";

const fakeSlack = useFakeSlack();
const hubspot = useFakeHubSpot();
const database = useTestDatabase();
let playbook: PlaybookStore;
beforeAll(async () => {
  const file = await PlaybookStore.open("manifests/playbook.yml");
  const synced = structuredClone(file.current);
  synced.crm.hubspot.sync = true;
  playbook = PlaybookStore.of(synced);
  hubspot.current.owners.push({ id: "7001", email: "u0reppriya@reps.example" });
});
const app = useTestApp(() => ({
  db: database.current,
  slackApiUrl: fakeSlack.current.url,
  playbook,
  env: {
    HUBSPOT_ACCESS_TOKEN: HUBSPOT_TOKEN,
    HUBSPOT_CLIENT_SECRET,
    HUBSPOT_API_URL: hubspot.current.url,
  },
}));

const until = <T>(
  read: () => T | null | undefined | false | Promise<T | null | undefined | false>,
) => eventually(read, { wake: () => app.current.outbox.wake() });

const slack = () =>
  createSlackRequester({ url: `${app.current.url}/slack/events`, signingSecret: SIGNING_SECRET });

/** A HubSpot contact sent by a workflow, claimed by Priya in Slack. */
async function claimedContact(name: string) {
  const email = `${name}@${name}-corp.example`;
  const contactId = hubspot.current.addContact({ email, firstname: name });
  const sent = await sendSignedToBaton(`${app.current.url}/api/v1/crm/hubspot/workflow`, {
    objectId: Number(contactId),
    properties: {
      email,
      firstname: name,
      country: "US",
      numemployees: "250",
      recent_conversion_event_name: "Contact sales",
      recent_conversion_date: String(Date.now()),
    },
  });
  expect(sent.status).toBe(201);
  const leadId = (sent.body as { lead: { id: string } }).lead.id;
  await until(() =>
    fakeSlack.current.visible("C0NAMIDMKT").some((m) => JSON.stringify(m.blocks).includes(leadId)),
  );
  await slack().interaction(
    buildButtonAction({ actionId: ACTIONS.claim, value: leadId, userId: "U0REPPRIYA" }),
  );
  await until(() => hubspot.current.contact(contactId)?.properties.hubspot_owner_id === "7001");
  return { contactId, leadId };
}

async function logTouch(leadId: string, kind: string, note: string) {
  const answer = await slack().interaction(
    buildViewSubmission({
      callbackId: VIEWS.logTouch,
      userId: "U0REPPRIYA",
      privateMetadata: JSON.stringify({ leadId, channelId: "C0NAMIDMKT" }),
      values: {
        kind: {
          kind_select: {
            type: "static_select",
            selected_option: { value: kind, text: { type: "plain_text", text: kind } },
          },
        },
        note: { note_input: { type: "plain_text_input", value: note } },
      },
    }),
  );
  expect(answer.status).toBe(200);
}

const engagementsOf = (contactId: string) =>
  [...hubspot.current.engagements.values()].filter((e) =>
    e.associations.contacts?.includes(contactId),
  );

describe("a touch logged in Slack", () => {
  it("becomes a note on the contact, owned by the rep, with the rep's note escaped", async () => {
    const { contactId, leadId } = await claimedContact("noted");
    await logTouch(leadId, "email", "Sent the <b>pricing</b> deck & a case study");
    const [note] = await until(() => {
      const found = engagementsOf(contactId);
      return found.length > 0 ? found : undefined;
    });
    expect(note!.type).toBe("notes");
    expect(note!.properties).toMatchObject({
      hubspot_owner_id: "7001",
      hs_note_body:
        "Email logged in Slack by Priya: Sent the &lt;b&gt;pricing&lt;/b&gt; deck &amp; a case study",
    });
    const event = await database.current.prisma.leadEvent.findFirstOrThrow({
      where: { leadId, type: "touch_logged" },
    });
    expect(new Date(note!.properties.hs_timestamp!).getTime()).toBe(event.createdAt.getTime());
    const create = hubspot.current.requests.find(
      (r) => r.path === "/crm/v3/objects/notes" && r.method === "POST",
    );
    expect(create?.body).toMatchObject({
      associations: [
        {
          to: { id: contactId },
          types: [{ associationCategory: "HUBSPOT_DEFINED", associationTypeId: 202 }],
        },
      ],
    });
  });

  it("becomes a completed call engagement when the rep logs a call", async () => {
    const { contactId, leadId } = await claimedContact("called");
    await logTouch(leadId, "call", "Left a voicemail");
    const [call] = await until(() => {
      const found = engagementsOf(contactId);
      return found.length > 0 ? found : undefined;
    });
    expect(call!.type).toBe("calls");
    expect(call!.properties).toMatchObject({
      hubspot_owner_id: "7001",
      hs_call_body: "Call logged in Slack by Priya: Left a voicemail",
      hs_call_title: "Call logged in Slack",
      hs_call_status: "COMPLETED",
    });
  });

  it("is created once when HubSpot acted but its answer was lost: the retry adopts it", async () => {
    const { contactId, leadId } = await claimedContact("dropped");
    hubspot.current.dropNextResponse("/crm/v3/objects/notes");
    await logTouch(leadId, "meeting", "Demo booked for Tuesday");
    const record = await until(() =>
      database.current.prisma.crmRecord.findFirst({
        where: { key: { startsWith: `hubspot:touch:${leadId}:` } },
      }),
    );
    const notes = engagementsOf(contactId);
    expect(notes).toHaveLength(1);
    expect(record.objectId).toBe(notes[0]!.id);
    // The retry searched the contact's notes at the touch's time before creating anything.
    const searches = hubspot.current.requests.filter(
      (r) => r.path === "/crm/v3/objects/notes/search",
    );
    expect(searches.length).toBeGreaterThan(0);
    const creates = hubspot.current.requests.filter(
      (r) =>
        r.path === "/crm/v3/objects/notes" &&
        JSON.stringify(r.body).includes(`"id":"${contactId}"`),
    );
    expect(creates).toHaveLength(1);
  });

  it("is not sent again when its delivery runs a second time", async () => {
    const { contactId, leadId } = await claimedContact("twice");
    await logTouch(leadId, "linkedin", "Connected");
    await until(() => engagementsOf(contactId).length === 1);
    await until(() =>
      database.current.prisma.outboxMessage.findFirst({
        where: {
          kind: "hubspot.engagement",
          status: "DONE",
          payload: { path: ["leadId"], equals: leadId },
        },
      }),
    );
    // As a replica that crashed before marking it done would: deliver it again.
    await database.current.prisma.outboxMessage.updateMany({
      where: { kind: "hubspot.engagement", payload: { path: ["leadId"], equals: leadId } },
      data: { status: "PENDING", availableAt: new Date(0) },
    });
    await until(() =>
      database.current.prisma.outboxMessage.findFirst({
        where: {
          kind: "hubspot.engagement",
          status: "DONE",
          attempts: { gte: 2 },
          payload: { path: ["leadId"], equals: leadId },
        },
      }),
    );
    expect(engagementsOf(contactId)).toHaveLength(1);
  });
});
