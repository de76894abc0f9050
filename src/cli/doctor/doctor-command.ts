// `baton doctor` (also `npm run baton -- doctor`): checks a real installation end to end with
// the settings Baton itself reads, and prints a checklist with the fix for each failure.
// Exit 0 when nothing failed (skipped checks are fine), 1 when anything failed, 2 for bad
// arguments. It changes nothing: it posts no message, runs no migration, sends no webhook.

import { readFile } from "node:fs/promises";
import { relative } from "node:path";
import type { CliIo } from "#src/cli/cli-io.ts";
import {
  type Check,
  fail,
  formatCheck,
  formatSummary,
  pass,
  skip,
} from "#src/cli/doctor/checklist.ts";
import { checkDatabase } from "#src/cli/doctor/database-check.ts";
import { checkOpenAI } from "#src/cli/doctor/openai-check.ts";
import { lineFinder, playbookRefs } from "#src/cli/doctor/playbook-refs.ts";
import { checkIntakeTokens, checkWebhooks } from "#src/cli/doctor/secret-checks.ts";
import { doctorSlackClient } from "#src/cli/doctor/slack-client.ts";
import {
  checkChannels,
  checkPeople,
  checkRoleCoverage,
} from "#src/cli/doctor/slack-directory-checks.ts";
import {
  checkAppToken,
  checkBotToken,
  checkScopes,
  manifestBotScopes,
} from "#src/cli/doctor/slack-token-checks.ts";
import { type Config, ConfigError, loadConfig } from "#src/config.ts";
import type { Database } from "#src/db/database.ts";
import { loadPlaybook, PlaybookError } from "#src/playbook/load-playbook.ts";
import type { Playbook } from "#src/playbook/schema.ts";

export const DOCTOR_USAGE = `Usage: baton doctor
       npm run baton -- doctor

Checks this installation end to end, with the settings Baton itself reads (the environment,
.env, the playbook), and prints a checklist: ✓ passed, ✗ failed (with the fix), – skipped.
Exit code 1 when any check fails, 0 otherwise. It changes nothing: it posts no message, runs
no migration, sends no webhook, and prints no token, key or email address.

Checks: the configuration; the playbook; the bot token and its scopes against
slack-manifest.yml; the app token (Socket Mode); every person in the playbook (exists, not
deactivated) and that each team has a manager and the playbook marketers and admins; every
channel (exists, not archived, Baton can post); the database (reachable, migrated); the
OpenAI key, if set; the intake tokens (strong); the webhook hosts (resolve).`;

export interface DoctorDeps {
  /** An open database (tests); otherwise the one the configuration names. */
  db?: Database;
  cwd?: string;
}

export async function runDoctor(argv: string[], io: CliIo, deps: DoctorDeps = {}): Promise<number> {
  if (argv.includes("-h") || argv.includes("--help")) {
    io.stdout.write(`${DOCTOR_USAGE}\n`);
    return 0;
  }
  if (argv.length > 0) {
    io.stderr.write(`baton doctor: unexpected argument "${argv[0]}".\n\n${DOCTOR_USAGE}\n`);
    return 2;
  }
  const checks: Check[] = [];
  const report = (...found: Check[]) => {
    for (const check of found) {
      checks.push(check);
      io.stdout.write(formatCheck(check));
    }
  };
  io.stdout.write("Baton doctor: checking this installation.\n\n");
  const cwd = deps.cwd ?? process.cwd();
  const config = loadDoctorConfig(io.env, cwd, report);
  if (config) await runChecks(config, cwd, deps.db, report);
  else report(skip("Everything else: skipped (it needs a configuration that loads)"));
  io.stdout.write(formatSummary(checks));
  return checks.some((check) => check.status === "fail") ? 1 : 0;
}

/**
 * The configuration as `npm start` reads it. When only Slack settings are wrong, the rest still
 * loads and its checks still run.
 */
function loadDoctorConfig(
  env: NodeJS.ProcessEnv,
  cwd: string,
  report: (...checks: Check[]) => void,
): Config | undefined {
  try {
    const config = loadConfig(env, { cwd });
    const database = config.database.kind === "postgres" ? "PostgreSQL" : "embedded database";
    report(
      pass(
        `Configuration loads (${config.slack.mode === "socket" ? "Socket Mode" : "HTTP mode"}, ${database})`,
      ),
    );
    return config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    report(
      ...error.problems.map((problem) =>
        fail(
          `Configuration: ${problem}`,
          `set ${problem.split(" ")[0]} in the environment or in .env (see .env.example)`,
        ),
      ),
    );
  }
  try {
    return loadConfig(env, { cwd, requireSlack: false });
  } catch {
    return undefined;
  }
}

async function runChecks(
  config: Config,
  cwd: string,
  db: Database | undefined,
  report: (...checks: Check[]) => void,
): Promise<void> {
  const playbook = await loadDoctorPlaybook(config.playbookPath, cwd, report);
  await slackChecks(config, playbook, report);
  report(await checkDatabase(config.database, db));
  report(await checkOpenAI(config.openai));
  report(...checkIntakeTokens(config.intake.tokens));
  report(...(await checkWebhooks(config.webhooks.urls)));
}

interface LoadedPlaybook {
  playbook: Playbook;
  file: string;
  lineOf: ReturnType<typeof lineFinder>;
}

async function loadDoctorPlaybook(
  path: string,
  cwd: string,
  report: (...checks: Check[]) => void,
): Promise<LoadedPlaybook | undefined> {
  const fromCwd = relative(cwd, path);
  const file = fromCwd && !fromCwd.startsWith("..") ? fromCwd : path;
  try {
    const playbook = await loadPlaybook(path, cwd);
    const lineOf = lineFinder(await readFile(path, "utf8"));
    const { people, channels } = playbookRefs(playbook);
    report(
      pass(
        `Playbook ${file} is valid: ${playbook.teams.length} teams, ${people.length} people, ${channels.length} channels`,
      ),
    );
    return { playbook, file, lineOf };
  } catch (error) {
    if (!(error instanceof PlaybookError)) throw error;
    report(
      ...error.problems.map((problem) =>
        fail(
          `Playbook ${error.file}: ${problem}`,
          "correct it (every field is commented in manifests/playbook.yml), or set PLAYBOOK to another file",
        ),
      ),
    );
    return undefined;
  }
}

async function slackChecks(
  config: Config,
  loaded: LoadedPlaybook | undefined,
  report: (...checks: Check[]) => void,
): Promise<void> {
  const { botToken, appToken, apiUrl, mode } = config.slack;
  if (!botToken) {
    report(skip("Slack: skipped (SLACK_BOT_TOKEN is not set)"));
  } else {
    const client = doctorSlackClient(botToken, apiUrl);
    const { check, identity } = await checkBotToken(client);
    report(check);
    if (identity) report(checkScopes(identity.scopes, manifestBotScopes()));
    if (!identity || !loaded) {
      report(
        skip(
          `People and channels in the playbook: skipped (they need a working bot token${loaded ? "" : " and a valid playbook"})`,
        ),
      );
    } else {
      const { people, channels } = playbookRefs(loaded.playbook, loaded.lineOf);
      const { checks, states } = await checkPeople(client, people, loaded.file);
      report(...checks, ...checkRoleCoverage(loaded.playbook, states, loaded.file));
      const canPostPublic = identity.scopes?.includes("chat:write.public") ?? true;
      report(...(await checkChannels(client, channels, loaded.file, canPostPublic)));
    }
  }
  report(await checkAppToken(mode, appToken, apiUrl));
}
