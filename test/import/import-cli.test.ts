// The import command end to end: the CLI module against a real database, with a fixture file
// that has the faults real exports have.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "#src/cli/commands.ts";
import { runImport } from "#src/cli/import-command.ts";
import { leadRequestSchema } from "#src/intake/schemas.ts";
import { loadPlaybook } from "#src/playbook/load-playbook.ts";
import type { Playbook } from "#src/playbook/schema.ts";
import { captureLead } from "#src/services/capture-lead.ts";
import { importLeads } from "#src/services/import-leads.ts";
import { useTestDatabase } from "#test/setup/database.ts";
import { tempDir } from "#test/setup/temp-dir.ts";

const database = useTestDatabase();
const dir = tempDir("baton-import-test");
let playbook: Playbook;

// Semicolons, CRLF, a BOM, a quoted note over three lines, a blank line, bad rows, an email
// twice, an existing lead, and an unterminated quote at the end.
const FIXTURE = [
  "\ufeffE-mail;First Name;Last Name;Company;Job Title;Employees;Industry;Booth Message;Talked To;Colleague Note;Badge Type",
  'ana@acme.io;Ana;López;Acme;Call Center Manager;120;Retail;Cut handle time;Bob;"Wants a demo\r\nfor 80 agents;\r\ncall Tuesday";VIP', // lines 2-4: qualifies (25+15+10+10)
  "",
  "not-an-email;Bad;Row;X;;;;;;;", // line 6
  ";No;Email;Y;;;;;;;", // line 7
  "cid@beta.io;Cid;B;Beta;Analyst;lots;;;;;", // line 8: size not a number: imported, warned
  "dee@gamma.io;Dee;G;Gamma;Agent;10;;Hello;Eve;;", // line 9
  "DEE@gamma.io;Dee;G;Gamma;Agent;10;;Hello;Eve;;", // line 10: same person again
  "old@known.io;Olga;K;Known;Support Director;;;Hello;Bob;met before;", // line 11: existing lead
  '"unterminated;x;y', // line 12
].join("\r\n");

function io(env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: {
      stdout: { write: (text: string) => out.push(text) },
      stderr: { write: (text: string) => err.push(text) },
      env,
    },
    stdout: () => out.join(""),
    stderr: () => err.join(""),
  };
}

const emails = ["ana@acme.io", "cid@beta.io", "dee@gamma.io", "old@known.io"];

async function counts() {
  const prisma = database.current.prisma;
  const leads = await prisma.lead.findMany({ where: { email: { in: emails } } });
  const ids = leads.map((lead) => lead.id);
  return {
    leads: leads.length,
    activities: await prisma.activity.count({ where: { leadId: { in: ids } } }),
    events: await prisma.leadEvent.count({ where: { leadId: { in: ids } } }),
    outbox: await prisma.outboxMessage.count({ where: { orderingKey: { in: ids } } }),
  };
}

function importArgs(file: string, ...extra: string[]) {
  return [
    file,
    "--source",
    "Trade show X",
    "--campaign",
    "CCW 2026",
    "--event",
    "CCW Vegas",
    ...extra,
  ];
}

describe("baton import", () => {
  const file = join(dir, "ccw-scans.csv");

  beforeAll(async () => {
    writeFileSync(file, FIXTURE);
    playbook = await loadPlaybook("manifests/playbook.yml");
    await captureLead({
      db: database.current,
      input: leadRequestSchema.parse({
        email: "old@known.io",
        company: "Known",
        source: "Webinar",
      }),
      scoring: playbook.scoring,
      accountMatching: false,
      actor: { type: "API", id: "test" },
      now: new Date(),
    });
  });

  it("writes nothing on a dry run, and still reports the rows it would reject", async () => {
    const before = await counts();
    const run = io();
    const code = await runImport(
      importArgs(file, "--dry-run", "--rejects", join(dir, "dry.csv")),
      run.io,
      {
        db: database.current,
        playbook,
      },
    );
    expect(code).toBe(0);
    expect(run.stdout()).toContain("nothing was written to the database");
    expect(run.stdout()).toContain("E-mail → email");
    expect(run.stdout()).toContain('Badge Type → custom attribute "Badge Type"');
    expect(run.stdout()).toContain("Talked To → badge scan colleague");
    expect(run.stdout()).toMatch(/would import\s+5\n/);
    expect(run.stdout()).toMatch(/rejected\s+3\n/);
    expect(run.stdout()).toContain(
      'line 8: Employees (companySize): "lots" is not a number of employees; kept as custom attribute "Employees"',
    );
    expect(await counts()).toEqual(before);
    expect(await database.current.prisma.leadEvent.count({ where: { actorType: "IMPORT" } })).toBe(
      0,
    );
  });

  it("imports good rows, merges known people, and reports bad rows by their line", async () => {
    const rejectsPath = join(dir, "rejects.csv");
    const run = io();
    const code = await runImport(importArgs(file, "--rejects", rejectsPath), run.io, {
      db: database.current,
      playbook,
    });
    expect(code).toBe(0);
    expect(run.stdout()).toMatch(/rows read\s+8\n/);
    expect(run.stdout()).toMatch(/new leads\s+3\n/);
    expect(run.stdout()).toMatch(/merged into existing\s+2\n/);
    expect(run.stdout()).toMatch(/qualified for sales\s+1\n/);
    expect(run.stdout()).toMatch(/rejected\s+3\n/);
    expect(run.stdout()).toMatch(/imported with warnings 1 /);

    const prisma = database.current.prisma;
    const ana = await prisma.lead.findUniqueOrThrow({
      where: { email: "ana@acme.io" },
      include: { activities: true },
    });
    expect(ana).toMatchObject({
      firstName: "Ana",
      lastName: "López",
      company: "Acme",
      companySize: 120,
      source: "Trade show X",
      campaign: "CCW 2026",
      status: "QUALIFIED",
      attributes: { "Badge Type": "VIP" },
    });
    expect(ana.activities).toEqual([
      expect.objectContaining({
        type: "event_scan",
        eventName: "CCW Vegas",
        message: "Cut handle time",
        colleague: "Bob",
        colleagueNote: "Wants a demo\r\nfor 80 agents;\r\ncall Tuesday",
      }),
    ]);
    // Qualified by an import, handed to sales exactly as an API capture is.
    const handoffs = await prisma.outboxMessage.findMany({
      where: { kind: "lead.handoff", orderingKey: ana.id },
    });
    expect(handoffs).toHaveLength(1);
    const events = await prisma.leadEvent.findMany({
      where: { leadId: ana.id },
      orderBy: { id: "asc" },
    });
    expect(events.map((e) => [e.type, e.actorType, e.actorId])).toEqual([
      ["captured", "IMPORT", "ccw-scans.csv"],
      ["qualified", "IMPORT", "ccw-scans.csv"],
    ]);

    // The same person twice in the file: one lead, one scan.
    expect(await prisma.lead.count({ where: { email: "dee@gamma.io" } })).toBe(1);
    const dee = await prisma.lead.findUniqueOrThrow({
      where: { email: "dee@gamma.io" },
      include: { activities: true },
    });
    expect(dee.activities).toHaveLength(1);

    // The lead that existed gets the booth conversation on its timeline.
    const old = await prisma.lead.findUniqueOrThrow({
      where: { email: "old@known.io" },
      include: { activities: true },
    });
    expect(old.title).toBe("Support Director");
    expect(old.activities).toEqual([
      expect.objectContaining({ colleague: "Bob", colleagueNote: "met before" }),
    ]);
    // A size Baton cannot read does not lose the lead: it keeps the value as written.
    const cid = await prisma.lead.findUniqueOrThrow({ where: { email: "cid@beta.io" } });
    expect(cid).toMatchObject({ companySize: null, attributes: { Employees: "lots" } });

    const report = parse(readFileSync(rejectsPath), {
      bom: true,
      delimiter: ";",
      relax_column_count: true,
    }) as string[][];
    expect(report[0]!.slice(0, 3)).toEqual(["line", "reason", "E-mail"]);
    expect(report.slice(1).map(([line, reason]) => [line, reason])).toEqual([
      ["6", "E-mail (email): must be an email address like ana@example.com"],
      ["7", "email: is required: the lead's email address"],
      ["12", expect.stringMatching(/^malformed CSV: Quote Not Closed/)],
    ]);
    expect(report[1]!.slice(2, 4)).toEqual(["not-an-email", "Bad"]);
  });

  it("changes nothing when the same file is imported again", async () => {
    const before = await counts();
    const run = io();
    const code = await runImport(importArgs(file), run.io, { db: database.current, playbook });
    expect(code).toBe(0);
    expect(run.stdout()).toMatch(/already imported\s+5\n/);
    expect(run.stdout()).toMatch(/new leads\s+0\n/);
    expect(await counts()).toEqual(before);
  });

  it("updates a corrected row without a second scan", async () => {
    const corrected = join(dir, "ccw-scans-v2.csv");
    // Both of Dee's rows (lines 9 and 10) carry the correction: the later row wins, as in a first import.
    writeFileSync(corrected, FIXTURE.replaceAll("Gamma;Agent;10", "Gamma Corp;Agent;10"));
    const before = await counts();
    const code = await runImport(importArgs(corrected), io().io, {
      db: database.current,
      playbook,
    });
    expect(code).toBe(0);
    const dee = await database.current.prisma.lead.findUniqueOrThrow({
      where: { email: "dee@gamma.io" },
      include: { activities: true },
    });
    expect(dee.company).toBe("Gamma Corp");
    expect(dee.activities).toHaveLength(1);
    expect((await counts()).activities).toBe(before.activities);
  });

  it("stops with a clear message when it cannot run", async () => {
    const cases: [string[], RegExp][] = [
      [importArgs(join(dir, "missing.csv")), /File not found: .*missing\.csv/],
      [importArgs(writeTo("empty.csv", "")), /is empty/],
      [importArgs(writeTo("header.csv", ";;;\r\na;b;c;d\r\n")), /Cannot read the header/],
      [
        importArgs(writeTo("noemail.csv", "Name,Company\nAna,Acme\n")),
        /No column maps to email; use --map 'Your Column=email'/,
      ],
    ];
    for (const [args, message] of cases) {
      const run = io();
      expect(await runImport(args, run.io, { db: database.current, playbook })).toBe(1);
      expect(run.stderr()).toMatch(message);
    }
    const usage = io();
    expect(await runImport(["--source", "x"], usage.io, { playbook })).toBe(2);
    expect(usage.stderr()).toContain("name the CSV file");
  });

  it("stops with the line of a quote never closed instead of swallowing the rest of the file", async () => {
    const path = writeTo(
      "unclosed.csv",
      `Email,Notes\nfirst@unclosed.io,fine\nsecond@unclosed.io,"never closed\n${"x,y\n".repeat(1_200_000)}`,
    );
    const run = io();
    expect(await runImport(importArgs(path), run.io, { db: database.current, playbook })).toBe(1);
    expect(run.stderr()).toMatch(/Stopped at line 3 of .*unclosed\.csv: .*never closed/);
    expect(
      await database.current.prisma.lead.count({ where: { email: "first@unclosed.io" } }),
    ).toBe(1);
  });

  it("writes the rows read so far when interrupted, and a re-run finishes the job", async () => {
    const rows = Array.from({ length: 30 }, (_, i) => `stop${i}@interrupt.io,Co ${i}`);
    const path = writeTo("interrupt.csv", `Email,Company\n${rows.join("\n")}\n`);
    const abort = new AbortController();
    const first = await importLeads({
      file: path,
      db: database.current,
      scoring: playbook.scoring,
      accountMatching: false,
      source: "Interrupted show",
      batchSize: 4,
      signal: abort.signal,
      onProgress: ({ rows: read }) => {
        if (read === 10) abort.abort();
      },
    });
    expect(first).toMatchObject({ read: 10, created: 10, stoppedAtLine: 12 });
    const count = () =>
      database.current.prisma.lead.count({ where: { email: { endsWith: "@interrupt.io" } } });
    expect(await count()).toBe(10);
    const second = await importLeads({
      file: path,
      db: database.current,
      scoring: playbook.scoring,
      accountMatching: false,
      source: "Interrupted show",
    });
    expect(second).toMatchObject({ read: 30, created: 20, unchanged: 10 });
    expect(await count()).toBe(30);
  });

  it("refreshes the planner's statistics as an import grows the tables", async () => {
    // A thousand rows and more: the import runs ANALYZE, so its prepared statements stop
    // using plans made for the small tables it started with (PGlite has no autovacuum).
    const rows = Array.from({ length: 1_200 }, (_, i) => `grow${i}@stats-${i % 40}.io,Co ${i}`);
    const path = writeTo("grow.csv", `Email,Company\n${rows.join("\n")}\n`);
    const summary = await importLeads({
      file: path,
      db: database.current,
      scoring: playbook.scoring,
      accountMatching: false,
      source: "Growing list",
      batchSize: 300,
    });
    expect(summary).toMatchObject({ read: 1_200, created: 1_200, rejected: 0 });
    const [lead] = await database.current.withSession((sql) =>
      sql.query<{ tuples: number }>(
        `SELECT reltuples::float8 AS "tuples" FROM pg_class WHERE oid = '"Lead"'::regclass`,
      ),
    );
    expect(lead!.tuples).toBeGreaterThanOrEqual(1_200);
  });

  it("says when the database cannot be opened: in use by a running Baton, or unreachable", async () => {
    const dataDir = mkdtempSync(join(dir, "data-"));
    // The parent process stands in for a running Baton holding the data dir.
    writeFileSync(join(dataDir, "baton.pid"), String(process.ppid));
    const run = io({ DATA_DIR: dataDir });
    expect(await runImport(importArgs(file), run.io, { playbook })).toBe(1);
    expect(run.stderr()).toMatch(/Cannot import: Another Baton process \(pid \d+\)/);
    expect(run.stderr()).toMatch(/DATABASE_URL/);

    const down = io({ DATABASE_URL: "postgres://baton@127.0.0.1:1/baton" });
    expect(await runImport(importArgs(file), down.io, { playbook })).toBe(1);
    expect(down.stderr()).toMatch(
      /Cannot import: Cannot connect to PostgreSQL at 127\.0\.0\.1:1\/baton/,
    );
  });

  it("answers baton help and baton --help with the commands", async () => {
    for (const args of [["help"], ["--help"]]) {
      const run = io();
      expect(await runCli(args, run.io)).toBe(0);
      expect(run.stdout()).toMatch(/Usage: baton <command>[\s\S]*import/);
    }
    const run = io();
    expect(await runCli(["help", "import"], run.io)).toBe(0);
    expect(run.stdout()).toContain("--dry-run");
    expect(await runCli(["nope"], io().io)).toBe(2);
  });
});

function writeTo(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
