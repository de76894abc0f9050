// The `baton` command line: one entry per command. A new command adds one line here and a
// `run(argv, io)` that returns the exit code.
import type { CliIo } from "#src/cli/cli-io.ts";
import { DOCTOR_USAGE, runDoctor } from "#src/cli/doctor/doctor-command.ts";
import { IMPORT_USAGE, runImport } from "#src/cli/import-command.ts";
import { ROUTE_USAGE, runRoute } from "#src/cli/route-command.ts";

export interface Command {
  summary: string;
  usage: string;
  run(argv: string[], io: CliIo): Promise<number>;
}

export const COMMANDS: Record<string, Command> = {
  doctor: {
    summary:
      "check this installation: Slack tokens and scopes, playbook people and channels, database, OpenAI, intake tokens, webhooks",
    usage: DOCTOR_USAGE,
    run: (argv, io) => runDoctor(argv, io),
  },
  import: {
    summary: "import a lead list from a CSV file (trade-show scans, spreadsheets)",
    usage: IMPORT_USAGE,
    run: (argv, io) => runImport(argv, io),
  },
  route: {
    summary: "say where a lead would go and why, without writing anything (dry run)",
    usage: ROUTE_USAGE,
    run: (argv, io) => runRoute(argv, io),
  },
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length), 4) + 2;
  return `Usage: baton <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, command]) => `  ${name.padEnd(width)}${command.summary}`)
  .join("\n")}
  ${"help".padEnd(width)}this help, or "baton help <command>" for one command

Baton reads its database settings from the environment or a .env file (DATABASE_URL, DATA_DIR).`;
}

/** Runs `baton <argv...>` and returns the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    const topic = name === "help" ? rest[0] : undefined;
    const command = topic === undefined ? undefined : COMMANDS[topic];
    if (topic !== undefined && !command) {
      io.stderr.write(`baton: no command "${topic}".\n\n${usage()}\n`);
      return 2;
    }
    io.stdout.write(`${command ? command.usage : usage()}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr.write(`baton: no command "${name}".\n\n${usage()}\n`);
    return 2;
  }
  return command.run(rest, io);
}
