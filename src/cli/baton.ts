// `baton <command>`: the command-line entry (bin/baton.mjs, `npm run baton -- ...`).
import { existsSync } from "node:fs";
import { runCli } from "#src/cli/commands.ts";

if (existsSync(".env")) process.loadEnvFile(".env");

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
