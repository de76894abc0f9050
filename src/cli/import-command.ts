// `baton import leads.csv --source "Trade show X" ...` (also `npm run import -- ...`): imports a
// lead list into Baton's database. Exit 0 when the import ran, rejected rows included (the
// summary counts them); 1 when it could not run (file, header, database); 2 for bad arguments;
// 130 when interrupted (Ctrl-C) after writing the rows read so far.
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import pino from "pino";
import type { CliIo } from "#src/cli/cli-io.ts";
import { type Config, ConfigError, loadConfig } from "#src/config.ts";
import { type Database, openDatabase } from "#src/db/database.ts";
import { applyMigrations, migrationStatus } from "#src/db/migrator.ts";
import { errorMessage, FatalError } from "#src/errors.ts";
import { EVENT_TARGETS, LEAD_TARGETS } from "#src/import/csv-columns.ts";
import { EXPORT_FORMATS } from "#src/import/export-formats.ts";
import { Progress } from "#src/import/progress.ts";
import { parseDateTime } from "#src/import/value-formats.ts";
import { createLogger } from "#src/logger.ts";
import { PlaybookError } from "#src/playbook/load-playbook.ts";
import { PlaybookStore } from "#src/playbook/playbook-store.ts";
import type { Playbook } from "#src/playbook/schema.ts";
import { type ImportSummary, importLeads } from "#src/services/import-leads.ts";
import { type ImportPreview, previewImport } from "#src/services/preview-import.ts";

export const IMPORT_USAGE = `Usage: baton import <file.csv> --source "Trade show X" [options]
       npm run import -- <file.csv> --source "Trade show X" [options]

Imports a lead list (a badge-scan export, a spreadsheet) into Baton. Each row is checked like a
lead sent to the intake API; good rows go in, bad rows are written to a rejects report with
their line number and reason. Leads that score high enough are handed to sales as usual (with
the embedded database, when Baton next starts).

Options:
  --source <text>        where the leads come from (required unless the file has a Source column)
  --campaign <text>      the campaign to credit
  --event <name>         the event: every row becomes a badge scan at this event
  --event-date <date>    when the event took place, for rows without a scan time (default: now)
  --map "Column=field"   map a column to a field (repeatable); field is one of
                         ${LEAD_TARGETS.join(", ")},
                         ${EVENT_TARGETS.join(", ")},
                         attributes.<name>, or ignore
  --delimiter <char>     , ; or tab (default: detected from the header line)
  --dates mdy|dmy        how the file writes dates like 03/04/2026 (month or day first;
                         default: the tool's own habit, else such dates are warned about)
  --rejects <path>       where to write rejected rows (default: <file>.rejects.csv, if any)
  --strict               reject a row with any value Baton cannot read (default: import it,
                         keep the value as a custom attribute and warn)
  --preview              show how the first rows map (column → field → value); write nothing
  --dry-run              read and check everything, write nothing to the database
  -h, --help             this help

Recognised exports (by their own column names; any other CSV works through the usual names):
${EXPORT_FORMATS.map((f) => `  ${f.name}`).join("\n")}
Zoom's report preamble (topic, host and panelist tables) is skipped and its Topic names the
webinar; Salesforce's report footer is skipped. Values are read as these tools write them:
sizes like "201-500 employees" or "10,001+ employees", dates like "3/14/2026 2:30 PM",
"14.03.2026 14:30" or "Mar 14, 2026 14:30:00", country names ("United States" → US), phone
numbers ("p:+1555..."), Yes/No consent columns.

Only a missing or invalid email rejects a row. A value Baton cannot read in another column
does not lose the lead: it goes in without that field, the value is kept as a custom
attribute named after its column, and the summary lists the row with a warning.

Columns are recognized by their usual names, in any case and punctuation: Email / E-mail /
Email Address / Work Email, First Name, Last Name, Full Name (split), Company / Organization /
Account, Job Title / Title, Phone / Mobile, Country, State, City, Company Size / Employees
(ranges like 51-200 count as their lower bound), Industry, Website, LinkedIn. Booth columns
(Booth Message, Talked To / Colleague, Colleague Note / Notes, Scanned At, Event) become a badge
scan on the lead's timeline, so its card says who talked to them and what they noted. Any other
column is kept as a custom attribute.

Running the same file again adds nothing: leads are matched by email, and a scan is identified
by event, email and scan time (not by the whole row). Re-importing a corrected row updates the
lead's fields and keeps its one scan as first imported; a person scanned at two different times
gets two scans.`;

export interface ImportDeps {
  /** An open database (tests); otherwise the one the environment names. */
  db?: Database;
  playbook?: Playbook;
}

/** What the command line asks for, once checked. */
interface ImportArgs {
  file: string;
  rejectsPath?: string;
  eventDate?: Date;
  delimiter?: string;
  dates?: "mdy" | "dmy";
  dryRun: boolean;
  values: ReturnType<typeof parse>["values"];
}

export async function runImport(argv: string[], io: CliIo, deps: ImportDeps = {}): Promise<number> {
  const args = readArgs(argv, io);
  if (typeof args === "number") return args;
  let close = async () => {};
  try {
    if (args.values.preview) {
      io.stdout.write(formatPreview(await previewImport(importOptions(args))));
      return 0;
    }
    const config = loadConfig(io.env, { requireSlack: false });
    const playbook = deps.playbook ?? (await PlaybookStore.open(config.playbookPath)).current;
    let db = deps.db;
    if (!db && !args.dryRun) {
      const opened = await openImportDatabase(config);
      db = opened;
      close = () => opened.close();
    }
    const progress = new Progress(io.stderr);
    // Ctrl-C stops reading; the rows read so far are written and the database closed cleanly.
    const abort = new AbortController();
    const onSignal = () => abort.abort();
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    const summary = await importLeads({
      ...importOptions(args),
      db,
      scoring: playbook.scoring,
      accountMatching: playbook.routing.accountMatching,
      dryRun: args.dryRun,
      onProgress: (snapshot) => progress.update(snapshot),
      signal: abort.signal,
    }).finally(() => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      progress.done();
    });
    io.stdout.write(formatSummary(summary));
    return summary.stoppedAtLine === undefined ? 0 : 130;
  } catch (error) {
    return reportFailure(error, io);
  } finally {
    await close();
  }
}

/** What the command line asks the import (and the preview) to do. */
function importOptions(args: ImportArgs) {
  return {
    file: args.file,
    source: args.values.source,
    campaign: args.values.campaign,
    event: args.values.event,
    eventDate: args.eventDate,
    map: args.values.map,
    delimiter: args.delimiter,
    dates: args.dates,
    strict: args.values.strict ?? false,
    rejectsPath: args.rejectsPath,
  };
}

/** The checked arguments, or the exit code after saying what is wrong (or the usage). */
function readArgs(argv: string[], io: CliIo): ImportArgs | number {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (error) {
    io.stderr.write(`baton import: ${errorMessage(error)}\nRun "baton import --help" for usage.\n`);
    return 2;
  }
  if (args.values.help) {
    io.stdout.write(`${IMPORT_USAGE}\n`);
    return 0;
  }
  // `npm run import` runs in the project folder; paths are meant from where it was typed.
  const base = (io.env.npm_lifecycle_event && io.env.INIT_CWD) || process.cwd();
  const given = args.positionals[0];
  if (!given || args.positionals.length > 1) {
    io.stderr.write(
      `baton import: ${given ? "import one file at a time" : "name the CSV file to import"}.\nRun "baton import --help" for usage.\n`,
    );
    return 2;
  }
  const eventDate = args.values["event-date"];
  const parsedDate = eventDate === undefined ? undefined : parseDateTime(eventDate);
  if (eventDate !== undefined && !parsedDate) {
    io.stderr.write(`baton import: --event-date must be a date like 2026-11-18.\n`);
    return 2;
  }
  let delimiter = args.values.delimiter;
  if (delimiter === "tab" || delimiter === "\\t") delimiter = "\t";
  if (delimiter !== undefined && ![",", ";", "\t", "|"].includes(delimiter)) {
    io.stderr.write(`baton import: --delimiter must be , ; | or tab.\n`);
    return 2;
  }
  const dates = args.values.dates;
  if (dates !== undefined && dates !== "mdy" && dates !== "dmy") {
    io.stderr.write(`baton import: --dates must be mdy (3/14/2026) or dmy (14/3/2026).\n`);
    return 2;
  }
  return {
    file: resolve(base, given),
    dates,
    rejectsPath: args.values.rejects === undefined ? undefined : resolve(base, args.values.rejects),
    eventDate: parsedDate,
    delimiter,
    dryRun: args.values["dry-run"] ?? false,
    values: args.values,
  };
}

/** The database the environment names, migrated (or refused while migrations are pending). */
async function openImportDatabase(config: Config): Promise<Database> {
  const logger = createLogger({
    level: config.log.level === "debug" || config.log.level === "trace" ? "debug" : "warn",
    pretty: false,
    destination: pino.destination({ dest: 2, sync: true }),
  });
  let db: Database;
  try {
    db = await openDatabase(config.database, logger);
  } catch (error) {
    throw new FatalError(`Cannot import: ${errorMessage(error)}`);
  }
  try {
    if (config.database.migrateOnStart) await applyMigrations(db, logger);
    else if ((await migrationStatus(db)).pending.length > 0) {
      throw new FatalError(
        "Cannot import: the database has pending migrations and MIGRATE_ON_START=false. Run `npm run db:migrate` first.",
      );
    }
    return db;
  } catch (error) {
    await db.close();
    throw error;
  }
}

function reportFailure(error: unknown, io: CliIo): number {
  if (
    error instanceof FatalError ||
    error instanceof ConfigError ||
    error instanceof PlaybookError
  ) {
    io.stderr.write(`baton import: ${error.message}\n`);
    return 1;
  }
  // A database that went away mid-import, or a bug: say so plainly. Whole batches were
  // committed or rolled back, so running the same import again finishes the job.
  io.stderr.write(
    `baton import: stopped by an error: ${errorMessage(error)}\nBatches written before it are saved; run the same import again to finish (rows already imported are skipped).\n`,
  );
  if (io.env.LOG_LEVEL === "debug" && error instanceof Error) io.stderr.write(`${error.stack}\n`);
  return 1;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      source: { type: "string" },
      campaign: { type: "string" },
      event: { type: "string" },
      "event-date": { type: "string" },
      map: { type: "string", multiple: true },
      delimiter: { type: "string" },
      dates: { type: "string" },
      rejects: { type: "string" },
      strict: { type: "boolean" },
      preview: { type: "boolean" },
      "dry-run": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}

export function formatSummary(s: ImportSummary): string {
  const n = (value: number) => value.toLocaleString("en-US");
  const lines = [
    s.dryRun ? `Dry run of ${s.file}: nothing was written to the database.` : `Imported ${s.file}.`,
    ...(s.format ? [`  recognised as         ${s.format}`] : []),
    ...(s.headerLine > 1
      ? [`  header on line        ${s.headerLine} (report preamble skipped)`]
      : []),
    ...(s.stoppedAtLine === undefined
      ? []
      : [
          `  Interrupted before line ${s.stoppedAtLine}: run the same command again to finish (rows already imported are skipped).`,
        ]),
    `  rows read             ${n(s.read)}`,
  ];
  if (s.dryRun) {
    const delimiter = s.delimiter === "\t" ? "tab" : s.delimiter;
    lines.splice(1, 0, `  columns (delimiter ${delimiter}):`, ...s.columns.map((c) => `    ${c}`));
    lines.push(`  would import          ${n(s.valid)}`);
  } else {
    lines.push(
      `  new leads             ${n(s.created)}`,
      `  merged into existing  ${n(s.merged)}`,
      `  already imported      ${n(s.unchanged)}`,
      `  qualified for sales   ${n(s.qualified)}`,
    );
  }
  lines.push(`  rejected              ${n(s.rejected)}`);
  if (s.warned > 0) {
    lines.push(
      `  imported with warnings ${n(s.warned)} (unreadable values kept as custom attributes)`,
    );
    lines.push(...s.warnings.map((w) => `    line ${w.line}: ${w.text}`));
    const more = s.warned - new Set(s.warnings.map((w) => w.line)).size;
    if (more > 0) lines.push(`    and ${n(more)} more rows`);
  }
  if (s.reportLines > 0)
    lines.push(`  report lines skipped  ${n(s.reportLines)} (totals, footers)`);
  if (s.rejectsPath) lines.push(`  rejects report        ${s.rejectsPath}`);
  lines.push(
    `  duration              ${(s.durationMs / 1000).toFixed(1)} s (${n(Math.round(s.rowsPerSecond))} rows/s)`,
  );
  return `${lines.join("\n")}\n`;
}

/** The preview: each of the first rows, column by column, with the value Baton reads. */
export function formatPreview(p: ImportPreview): string {
  const lines = [
    `Preview of ${p.file}: nothing was written.`,
    p.format
      ? `  recognised as ${p.format}`
      : "  not a recognised tool's export: columns read by their usual names",
    ...(p.headerLine > 1 ? [`  header on line ${p.headerLine} (report preamble skipped)`] : []),
  ];
  for (const row of p.rows) {
    lines.push("", `  line ${row.line}${row.rejected ? `: REJECTED: ${row.rejected}` : ""}`);
    for (const cell of row.cells) {
      const shown =
        cell.value === undefined
          ? row.rejected
            ? ""
            : " (not read: see the warning)"
          : cell.value === cell.raw
            ? ""
            : ` = ${cell.value}`;
      lines.push(`    ${cell.column} → ${cell.field}: ${JSON.stringify(cell.raw)}${shown}`);
    }
    lines.push(...row.warnings.map((w) => `    warning: ${w}`));
  }
  if (p.rows.length === 0) lines.push("", "  (no rows)");
  return `${lines.join("\n")}\n`;
}
