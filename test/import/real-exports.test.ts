// Exports of the tools people use (test/import/fixtures, sources in its README) import whole:
// no good row rejected, every value read as the tool writes it, and the booth colleague, their
// note and the scan time on the lead's badge scan, where the card shows them.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { runImport } from "#src/cli/import-command.ts";
import { loadPlaybook } from "#src/playbook/load-playbook.ts";
import type { Playbook } from "#src/playbook/schema.ts";
import { loadCardView } from "#src/read-models/lead-card.ts";
import { importLeads } from "#src/services/import-leads.ts";
import { buildLeadCard } from "#src/slack/blocks/lead-card.ts";
import { useTestDatabase } from "#test/setup/database.ts";

const database = useTestDatabase();
let playbook: Playbook;
const now = new Date("2026-03-20T12:00:00Z");
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

beforeAll(async () => {
  playbook = await loadPlaybook(
    fileURLToPath(new URL("../../manifests/playbook.yml", import.meta.url)),
  );
});

function run(name: string, extra: Partial<Parameters<typeof importLeads>[0]> = {}) {
  return importLeads({
    file: fixture(name),
    db: database.current,
    scoring: playbook.scoring,
    accountMatching: false,
    source: "Real export test",
    now: () => now,
    ...extra,
  }).then(async (summary) => {
    // Nothing is rejected, so no report is left behind.
    expect(summary.rejectsPath).toBeUndefined();
    return summary;
  });
}

async function lead(email: string) {
  return database.current.prisma.lead.findUniqueOrThrow({
    where: { email },
    include: { activities: true },
  });
}

describe("exports of real tools", () => {
  it("Zoom: skips the report preamble, names the webinar from its Topic, attended vs registered", async () => {
    const summary = await run("zoom-webinar.csv");
    expect(summary).toMatchObject({
      format: "Zoom webinar attendee report",
      headerLine: 12,
      read: 3,
      created: 3,
      rejected: 0,
      warned: 0,
    });
    const ana = await lead("ana.ruiz@northwind.example");
    expect(ana).toMatchObject({ company: "Northwind Retail", companySize: 1001, country: "US" });
    expect(ana.activities).toEqual([
      expect.objectContaining({
        type: "webinar_attended",
        eventName: "Cutting handle time in contact centers",
        occurredAt: new Date("2026-03-12T10:01:33Z"),
      }),
    ]);
    const jonas = await lead("j.weber@fabrikam.example");
    expect(jonas).toMatchObject({ country: "DE", companySize: 201 });
    expect(jonas.activities).toEqual([
      expect.objectContaining({
        type: "webinar_registered",
        occurredAt: new Date("2026-03-05T08:10:44Z"),
      }),
    ]);
    expect((await lead("li.chen@contoso.example")).companySize).toBe(10000);
    // The host and panelists are Zoom users of ours, not leads.
    expect(
      await database.current.prisma.lead.count({
        where: { email: { endsWith: "@baton-vendor.example" } },
      }),
    ).toBe(0);
  });

  it("Eventbrite: US dates, phones and a Yes/No opt-in column", async () => {
    const summary = await run("eventbrite.csv");
    expect(summary).toMatchObject({
      format: "Eventbrite attendee report",
      created: 2,
      rejected: 0,
    });
    const grace = await lead("grace.okafor@tailspin.example");
    expect(grace).toMatchObject({
      title: "VP Customer Experience",
      company: "Tailspin Toys",
      phone: "(415) 555-0162",
      city: "San Francisco",
      country: "US",
    });
    expect(grace.attributes).toMatchObject({
      "Keep me informed about future events": true,
      "Ticket Type": "Executive Roundtable",
    });
    expect((await lead("diego.santos@margies.example")).attributes).toMatchObject({
      "Keep me informed about future events": false,
    });
    expect(grace.activities).toEqual([
      expect.objectContaining({
        type: "event_scan",
        eventName: "Contact Center Leaders Dinner SF",
      }),
    ]);
  });

  it("Meta lead ads: the form as a form submission at its time, p:-prefixed phones", async () => {
    const summary = await run("meta-lead-ads.csv");
    expect(summary).toMatchObject({ format: "Meta (Facebook/Instagram) lead ads", created: 2 });
    const marcus = await lead("marcus.lee@adventure-works.example");
    expect(marcus).toMatchObject({
      firstName: "Marcus",
      lastName: "Lee",
      phone: "+13125550177",
      company: "Adventure Works",
    });
    expect(marcus.activities).toEqual([
      expect.objectContaining({
        type: "form_submit",
        title: "Contact center ROI guide",
        occurredAt: new Date("2026-03-10T14:32:11Z"),
      }),
    ]);
    expect(marcus.attributes).toMatchObject({
      "how_many_agents_work_in_your_contact_center?": "80",
      platform: "fb",
    });
  });

  it("LinkedIn Lead Gen: company sizes in words, country names, consent", async () => {
    const summary = await run("linkedin-lead-gen.csv");
    expect(summary).toMatchObject({ format: "LinkedIn Lead Gen Forms", created: 3, rejected: 0 });
    expect(await lead("sofia.marino@litware.example")).toMatchObject({
      companySize: 1001,
      country: "IT",
      campaign: "Q1 Contact Center EMEA",
    });
    expect(await lead("priya.nair@wingtip.example")).toMatchObject({
      companySize: 201,
      country: "IN",
    });
    const oliver = await lead("oliver.hughes@northwindtraders.example");
    expect(oliver).toMatchObject({ companySize: 10001, country: "GB" });
    expect(oliver.attributes).toMatchObject({
      "I agree to receive marketing communications": true,
    });
    expect(oliver.activities).toEqual([
      expect.objectContaining({ type: "form_submit", title: "CX Benchmark Report" }),
    ]);
  });

  it("Cvent: who captured the lead, their note and the AM/PM scan time on the badge scan; an unreadable size is a warning", async () => {
    const summary = await run("cvent-leadcapture.csv", { event: "CCW Las Vegas 2026" });
    expect(summary).toMatchObject({
      format: "Cvent LeadCapture",
      created: 2,
      rejected: 0,
      warned: 1,
    });
    expect(summary.warnings).toEqual([
      {
        line: 4,
        text: 'Number of Employees (companySize): "about fifty" is not a number of employees; kept as custom attribute "Number of Employees"',
      },
    ]);
    const tomas = await lead("tomas.alvarez@woodgrove.example");
    expect(tomas).toMatchObject({ companySize: 2500, country: "US" });
    expect(tomas.activities).toEqual([
      expect.objectContaining({
        type: "event_scan",
        eventName: "CCW Las Vegas 2026",
        colleague: "Bob Reyes",
        colleagueNote: "Runs 350 agents across 3 sites;\nwants a demo in April",
        occurredAt: new Date("2026-03-04T14:47:00Z"),
      }),
    ]);
    const mei = await lead("mei.tanaka@alpineski.example");
    expect(mei.companySize).toBeNull();
    expect(mei.attributes).toMatchObject({ "Number of Employees": "about fifty" });
    expect(mei.activities[0]).toMatchObject({ colleague: "Alex Kim" });
  });

  it("Bizzabo, Swapcard, Hopin: the colleague and the scan time, US, European and ISO dates", async () => {
    expect(await run("bizzabo.csv", { event: "Customer Contact Week" })).toMatchObject({
      format: "Bizzabo lead retrieval",
      created: 1,
    });
    expect((await lead("kwame.mensah@graphicdesign.example")).activities[0]).toMatchObject({
      colleague: "Jordan Price",
      colleagueNote: "Wants pricing for 120 seats",
      occurredAt: new Date("2026-03-05T11:20:00Z"),
    });
    expect(await run("swapcard.csv", { event: "CX Paris" })).toMatchObject({
      format: "Swapcard exhibitor leads",
      created: 2,
    });
    const elodie = await lead("elodie.martin@fourthcoffee.example");
    expect(elodie).toMatchObject({ company: "Fourth Coffee", country: "FR" });
    expect(elodie.activities[0]).toMatchObject({
      colleague: "Claire Dubois",
      colleagueNote: "Veut un pilote pour 60 conseillers",
      occurredAt: new Date("2026-03-05T10:15:00Z"),
    });
    expect((await lead("lukas.novak@blueyonder.example")).country).toBe("CZ");
    expect(await run("hopin.csv", { event: "CX Online Summit" })).toMatchObject({
      format: "Hopin / RingCentral Events booth leads",
      created: 1,
    });
    const ravi = await lead("ravi.patel@proseware.example");
    expect(ravi).toMatchObject({ firstName: "Ravi", lastName: "Patel", title: "Head of Support" });
    expect(ravi.activities[0]).toMatchObject({
      colleague: "Dana Kim",
      occurredAt: new Date("2026-03-06T15:04:00Z"),
    });
  });

  it("HubSpot and Salesforce: CRM exports, the Salesforce report footer skipped", async () => {
    expect(await run("hubspot.csv")).toMatchObject({
      format: "HubSpot contacts export",
      created: 2,
      rejected: 0,
    });
    const hannah = await lead("hannah.schmidt@adatum.example");
    expect(hannah).toMatchObject({
      companySize: 750,
      country: "DE",
      region: "Bavaria",
      website: "https://adatum.example",
    });
    expect(hannah.attributes).toMatchObject({ "Contact owner": "Maria Garcia" });
    expect((await lead("carlos.mendes@trey.example")).attributes).toMatchObject({
      "Unsubscribed from all email": true,
    });
    const salesforce = await run("salesforce-report.csv");
    expect(salesforce).toMatchObject({
      format: "Salesforce report export",
      read: 2,
      created: 2,
      rejected: 0,
      reportLines: 3,
    });
    const olivia = await lead("olivia.turner@relecloud.example");
    expect(olivia).toMatchObject({ company: "Relecloud", companySize: 2500, country: "US" });
    expect(olivia.attributes).toMatchObject({
      "Email Opt Out": false,
      "Lead Owner": "Kevin Brooks",
    });
  });

  it("puts the booth conversation on the lead card", async () => {
    const tomas = await lead("tomas.alvarez@woodgrove.example");
    const { card } = await loadCardView(database.current, tomas.id, now);
    const text = JSON.stringify(buildLeadCard(card, { now }).blocks);
    expect(text).toContain("CCW Las Vegas 2026");
    expect(text).toContain("*Talked to:* Bob Reyes");
    expect(text).toContain("wants a demo in April");
  });

  it("--strict refuses a row with an unreadable value instead", async () => {
    const dir = mkdtempSync(join(tmpdir(), "baton-strict-"));
    try {
      const summary = await importLeads({
        file: fixture("cvent-leadcapture.csv"),
        scoring: playbook.scoring,
        accountMatching: false,
        source: "Strict test",
        dryRun: true,
        strict: true,
        now: () => now,
        rejectsPath: join(dir, "rejects.csv"),
      });
      expect(summary).toMatchObject({ valid: 1, rejected: 1 });
      expect(readFileSync(join(dir, "rejects.csv"), "utf8")).toContain(
        '4,"Number of Employees (companySize): ""about fifty"" is not a number of employees',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("baton import --preview", () => {
  it("shows how the first rows map, column by column, and writes nothing", async () => {
    const before = await database.current.prisma.lead.count();
    const out: string[] = [];
    const code = await runImport(
      [fixture("linkedin-lead-gen.csv"), "--preview", "--source", "LinkedIn"],
      { stdout: { write: (t: string) => out.push(t) }, stderr: { write: () => {} }, env: {} },
    );
    expect(code).toBe(0);
    const text = out.join("");
    expect(text).toContain("recognised as LinkedIn Lead Gen Forms");
    expect(text).toContain('Company Size → companySize: "1,001-5,000 employees" = 1001');
    expect(text).toContain('Country/Region → country: "Italy" = IT');
    expect(text).toContain(
      'Submitted At → activity scannedAt: "2026-03-11 16:05:44" = 2026-03-11T16:05:44.000Z',
    );
    expect(text).toContain("line 4");
    expect(text).not.toContain("line 5");
    expect(await database.current.prisma.lead.count()).toBe(before);
  });

  it("names the warning for a value it cannot read", async () => {
    const out: string[] = [];
    await runImport([fixture("cvent-leadcapture.csv"), "--preview", "--source", "CCW"], {
      stdout: { write: (t: string) => out.push(t) },
      stderr: { write: () => {} },
      env: {},
    });
    const text = out.join("");
    expect(text).toContain("recognised as Cvent LeadCapture");
    expect(text).toContain(
      'Number of Employees → companySize: "about fifty" (not read: see the warning)',
    );
    expect(text).toContain('warning: Number of Employees (companySize): "about fifty"');
  });

  it("baton help import lists the recognised tools", async () => {
    const out: string[] = [];
    const code = await runImport(["--help"], {
      stdout: { write: (t: string) => out.push(t) },
      stderr: { write: () => {} },
      env: {},
    });
    expect(code).toBe(0);
    for (const tool of ["Zoom webinar", "Eventbrite", "LinkedIn Lead Gen", "Salesforce report"]) {
      expect(out.join("")).toContain(tool);
    }
  });
});
