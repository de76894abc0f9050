// Owner matching before routing, and conversions polled from Salesforce, through the running
// app and the real jsforce against the fake Salesforce. Owner matching
// (crm.salesforce.ownerMatching): a lead whose Contact, Contact's Account, Lead or Account (by
// the Website's domain) is owned in Salesforce by a Baton rep is offered to that rep first, and
// says so ("account owner in Salesforce"); a Lead in a queue, or a Salesforce that refuses Baton,
// leaves routing to the rules. The poll (SALESFORCE_POLL_CRON): Leads converted and
// opportunities created for a Contact since the last poll convert their leads with the amount,
// which the stats count, once per run across replicas.
import { beforeAll, describe, expect, it } from "vitest";
import { CrmPollScheduler } from "#src/jobs/crm-poll-scheduler.ts";
import { PlaybookStore } from "#src/playbook/playbook-store.ts";
import { digestSummary } from "#src/read-models/lead-metrics.ts";
import {
  outboundMessage,
  SALESFORCE_CLIENT_ID,
  SALESFORCE_CLIENT_SECRET,
  SALESFORCE_ORG_ID,
  sendOutboundMessage,
  useFakeSalesforce,
} from "#test/fakes/fake-salesforce.ts";
import { useFakeSlack } from "#test/fakes/fake-slack.ts";
import { startTestApp, useTestApp } from "#test/setup/app.ts";
import { useTestDatabase } from "#test/setup/database.ts";
import { eventually } from "#test/setup/eventually.ts";
import { offeredLead, postDemoRequest } from "#test/setup/leads.ts";

/** Longer than any answer of the fake Salesforce, however loaded the machine. */
const GENEROUS_WAIT_MS = 30_000;
const PRIYA_USER = "0055g00000PriyaAAA";
const OLGA_USER = "0055g00000OlgaAAAA";

const fakeSlack = useFakeSlack();
const salesforce = useFakeSalesforce();
const database = useTestDatabase();
const logLines: string[] = [];
let playbook: PlaybookStore;
beforeAll(async () => {
  const file = await PlaybookStore.open("manifests/playbook.yml");
  const matching = structuredClone(file.current);
  matching.crm.salesforce.ownerMatching = true;
  matching.crm.salesforce.ownerMatchingWait = GENEROUS_WAIT_MS;
  playbook = PlaybookStore.of(matching);
  // Priya is a Baton rep (fake Slack finds her by this email); Olga is a Salesforce user only.
  salesforce.current.users.push(
    { Id: PRIYA_USER, Email: "u0reppriya@reps.example", IsActive: true },
    { Id: OLGA_USER, Email: "olga@elsewhere.example", IsActive: true },
  );
});
const app = useTestApp(() => ({
  db: database.current,
  slackApiUrl: fakeSlack.current.url,
  playbook,
  logLines,
  env: {
    SALESFORCE_ORGANIZATION_ID: SALESFORCE_ORG_ID,
    SALESFORCE_LOGIN_URL: salesforce.current.url,
    SALESFORCE_CLIENT_ID,
    SALESFORCE_CLIENT_SECRET,
    // Never due while the tests run: they poll when they choose.
    SALESFORCE_POLL_CRON: "0 0 1 1 *",
  },
}));

const until = <T>(
  read: () => T | null | undefined | false | Promise<T | null | undefined | false>,
) => eventually(read, { wake: () => app.current.outbox.wake() });

describe("owner matching before routing", () => {
  it("offers a lead to the owner of its Contact, also after its session expired", async () => {
    salesforce.current.addContact({ Email: "cto@contact-owned.example", OwnerId: PRIYA_USER });
    const lead = await offeredLead(
      app.current,
      await postDemoRequest(app.current, "cto@contact-owned.example"),
    );
    expect(lead.offeredTo?.slackUserId).toBe("U0REPPRIYA");
    expect(lead.events[0]?.reason).toContain("account owner in Salesforce: Priya owns the contact");

    // The session jsforce holds is refused (401 INVALID_SESSION_ID): it signs in again.
    salesforce.current.addContact({ Email: "cmo@contact-owned.example", OwnerId: PRIYA_USER });
    salesforce.current.expireSessions();
    const again = await offeredLead(
      app.current,
      await postDemoRequest(app.current, "cmo@contact-owned.example"),
    );
    expect(again.offeredTo?.slackUserId).toBe("U0REPPRIYA");
    expect(
      salesforce.current.requests.some(
        (r) => r.status === 401 && r.query.get("q")?.includes("cmo@contact-owned.example"),
      ),
    ).toBe(true);
  });

  it("offers it to the owner of the Account whose Website is on the email's domain", async () => {
    salesforce.current.addAccount({ Website: "notaccount-owned.example", OwnerId: OLGA_USER });
    salesforce.current.addAccount({
      Website: "https://www.account-owned.example/en",
      OwnerId: PRIYA_USER,
    });
    const leadId = await postDemoRequest(app.current, "buyer@account-owned.example");
    const lead = await offeredLead(app.current, leadId);
    expect(lead.offeredTo?.slackUserId).toBe("U0REPPRIYA");
    expect(lead.events[0]?.reason).toContain(
      "account owner in Salesforce: Priya owns account-owned.example",
    );
  });

  it("offers it to the owner of its Contact's Account before the Contact's owner", async () => {
    const account = salesforce.current.addAccount({
      Website: "contact-account.example",
      OwnerId: PRIYA_USER,
    });
    salesforce.current.addContact({
      Email: "ops@contact-account.example",
      OwnerId: OLGA_USER,
      AccountId: account,
    });
    const lead = await offeredLead(
      app.current,
      await postDemoRequest(app.current, "ops@contact-account.example"),
    );
    expect(lead.offeredTo?.slackUserId).toBe("U0REPPRIYA");
    expect(lead.events[0]?.reason).toContain(
      "account owner in Salesforce: Priya owns contact-account.example",
    );
  });

  it("routes by the rules when the Salesforce owner is not a Baton rep", async () => {
    salesforce.current.addContact({ Email: "cio@olga-owned.example", OwnerId: OLGA_USER });
    const lead = await offeredLead(
      app.current,
      await postDemoRequest(app.current, "cio@olga-owned.example"),
    );
    expect(lead.offeredTo).toBeNull();
    expect(lead.events[0]?.reason).not.toContain("Salesforce");
  });

  it("offers it to a Lead's owner when a User owns it, and not when a queue does", async () => {
    salesforce.current.addLead({ Email: "vp@lead-owned.example", OwnerId: PRIYA_USER });
    const owned = await offeredLead(
      app.current,
      await postDemoRequest(app.current, "vp@lead-owned.example"),
    );
    expect(owned.offeredTo?.slackUserId).toBe("U0REPPRIYA");
    expect(owned.events[0]?.reason).toContain("account owner in Salesforce: Priya owns the lead");

    salesforce.current.addLead({ Email: "vp@queued.example", OwnerId: "00G5g000000QueueAAA" });
    const queued = await offeredLead(
      app.current,
      await postDemoRequest(app.current, "vp@queued.example"),
    );
    expect(queued.offeredTo).toBeNull();
    expect(queued.events[0]?.reason).not.toContain("Salesforce");
  });
});

describe("the conversion poll", () => {
  const conversions = () =>
    app.current.deps.crm!.providers.find((p) => p.key === "salesforce")!.conversions!;
  /** A poll as the scheduler runs it, without the once-per-interval gap (each test polls). */
  const poller = () =>
    new CrmPollScheduler(app.current.deps, {
      key: "salesforce",
      poller: conversions(),
      cron: "0 0 1 1 *",
      minGapMs: 0,
    });
  const converted = async () =>
    (
      await digestSummary(database.current, {
        from: new Date(Date.now() - 86_400_000),
        to: new Date(Date.now() + 60_000),
      })
    ).converted;

  it("converts the lead of a Lead converted in Salesforce, with its opportunity's amount", async () => {
    const id = salesforce.current.addLead({ Email: "polled@proseware.example" });
    const sent = await sendOutboundMessage(
      `${app.current.url}/api/v1/crm/salesforce/outbound`,
      outboundMessage([
        {
          id: "04l5g0000000901AAA",
          fields: {
            Id: id,
            Email: "polled@proseware.example",
            Company: "Proseware",
            Country: "US",
            NumberOfEmployees: 250,
            // A hand-raise: the lead is qualified and handed to sales (the stats' cohort).
            LeadSource: "Contact sales",
            CreatedDate: new Date().toISOString(),
          },
        },
      ]),
    );
    expect(sent.status).toBe(200);
    await until(() =>
      database.current.prisma.lead.findFirst({
        where: { email: "polled@proseware.example", qualifiedAt: { not: null } },
      }),
    );
    const before = await converted();
    const opportunity = salesforce.current.convertLead(id, 990.5);

    const result = await poller().poll();
    expect(result?.found).toBeGreaterThanOrEqual(1);
    const lead = await database.current.prisma.lead.findUniqueOrThrow({
      where: { email: "polled@proseware.example" },
    });
    expect(lead).toMatchObject({
      status: "CONVERTED",
      opportunityId: opportunity,
      dispositionReason: "converted in Salesforce",
    });
    expect(lead.opportunityAmount?.toString()).toBe("990.5");
    expect(await converted()).toBe(before + 1);
    // Seen again by the next poll (the overlap), converted once.
    expect((await poller().poll())?.found).toBe(0);
  });

  it("converts the lead of a Contact an opportunity was created for, and the stats count it", async () => {
    const leadId = await postDemoRequest(app.current, "champion@polled.example");
    await offeredLead(app.current, leadId);
    const before = await converted();
    const contact = salesforce.current.addContact({ Email: "champion@polled.example" });
    const opportunity = salesforce.current.addOpportunityFor(contact, 42_000);

    await poller().poll();
    const lead = await until(() =>
      database.current.prisma.lead.findFirst({ where: { id: leadId, status: "CONVERTED" } }),
    );
    expect(lead).toMatchObject({ opportunityId: opportunity });
    expect(lead.opportunityAmount?.toString()).toBe("42000");
    expect(await converted()).toBe(before + 1);
    const query = salesforce.current.requests.find((r) =>
      r.query.get("q")?.includes("FROM OpportunityContactRole"),
    );
    expect(query?.query.get("q")).toMatch(/WHERE CreatedDate >= \d{4}-\d\d-\d\dT[\d:]+Z /);
  });

  it("runs once per interval across replicas, and keeps its watermark", async () => {
    const replica = () =>
      new CrmPollScheduler(app.current.deps, {
        key: "salesforce",
        poller: conversions(),
        cron: "0 0 1 1 *",
      });
    const [a, b] = [replica(), replica()];
    await database.current.prisma.jobLease.updateMany({
      where: { name: "crm-poll:salesforce" },
      data: { lastRunAt: null },
    });
    const runs = await Promise.all([a.poll(), b.poll()]);
    expect(runs.filter((r) => r !== undefined)).toHaveLength(1);
    expect(await b.poll()).toBeUndefined();
    const lease = await database.current.prisma.jobLease.findUniqueOrThrow({
      where: { name: "crm-poll:salesforce" },
    });
    expect(lease.leaseUntil).toBeNull();
    expect(new Date(lease.lastPeriod!).getTime()).toBeLessThanOrEqual(Date.now());
  });
});

describe("starting with Salesforce owner matching or poll on", () => {
  it("refuses without the connected app's credentials, naming them and the fix", async () => {
    await expect(
      startTestApp({ db: database.current, slackApiUrl: fakeSlack.current.url, playbook }),
    ).rejects.toThrow(/crm\.salesforce\.ownerMatching: true.*SALESFORCE_CLIENT_ID is not set/);
    await expect(
      startTestApp({
        db: database.current,
        slackApiUrl: fakeSlack.current.url,
        env: { SALESFORCE_POLL_CRON: "*/15 * * * *" },
      }),
    ).rejects.toThrow(/SALESFORCE_POLL_CRON is set, but SALESFORCE_CLIENT_ID is not/);
  });
});

// Last: after a refused sign-in, jsforce waits before it signs in again (salesforce-api.ts).
describe("when Salesforce refuses Baton's credentials", () => {
  const salesforcePoller = () =>
    new CrmPollScheduler(app.current.deps, {
      key: "salesforce",
      poller: app.current.deps.crm!.providers.find((p) => p.key === "salesforce")!.conversions!,
      cron: "0 0 1 1 *",
      minGapMs: 0,
    });

  it("routes by the rules when Salesforce refuses Baton, and logs it without the lead's email", async () => {
    salesforce.current.addContact({ Email: "cfo@refused.example", OwnerId: PRIYA_USER });
    salesforce.current.refuseCredentials(true);
    salesforce.current.expireSessions();
    try {
      const lead = await offeredLead(
        app.current,
        await postDemoRequest(app.current, "cfo@refused.example"),
      );
      expect(lead.offeredTo).toBeNull();
      expect(lead.events[0]?.reason).not.toContain("Salesforce");
    } finally {
      salesforce.current.refuseCredentials(false);
    }
    const logged = logLines.filter((l) => l.includes("Salesforce could not say who owns the lead"));
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.join("\n")).not.toMatch(/refused\.example|cfo@/);
  });

  it("keeps its watermark when Salesforce refuses Baton, and counts the failure", async () => {
    const lease = () =>
      database.current.prisma.jobLease.findUniqueOrThrow({
        where: { name: "crm-poll:salesforce" },
      });
    const { lastPeriod } = await lease();
    salesforce.current.refuseCredentials(true);
    salesforce.current.expireSessions();
    try {
      expect(await salesforcePoller().poll()).toBeUndefined();
    } finally {
      salesforce.current.refuseCredentials(false);
    }
    expect((await lease()).lastPeriod).toBe(lastPeriod);
    const metrics = await (await fetch(`${app.current.url}/metrics`)).text();
    expect(metrics).toMatch(
      /baton_crm_requests_total\{crm="salesforce",operation="poll_converted_leads",outcome="unauthorized"[^}]*\} [1-9]/,
    );
  });
});
