// Owner matching before routing, and conversions polled from HubSpot, through the running app
// against the fake HubSpot. Owner matching (crm.hubspot.ownerMatching): a lead whose contact
// (or company, by domain) is owned in HubSpot by a Baton rep is offered to that rep first, and
// says so ("account owner in HubSpot"); a HubSpot that fails leaves routing to the rules and
// is logged without the lead's email. The poll (HUBSPOT_POLL_CRON): a contact that reached a
// conversion stage and a deal created since the last poll convert their leads, once per run
// across replicas, from a stored watermark.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runRoute } from "#src/cli/route-command.ts";
import { CrmPollScheduler } from "#src/jobs/crm-poll-scheduler.ts";
import { PlaybookStore } from "#src/playbook/playbook-store.ts";
import { explainRoute } from "#src/services/explain-route.ts";
import { HUBSPOT_TOKEN, useFakeHubSpot } from "#test/fakes/fake-hubspot.ts";
import { useFakeSlack } from "#test/fakes/fake-slack.ts";
import { startTestApp, useTestApp } from "#test/setup/app.ts";
import { useTestDatabase } from "#test/setup/database.ts";
import { eventually } from "#test/setup/eventually.ts";
import { offeredLead, postDemoRequest } from "#test/setup/leads.ts";

/** Longer than any answer of the fake HubSpot, however loaded the machine. */
const GENEROUS_WAIT_MS = 30_000;

const fakeSlack = useFakeSlack();
const hubspot = useFakeHubSpot();
const database = useTestDatabase();
const logLines: string[] = [];
let playbook: PlaybookStore;
beforeAll(async () => {
  const file = await PlaybookStore.open("manifests/playbook.yml");
  const matching = structuredClone(file.current);
  matching.crm.hubspot.ownerMatching = true;
  // Routing waits this long for HubSpot here: these tests prove who gets the lead, not how
  // fast a loaded machine answers (the time limit has its own test, below, with its own wait).
  matching.crm.hubspot.ownerMatchingWait = GENEROUS_WAIT_MS;
  playbook = PlaybookStore.of(matching);
  // Priya is a Baton rep (fake Slack finds her by this email); Olga is a HubSpot user only.
  hubspot.current.owners.push(
    { id: "7001", email: "u0reppriya@reps.example" },
    { id: "7002", email: "olga@elsewhere.example" },
  );
});
const app = useTestApp(() => ({
  db: database.current,
  slackApiUrl: fakeSlack.current.url,
  playbook,
  logLines,
  env: {
    HUBSPOT_ACCESS_TOKEN: HUBSPOT_TOKEN,
    HUBSPOT_API_URL: hubspot.current.url,
    // Never due while the tests run: they poll when they choose.
    HUBSPOT_POLL_CRON: "0 0 1 1 *",
  },
}));

const until = <T>(
  read: () => T | null | undefined | false | Promise<T | null | undefined | false>,
) => eventually(read, { wake: () => app.current.outbox.wake() });

describe("owner matching before routing", () => {
  it("offers the lead to the rep who owns its contact in HubSpot, and says why", async () => {
    hubspot.current.addContact({ email: "cto@contact-owned.example", hubspot_owner_id: "7001" });
    const leadId = await postDemoRequest(app.current, "cto@contact-owned.example");
    const lead = await offeredLead(app.current, leadId);
    expect(lead.offeredTo?.slackUserId).toBe("U0REPPRIYA");
    expect(lead.events[0]?.reason).toContain("account owner in HubSpot: Priya owns the contact");
    const dm = await until(() =>
      fakeSlack.current
        .callsTo("chat.postMessage")
        .find(
          (c) =>
            (c.args.channel === "U0REPPRIYA" || c.args.channel === "D0REPPRIYA") &&
            JSON.stringify(c.args.blocks).includes(leadId),
        ),
    );
    expect(JSON.stringify(dm.args.blocks)).toContain("account owner in HubSpot");
  });

  it("offers it to the owner of its company, found by the email's domain", async () => {
    hubspot.current.addCompany({ domain: "company-owned.example", hubspot_owner_id: "7001" });
    const leadId = await postDemoRequest(app.current, "buyer@company-owned.example");
    const lead = await offeredLead(app.current, leadId);
    expect(lead.offeredTo?.slackUserId).toBe("U0REPPRIYA");
    expect(lead.events[0]?.reason).toContain(
      "account owner in HubSpot: Priya owns company-owned.example",
    );
  });

  it("routes by the rules when the HubSpot owner is not a Baton rep", async () => {
    hubspot.current.addContact({ email: "ops@not-a-rep.example", hubspot_owner_id: "7002" });
    const leadId = await postDemoRequest(app.current, "ops@not-a-rep.example");
    const lead = await offeredLead(app.current, leadId);
    expect(lead.offeredTo).toBeNull();
    expect(lead.events[0]?.reason).not.toContain("HubSpot");
  });

  it("routes by the rules when HubSpot fails, and logs it without the lead's email", async () => {
    hubspot.current.failAll = 502;
    try {
      const leadId = await postDemoRequest(app.current, "someone@hubspot-down.example");
      const lead = await offeredLead(app.current, leadId);
      expect(lead.offeredTo).toBeNull();
      expect(lead.events[0]?.reason).not.toContain("HubSpot");
    } finally {
      hubspot.current.failAll = undefined;
    }
    const logged = logLines.filter((l) => l.includes("could not say who owns the lead"));
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.join("\n")).not.toMatch(/hubspot-down\.example|someone@/);
  });

  it("does not wait for a slow HubSpot: past the time limit the rules route the lead", async () => {
    hubspot.current.addContact({ email: "cfo@slow-hubspot.example", hubspot_owner_id: "7001" });
    // crm.hubspot.ownerMatchingWait: "1s", and HubSpot answers after 3 s.
    playbook.current.crm.hubspot.ownerMatchingWait = 1_000;
    hubspot.current.delayMs = 3_000;
    try {
      const leadId = await postDemoRequest(app.current, "cfo@slow-hubspot.example");
      const lead = await offeredLead(app.current, leadId);
      expect(lead.offeredTo).toBeNull();
    } finally {
      hubspot.current.delayMs = undefined;
      playbook.current.crm.hubspot.ownerMatchingWait = GENEROUS_WAIT_MS;
    }
    expect(logLines.some((l) => l.includes("did not say who owns the lead within 1000 ms"))).toBe(
      true,
    );
  });

  it("explains the route the same way (`baton route`, /leads route)", async () => {
    hubspot.current.addContact({ email: "vp@explained.example", hubspot_owner_id: "7001" });
    const matcher = app.current.deps.crm!.ownerMatchers.get("hubspot")!;
    const explanation = await explainRoute({
      db: database.current,
      playbook: playbook.current,
      now: new Date(),
      query: { kind: "new", lead: { email: "vp@explained.example", country: "US" } },
      crmOwner: (lead) => matcher.match(database.current, lead, GENEROUS_WAIT_MS),
    });
    expect(explanation.decision.summary).toBe("account owner in HubSpot: Priya owns the contact");
  });

  it("`baton route` asks HubSpot too, with the configured token, and says so", async () => {
    hubspot.current.addContact({ email: "cli@explained.example", hubspot_owner_id: "7001" });
    const folder = mkdtempSync(join(tmpdir(), "baton-crm-route-"));
    try {
      const file = join(folder, "lead.json");
      writeFileSync(file, JSON.stringify({ email: "cli@explained.example", country: "US" }));
      let out = "";
      let err = "";
      const code = await runRoute(
        [file],
        {
          stdout: { write: (t: string) => (out += t) },
          stderr: { write: (t: string) => (err += t) },
          env: {
            HUBSPOT_ACCESS_TOKEN: HUBSPOT_TOKEN,
            HUBSPOT_API_URL: hubspot.current.url,
            SLACK_BOT_TOKEN: "xoxb-0000000000-0000000000000-aaaaaaaaaaaaaaaaaaaaaaaa",
            SLACK_API_URL: fakeSlack.current.url,
          },
        },
        { db: database.current, playbook: playbook.current, now: new Date() },
      );
      expect(err).toBe("");
      expect(code).toBe(0);
      expect(out).toContain("account owner in HubSpot: Priya owns the contact");
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe("the conversion poll", () => {
  /** A poll as the scheduler runs it, without the once-per-interval gap (each test polls). */
  const poller = () =>
    new CrmPollScheduler(app.current.deps, {
      key: "hubspot",
      poller: app.current.deps.crm!.providers[0]!.conversions!,
      cron: "0 0 1 1 *",
      minGapMs: 0,
    });

  it("converts the lead of a contact whose lifecycle stage became opportunity", async () => {
    const contactId = hubspot.current.addContact({ email: "stage@polled.example" });
    const leadId = await postDemoRequest(app.current, "stage@polled.example");
    await offeredLead(app.current, leadId);
    hubspot.current.edit(contactId, { lifecyclestage: "opportunity" });
    const result = await poller().poll();
    expect(result?.found).toBeGreaterThanOrEqual(1);
    const lead = await database.current.prisma.lead.findUniqueOrThrow({ where: { id: leadId } });
    expect(lead).toMatchObject({ status: "CONVERTED", dispositionReason: "converted in HubSpot" });
    const search = hubspot.current.requests.find(
      (r) =>
        r.path === "/crm/v3/objects/contacts/search" &&
        JSON.stringify(r.body).includes("lifecyclestage"),
    );
    expect(search?.body).toMatchObject({
      filterGroups: [
        {
          filters: [
            { propertyName: "lastmodifieddate", operator: "GTE" },
            { propertyName: "lifecyclestage", operator: "IN", values: ["opportunity", "customer"] },
          ],
        },
      ],
      sorts: ["lastmodifieddate"],
    });
  });

  it("converts the leads of a deal created since the last poll, with its amount", async () => {
    const contactId = hubspot.current.addContact({ email: "deal@polled.example" });
    const leadId = await postDemoRequest(app.current, "deal@polled.example");
    await offeredLead(app.current, leadId);
    hubspot.current.addDeal({ amount: "12500", dealname: "Polled deal" }, [contactId]);
    await poller().poll();
    const lead = await until(() =>
      database.current.prisma.lead.findFirst({ where: { id: leadId, status: "CONVERTED" } }),
    );
    expect(lead.opportunityAmount?.toString()).toBe("12500");
  });

  it("pages through more changes than one search page holds", async () => {
    const leads: string[] = [];
    for (let i = 0; i < 3; i++) {
      const email = `paged${i}@polled.example`;
      const id = hubspot.current.addContact({ email });
      leads.push(await postDemoRequest(app.current, email));
      hubspot.current.edit(id, { lifecyclestage: "customer" });
    }
    hubspot.current.searchPageCap = 2;
    try {
      await poller().poll();
    } finally {
      hubspot.current.searchPageCap = undefined;
    }
    const pages = hubspot.current.requests.filter(
      (r) =>
        r.path === "/crm/v3/objects/contacts/search" &&
        (r.body as { after?: string }).after !== undefined,
    );
    expect(pages.length).toBeGreaterThan(0);
    const converted = await database.current.prisma.lead.count({
      where: { id: { in: leads }, status: "CONVERTED" },
    });
    expect(converted).toBe(3);
  });

  it("runs once per interval across replicas, and keeps its watermark", async () => {
    const a = new CrmPollScheduler(app.current.deps, {
      key: "hubspot",
      poller: app.current.deps.crm!.providers[0]!.conversions!,
      cron: "0 0 1 1 *",
    });
    const b = new CrmPollScheduler(app.current.deps, {
      key: "hubspot",
      poller: app.current.deps.crm!.providers[0]!.conversions!,
      cron: "0 0 1 1 *",
    });
    await database.current.prisma.jobLease.updateMany({
      where: { name: "crm-poll:hubspot" },
      data: { lastRunAt: null },
    });
    const runs = await Promise.all([a.poll(), b.poll()]);
    expect(runs.filter((r) => r !== undefined)).toHaveLength(1);
    // A replica whose cron fires a moment later in the same interval does not poll again.
    expect(await b.poll()).toBeUndefined();
    const lease = await database.current.prisma.jobLease.findUniqueOrThrow({
      where: { name: "crm-poll:hubspot" },
    });
    expect(lease.leaseUntil).toBeNull();
    expect(new Date(lease.lastPeriod!).getTime()).toBeLessThanOrEqual(Date.now());
  });
});

describe("starting with owner matching or the poll on", () => {
  it("refuses without HUBSPOT_ACCESS_TOKEN, naming it and the fix", async () => {
    await expect(
      startTestApp({ db: database.current, slackApiUrl: fakeSlack.current.url, playbook }),
    ).rejects.toThrow(/crm\.hubspot\.ownerMatching: true.*HUBSPOT_ACCESS_TOKEN is not set/);
    await expect(
      startTestApp({
        db: database.current,
        slackApiUrl: fakeSlack.current.url,
        env: { HUBSPOT_POLL_CRON: "*/5 * * * *" },
      }),
    ).rejects.toThrow(/HUBSPOT_POLL_CRON is set, but HUBSPOT_ACCESS_TOKEN is not/);
  });
});
