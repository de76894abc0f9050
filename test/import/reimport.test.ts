// Re-importing a file changes nothing, even when it lists a person more than once with
// different values (two badge scans a few hours apart, each with the title of its time), in
// one batch or across batches; and a later row still never hides a value only an earlier
// row of the same person sets.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadPlaybook } from "#src/playbook/load-playbook.ts";
import type { Playbook } from "#src/playbook/schema.ts";
import { type ImportLeadsOptions, importLeads } from "#src/services/import-leads.ts";
import { useTestDatabase } from "#test/setup/database.ts";
import { tempDir } from "#test/setup/temp-dir.ts";

const database = useTestDatabase();
const dir = tempDir("baton-reimport-test");
let playbook: Playbook;

beforeAll(async () => {
  playbook = await loadPlaybook("manifests/playbook.yml");
});

function write(name: string, lines: string[]): string {
  const file = join(dir, name);
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

function run(file: string, extra: Partial<ImportLeadsOptions> = {}) {
  return importLeads({
    file,
    db: database.current,
    scoring: playbook.scoring,
    accountMatching: false,
    source: "Trade show",
    event: "Expo 2026",
    ...extra,
  });
}

async function stored(email: string) {
  const lead = await database.current.prisma.lead.findUniqueOrThrow({
    where: { email },
    include: { events: true, activities: true },
  });
  return {
    title: lead.title,
    phone: lead.phone,
    company: lead.company,
    events: lead.events.length,
    activities: lead.activities.length,
  };
}

const HEADER = "Email,Title,Company,Scanned At";
/** The same badge scanned twice, the person's title changed between the scans. */
const twice = (domain: string) => [
  `zoe@${domain},Head of Support,Acme,2026-11-20T10:00:00Z`,
  `zoe@${domain},VP Customer Care,Acme,2026-11-20T15:00:00Z`,
];

describe("re-importing a file that lists a person twice", () => {
  it("changes nothing when both rows are in one batch", async () => {
    const file = write("one-batch.csv", [HEADER, ...twice("one.example")]);
    expect(await run(file)).toMatchObject({ created: 1, merged: 1 });
    const first = await stored("zoe@one.example");
    expect(first).toMatchObject({ title: "VP Customer Care", activities: 2 });

    for (let i = 0; i < 2; i++) {
      expect(await run(file)).toMatchObject({ created: 0, merged: 0, unchanged: 2 });
      expect(await stored("zoe@one.example")).toEqual(first);
    }
  });

  it("changes nothing when the rows are in different batches, with others between", async () => {
    const [early, late] = twice("two.example");
    const others = Array.from({ length: 7 }, (_, i) => `p${i}@two.example,Agent,Co ${i},`);
    const file = write("batches.csv", [HEADER, early!, ...others, late!]);
    expect(await run(file, { batchSize: 3 })).toMatchObject({ created: 8, merged: 1 });
    const first = await stored("zoe@two.example");
    expect(first.title).toBe("VP Customer Care");

    for (let i = 0; i < 2; i++) {
      const again = await run(file, { batchSize: 3 });
      expect(again).toMatchObject({ created: 0, merged: 0, unchanged: 9 });
      expect(await stored("zoe@two.example")).toEqual(first);
    }
  });

  it("changes nothing for rows without a scan time, which share one scan", async () => {
    const file = write("no-times.csv", [
      HEADER,
      "kim@three.example,Analyst,Beta,",
      "lee@three.example,Agent,Gamma,",
      "kim@three.example,Lead Analyst,Beta,",
    ]);
    expect(await run(file, { batchSize: 2 })).toMatchObject({ created: 2, merged: 1 });
    const first = await stored("kim@three.example");
    expect(first).toMatchObject({ title: "Lead Analyst", activities: 1 });
    for (const batchSize of [2, 500]) {
      expect(await run(file, { batchSize })).toMatchObject({ merged: 0, unchanged: 3 });
      expect(await stored("kim@three.example")).toEqual(first);
    }
  });

  it("keeps a value only the earlier row sets, and applies a corrected later row", async () => {
    const file = write("phone.csv", [
      "Email,Title,Phone,Scanned At",
      "ana@four.example,Manager,+1 555 0100,2026-11-20T10:00:00Z",
      "ana@four.example,Director,,2026-11-20T15:00:00Z",
    ]);
    await run(file);
    expect(await stored("ana@four.example")).toMatchObject({
      title: "Director",
      phone: "+1 555 0100",
    });
    // Someone cleared the phone since: the earlier row sets it again, the later its title.
    await database.current.prisma.lead.update({
      where: { email: "ana@four.example" },
      data: { phone: null },
    });
    expect(await run(file)).toMatchObject({ merged: 2 });
    expect(await stored("ana@four.example")).toMatchObject({
      title: "Director",
      phone: "+1 555 0100",
    });

    const corrected = write("phone-v2.csv", [
      "Email,Title,Phone,Scanned At",
      "ana@four.example,Manager,+1 555 0100,2026-11-20T10:00:00Z",
      "ana@four.example,Senior Director,,2026-11-20T15:00:00Z",
    ]);
    expect(await run(corrected, { batchSize: 1 })).toMatchObject({ merged: 1, unchanged: 1 });
    expect(await stored("ana@four.example")).toMatchObject({ title: "Senior Director" });
  });

  it("merges a person's later rows in file order, wherever the batches end", async () => {
    const rows = ["Analyst", "Lead Analyst", "Head of Analytics"].map(
      (title, i) => `max@six.example,${title},Delta,2026-11-2${i}T09:00:00Z`,
    );
    const others = (from: number) =>
      Array.from({ length: 3 }, (_, i) => `q${from + i}@six.example,Agent,Co,`);
    const file = write("later-rows.csv", [
      HEADER,
      rows[0]!,
      ...others(0),
      rows[1]!,
      ...others(3),
      rows[2]!,
    ]);
    for (const mergeRows of [1, 500]) {
      await database.current.prisma.lead.deleteMany({
        where: { email: { endsWith: "six.example" } },
      });
      expect(await run(file, { batchSize: 2, mergeRows })).toMatchObject({
        created: 7,
        merged: 2,
      });
      const max = await database.current.prisma.lead.findUniqueOrThrow({
        where: { email: "max@six.example" },
        include: { events: { orderBy: { id: "asc" } } },
      });
      expect(max.title).toBe("Head of Analytics");
      expect(max.events.map((e) => e.type).filter((t) => t === "merged")).toHaveLength(2);
    }
  });

  it("writes corrections in file order when more are held back than it keeps", async () => {
    const people = Array.from({ length: 6 }, (_, i) => `c${i}@five.example`);
    const file = write("held.csv", [HEADER, ...people.map((email) => `${email},Agent,Co,`)]);
    await run(file);
    const corrected = write("held-v2.csv", [
      HEADER,
      ...people.map((email) => `${email},Senior Agent,Co,`),
      `${people[0]},Team Lead,Co,`,
    ]);
    // Known people's rows are sorted and merged two at a time: rows get held back early.
    const small = { batchSize: 2, heldRows: 2, mergeRows: 2 };
    const summary = await run(corrected, small);
    expect(summary).toMatchObject({ read: 7, created: 0, merged: 7, unchanged: 0 });
    for (const email of people.slice(1)) {
      expect((await stored(email)).title).toBe("Senior Agent");
    }
    // The first correction was written before its person's last row, which then applied.
    expect((await stored(people[0]!)).title).toBe("Team Lead");
    expect(await run(corrected, small)).toMatchObject({
      merged: 0,
      unchanged: 7,
    });
  });
});
