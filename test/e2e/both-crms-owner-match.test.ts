// Owner matching with both CRMs on (crm.hubspot.ownerMatching and crm.salesforce.ownerMatching):
// both are asked side by side, and the lead goes to the first owner, HubSpot's then
// Salesforce's, who is a Baton rep. A CRM that knows nothing of the lead defers to the other.
import { beforeAll, describe, expect, it } from "vitest";
import { PlaybookStore } from "#src/playbook/playbook-store.ts";
import { HUBSPOT_TOKEN, useFakeHubSpot } from "#test/fakes/fake-hubspot.ts";
import {
  SALESFORCE_CLIENT_ID,
  SALESFORCE_CLIENT_SECRET,
  SALESFORCE_ORG_ID,
  useFakeSalesforce,
} from "#test/fakes/fake-salesforce.ts";
import { useFakeSlack } from "#test/fakes/fake-slack.ts";
import { useTestApp } from "#test/setup/app.ts";
import { useTestDatabase } from "#test/setup/database.ts";
import { offeredLead, postDemoRequest } from "#test/setup/leads.ts";

/** Longer than any answer of the fakes, however loaded the machine. */
const GENEROUS_WAIT_MS = 30_000;
const SAM_SALESFORCE = "0055g00000SamAAAAA";

const fakeSlack = useFakeSlack();
const hubspot = useFakeHubSpot();
const salesforce = useFakeSalesforce();
const database = useTestDatabase();
let playbook: PlaybookStore;
beforeAll(async () => {
  const file = await PlaybookStore.open("manifests/playbook.yml");
  const both = structuredClone(file.current);
  both.crm.hubspot.ownerMatching = true;
  both.crm.hubspot.ownerMatchingWait = GENEROUS_WAIT_MS;
  both.crm.salesforce.ownerMatching = true;
  both.crm.salesforce.ownerMatchingWait = GENEROUS_WAIT_MS;
  playbook = PlaybookStore.of(both);
  // Priya owns records in HubSpot, Sam in Salesforce; both are Baton reps.
  hubspot.current.owners.push({ id: "7001", email: "u0reppriya@reps.example" });
  salesforce.current.users.push({
    Id: SAM_SALESFORCE,
    Email: "u0repsam01@reps.example",
    IsActive: true,
  });
});
const app = useTestApp(() => ({
  db: database.current,
  slackApiUrl: fakeSlack.current.url,
  playbook,
  env: {
    HUBSPOT_ACCESS_TOKEN: HUBSPOT_TOKEN,
    HUBSPOT_API_URL: hubspot.current.url,
    HUBSPOT_POLL_CRON: "0 0 1 1 *",
    SALESFORCE_ORGANIZATION_ID: SALESFORCE_ORG_ID,
    SALESFORCE_LOGIN_URL: salesforce.current.url,
    SALESFORCE_CLIENT_ID,
    SALESFORCE_CLIENT_SECRET,
    SALESFORCE_POLL_CRON: "0 0 1 1 *",
  },
}));

describe("owner matching with HubSpot and Salesforce both on", () => {
  it("offers the lead to its Salesforce owner when HubSpot has no owner for it", async () => {
    salesforce.current.addContact({
      Email: "cfo@only-in-salesforce.example",
      OwnerId: SAM_SALESFORCE,
    });
    const lead = await offeredLead(
      app.current,
      await postDemoRequest(app.current, "cfo@only-in-salesforce.example"),
    );
    expect(lead.offeredTo?.slackUserId).toBe("U0REPSAM01");
    expect(lead.events[0]?.reason).toContain("account owner in Salesforce: Sam owns the contact");
    // HubSpot was asked too, and knew nothing of the lead.
    expect(hubspot.current.requests.some((r) => r.path.includes("/contacts/search"))).toBe(true);
  });

  it("offers it to HubSpot's owner when both CRMs name a rep", async () => {
    hubspot.current.addContact({ email: "vp@in-both.example", hubspot_owner_id: "7001" });
    salesforce.current.addContact({ Email: "vp@in-both.example", OwnerId: SAM_SALESFORCE });
    const lead = await offeredLead(
      app.current,
      await postDemoRequest(app.current, "vp@in-both.example"),
    );
    expect(lead.offeredTo?.slackUserId).toBe("U0REPPRIYA");
    expect(lead.events[0]?.reason).toContain("account owner in HubSpot: Priya owns the contact");
  });
});
