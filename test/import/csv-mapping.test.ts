import { describe, expect, it } from "vitest";
import { headerKey, MappingError, mapColumns, parseMapOptions } from "#src/import/csv-columns.ts";
import { detectDelimiter } from "#src/import/csv-reader.ts";
import { rowToLead } from "#src/import/csv-row.ts";
import {
  cleanPhone,
  parseCountry,
  parseDateTime,
  parseSize,
  parseYesNo,
} from "#src/import/value-formats.ts";

const now = new Date("2026-11-20T15:00:00Z");

describe("column mapping", () => {
  it("recognizes common export headers whatever their case and punctuation", () => {
    const mapping = mapColumns([
      "E-Mail Address",
      "FIRST_NAME",
      "last name",
      "Organisation",
      "Job Title",
      "Mobile",
      "No. of Employees",
      "Talked to",
      "Colleague note",
      "Scanned At",
      "Badge Type",
    ]);
    expect(mapping.targets).toEqual([
      { kind: "lead", field: "email" },
      { kind: "lead", field: "firstName" },
      { kind: "lead", field: "lastName" },
      { kind: "lead", field: "company" },
      { kind: "lead", field: "title" },
      { kind: "lead", field: "phone" },
      { kind: "lead", field: "companySize" },
      { kind: "event", field: "colleague" },
      { kind: "event", field: "colleagueNote" },
      { kind: "event", field: "scannedAt" },
      { kind: "attribute", key: "Badge Type" },
    ]);
    expect(headerKey(" Work-Email ")).toBe("workemail");
    expect(mapColumns(["work email"]).has("email")).toBe(true);
  });

  it("lets --map override an alias, send a column to an attribute or ignore it", () => {
    const overrides = parseMapOptions([
      "Contact=email",
      "Email=attributes.secondary",
      "Internal Id=ignore",
    ]);
    const mapping = mapColumns(["Contact", "Email", "Internal ID"], overrides);
    expect(mapping.targets).toEqual([
      { kind: "lead", field: "email" },
      { kind: "attribute", key: "secondary" },
      { kind: "ignore" },
    ]);
  });

  it("refuses a --map that names no field or no column of the file", () => {
    expect(() => parseMapOptions(["Email"])).toThrow(MappingError);
    expect(() => parseMapOptions(["Email=mail"])).toThrow(/"mail" is not a field/);
    expect(() => mapColumns(["Email"], parseMapOptions(["Courriel=email"]))).toThrow(
      /does not have: Courriel/,
    );
  });

  it("detects the delimiter from the header line, ignoring quoted ones", () => {
    expect(detectDelimiter("Email;Name;Company\na,b;c")).toBe(";");
    expect(detectDelimiter('"Name; full",Email,Company')).toBe(",");
    expect(detectDelimiter("Email\tName")).toBe("\t");
    expect(detectDelimiter("\ufeffEmail")).toBe(",");
  });
});

describe("values", () => {
  it("reads company sizes as exports write them", () => {
    expect(parseSize("80")).toBe(80);
    expect(parseSize("1,200")).toBe(1200);
    expect(parseSize("1.200")).toBe(1200);
    expect(parseSize("51-200")).toBe(51);
    expect(parseSize("10,001+")).toBe(10001);
    expect(parseSize("2.5k")).toBe(2500);
    expect(parseSize("201-500 employees")).toBe(201);
    expect(parseSize("1,001-5,000 employees")).toBe(1001);
    expect(parseSize("10,001+ employees")).toBe(10001);
    expect(parseSize("Myself Only")).toBe(1);
    expect(parseSize("lots")).toBeUndefined();
  });

  it("reads US, European and month-name dates with times and AM/PM", () => {
    const iso = (text: string, order?: "mdy" | "dmy") => parseDateTime(text, order)?.toISOString();
    expect(iso("3/14/2026 2:30 PM")).toBe("2026-03-14T14:30:00.000Z");
    expect(iso("03/04/2026 12:05 AM", "mdy")).toBe("2026-03-04T00:05:00.000Z");
    expect(iso("14/03/2026 14:30")).toBe("2026-03-14T14:30:00.000Z");
    expect(iso("05/03/2026 10:15", "dmy")).toBe("2026-03-05T10:15:00.000Z");
    expect(iso("Mar 22, 2025 19:13:27")).toBe("2025-03-22T19:13:27.000Z");
    expect(iso("14 March 2026")).toBe("2026-03-14T00:00:00.000Z");
    expect(iso("2026-03-10T14:32:11+0000")).toBe("2026-03-10T14:32:11.000Z");
    expect(iso("2026-03-06 15:04:00 UTC")).toBe("2026-03-06T15:04:00.000Z");
    expect(iso("13:30 PM 3/14/2026")).toBeUndefined();
    expect(iso("3/14/2026 13:30 PM")).toBeUndefined();
    expect(iso("Smarch 3, 2026")).toBeUndefined();
  });

  it("reads country names and codes, phones and Yes/No", () => {
    expect(
      ["United States", "USA", "us", "Deutschland", "Italy", "Royaume-Uni"].map(parseCountry),
    ).toEqual(["US", "US", "US", "DE", "IT", "GB"]);
    expect(parseCountry("Atlantis")).toBe("Atlantis");
    expect(cleanPhone("p:+13125550177")).toBe("+13125550177");
    expect(["Yes", "no", "TRUE", "0", "maybe"].map(parseYesNo)).toEqual([
      true,
      false,
      true,
      false,
      undefined,
    ]);
  });

  it("reads ISO and day-first dotted scan times, and refuses ambiguous or impossible ones", () => {
    expect(parseDateTime("2026-11-18 14:30")?.toISOString()).toBe("2026-11-18T14:30:00.000Z");
    expect(parseDateTime("2026-11-18T14:30:00+01:00")?.toISOString()).toBe(
      "2026-11-18T13:30:00.000Z",
    );
    expect(parseDateTime("18.11.2026 9:05")?.toISOString()).toBe("2026-11-18T09:05:00.000Z");
    expect(parseDateTime("2026-11-18")?.toISOString()).toBe("2026-11-18T00:00:00.000Z");
    expect(parseDateTime("11/12/2026")).toBeUndefined();
    expect(parseDateTime("2026-02-30")).toBeUndefined();
  });
});

describe("a row becomes an API lead", () => {
  const header = [
    "Email",
    "Full Name",
    "Company",
    "Employees",
    "Website",
    "Booth Message",
    "Talked To",
    "Notes",
    "Scanned At",
    "Badge Type",
  ];
  const mapping = mapColumns(header);
  const options = { source: "Trade show X", campaign: "Q4", event: "CCW Vegas", now };

  it("maps fields, splits the name, keeps unknown columns and makes the booth scan", () => {
    const result = rowToLead(
      [
        " Ana@Acme.IO ",
        "López, Ana",
        "Acme",
        "51-200",
        "acme.io",
        "Cut handle time",
        "Bob",
        "Wants a demo\nfor 80 seats",
        "2026-11-18 14:30",
        "VIP",
      ],
      mapping,
      options,
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.lead).toMatchObject({
      email: "ana@acme.io",
      firstName: "Ana",
      lastName: "López",
      company: "Acme",
      companySize: 51,
      website: "https://acme.io",
      source: "Trade show X",
      campaign: "Q4",
      attributes: { "Badge Type": "VIP" },
    });
    expect(result.lead.activities).toEqual([
      expect.objectContaining({
        type: "event_scan",
        eventName: "CCW Vegas",
        message: "Cut handle time",
        colleague: "Bob",
        colleagueNote: "Wants a demo\nfor 80 seats",
        occurredAt: new Date("2026-11-18T14:30:00Z"),
      }),
    ]);
  });

  it("gives a scan the same id when the row is corrected, and another at another time", () => {
    const row = ["ana@acme.io", "Ana", "Acme", "", "", "", "Bob", "note", "2026-11-18 14:30", ""];
    const id = (fields: string[]) => {
      const result = rowToLead(fields, mapping, options);
      return result.ok ? result.lead.activities?.[0]?.externalId : undefined;
    };
    const first = id(row);
    expect(first).toMatch(/^csv-scan:/);
    expect(id(row.with(2, "Acme Inc.").with(7, "better note"))).toBe(first);
    expect(id(row.with(8, "2026-11-19 10:00"))).not.toBe(first);
  });

  it("refuses a row only for its email, and keeps other unreadable values with a warning", () => {
    const read = (fields: string[], strict = false) =>
      rowToLead(fields, mapping, { ...options, strict });
    const reason = (fields: string[]) => {
      const result = read(fields);
      return result.ok ? "accepted" : result.reason;
    };
    const blank = Array<string>(header.length).fill("");
    expect(reason(blank.with(0, "not-an-email"))).toBe(
      "Email (email): must be an email address like ana@example.com",
    );
    expect(reason(blank.with(1, "Ana"))).toBe("email: is required: the lead's email address");
    expect(reason([...blank.with(0, "a@b.io"), "stray"])).toMatch(
      /has 11 fields but the header has 10/,
    );
    const sized = read(blank.with(0, "a@b.io").with(3, "many").with(8, "11/12/2026"));
    expect(sized.ok && sized.warnings).toEqual([
      'Employees (companySize): "many" is not a number of employees; kept as custom attribute "Employees"',
      'Scanned At (scannedAt): "11/12/2026" could be day/month or month/day; say which with --dates mdy or --dates dmy; kept as custom attribute "Scanned At"',
    ]);
    expect(sized.ok && sized.lead).toMatchObject({
      companySize: undefined,
      attributes: { Employees: "many", "Scanned At": "11/12/2026" },
      activities: [expect.objectContaining({ occurredAt: now })],
    });
    const strict = read(blank.with(0, "a@b.io").with(3, "many"), true);
    expect(strict.ok ? "accepted" : strict.reason).toMatch(/^Employees \(companySize\): "many"/);
    const long = read(blank.with(0, "a@b.io").with(2, "x".repeat(300)));
    expect(long.ok && long.lead.company).toBeUndefined();
    expect(long.ok && long.warnings[0]).toMatch(
      /^Company \(company\): "x+" must be at most 200 characters/,
    );
  });

  it("keeps a note as an attribute when the row has no event", () => {
    const plain = mapColumns(["Email", "Notes"]);
    const result = rowToLead(["a@b.io", "call back in Q1"], plain, { source: "List", now });
    expect(result.ok && result.lead).toMatchObject({ attributes: { Notes: "call back in Q1" } });
    expect(result.ok && result.lead.activities).toBeUndefined();
  });
});
