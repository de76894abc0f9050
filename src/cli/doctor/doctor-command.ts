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
import { CRM_CHECKS } from "#src/cli/doctor/crm-checks.ts";
import { checkDatabase } from "#src/cli/doctor/database-check.ts";
import { checkOpenAI } from "#src/cli/doctor/openai-check.ts";
import { lineFinder, playbookRefs } from "#src/cli/doctor/playbook-refs.ts";
import { checkIntakeTokens, checkWebhooks } from "#src/cli/doctor/secret-checks.ts";
import { doctorSlackClient, LOOKUP_RETRIES } from "#src/cli/doctor/slack-client.ts";
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
OpenAI key, if set; the intake tokens (strong); the webhook hosts (resolve); HubSpot, when
HUBSPOT_ACCESS_TOKEN is set (the token works, its scopes, the contact properties the playbook
maps); Salesforce, when SALESFORCE_CLIENT_ID is set (the connected app signs in and reads,
its org is SALESFORCE_ORGANIZATION_ID).`;

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
  const { config, broken } = loadDoctorConfig(io.env, cwd, report);
  if (config) await runChecks(config, broken, cwd, deps.db, report);
  else report(skip("Everything else: skipped (it needs a configuration that loads)"));
  io.stdout.write(formatSummary(checks));
  return checks.some((check) => check.status === "fail") ? 1 : 0;
}

/**
 * The configuration as `npm start` reads it. A variable that is wrong is reported, and the
 * rest loads without it, so the checks that do not depend on it still run.
 */
function loadDoctorConfig(
  env: NodeJS.ProcessEnv,
  cwd: string,
  report: (...checks: Check[]) => void,
): { config?: Config; broken: Set<string> } {
  const broken = new Set<string>();
  for (;;) {
    const source = Object.fromEntries(Object.entries(env).filter(([name]) => !broken.has(name)));
    try {
      const config = loadConfig(source, { cwd, requireSlack: broken.size === 0 });
      if (broken.size === 0) {
        const database = config.database.kind === "postgres" ? "PostgreSQL" : "embedded database";
        const mode = config.slack.mode === "socket" ? "Socket Mode" : "HTTP mode";
        report(pass(`Configuration loads (${mode}, ${database})`));
      }
      return { config, broken };
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      const named = error.problems.map((problem) => problem.split(" ")[0] ?? "");
      if (broken.size === 0) {
        report(
          ...error.problems.map((problem, i) =>
            fail(
              `Configuration: ${problem}`,
              `set ${named[i]} in the environment or in .env (see .env.example)`,
            ),
          ),
        );
      }
      // Without a bad variable another may fail for its sake ("WEBHOOK_SECRET is required when
      // WEBHOOK_URLS is set"): then leave out the variables the problem names too.
      const mentioned = error.problems.flatMap(
        (p) => p.match(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g) ?? [],
      );
      const more = [...named, ...mentioned].filter((name) => !broken.has(name) && name in env);
      if (more.length === 0) return { broken };
      for (const name of more) broken.add(name);
    }
  }
}

/** The variables each check reads: a wrong one skips the check instead of checking something else. */
const NEEDS = {
  playbook: ["PLAYBOOK"],
  slack: ["SLACK_BOT_TOKEN", "SLACK_API_URL"],
  appToken: ["SLACK_APP_TOKEN", "SLACK_MODE", "SLACK_API_URL"],
  database: ["DATABASE_URL", "DATA_DIR", "DATABASE_POOL_SIZE", "MIGRATE_ON_START"],
  openai: ["OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL", "OPENAI_TIMEOUT_MS"],
  intake: ["INTAKE_API_TOKENS"],
  webhooks: ["WEBHOOK_SECRET", "WEBHOOK_URLS"],
};

async function runChecks(
  config: Config,
  broken: Set<string>,
  cwd: string,
  db: Database | undefined,
  report: (...checks: Check[]) => void,
): Promise<void> {
  const guarded = async (label: string, needs: string[], run: () => Promise<Check | Check[]>) => {
    const name = needs.find((variable) => broken.has(variable));
    report(...(name ? [skip(`${label}: skipped (fix ${name} first)`)] : [await run()].flat()));
  };
  let loaded: LoadedPlaybook | undefined;
  await guarded("Playbook", NEEDS.playbook, async () => {
    const result = await loadDoctorPlaybook(config.playbookPath, cwd);
    loaded = result.loaded;
    return result.checks;
  });
  await guarded("Slack", NEEDS.slack, () => slackChecks(config, loaded));
  const { mode, appToken, apiUrl } = config.slack;
  await guarded("App token", NEEDS.appToken, () => checkAppToken(mode, appToken, apiUrl));
  await guarded("Database", NEEDS.database, () => checkDatabase(config.database, db));
  await guarded("OpenAI", NEEDS.openai, () => checkOpenAI(config.openai));
  await guarded("Intake tokens", NEEDS.intake, async () => checkIntakeTokens(config.intake.tokens));
  await guarded("Webhooks", NEEDS.webhooks, () => checkWebhooks(config.webhooks.urls));
  for (const crm of CRM_CHECKS) {
    await guarded(crm.label, crm.needs, () => crm.run(config, loaded));
  }
}

interface LoadedPlaybook {
  playbook: Playbook;
  file: string;
  lineOf: ReturnType<typeof lineFinder>;
}

async function loadDoctorPlaybook(
  path: string,
  cwd: string,
): Promise<{ checks: Check[]; loaded?: LoadedPlaybook }> {
  const fromCwd = relative(cwd, path);
  const file = fromCwd && !fromCwd.startsWith("..") ? fromCwd : path;
  try {
    const playbook = await loadPlaybook(path, cwd);
    const lineOf = lineFinder(await readFile(path, "utf8"));
    const { people, channels } = playbookRefs(playbook);
    const counts = `${playbook.teams.length} teams, ${people.length} people, ${channels.length} channels`;
    return {
      checks: [pass(`Playbook ${file} is valid: ${counts}`)],
      loaded: { playbook, file, lineOf },
    };
  } catch (error) {
    if (!(error instanceof PlaybookError)) throw error;
    return {
      checks: error.problems.map((problem) =>
        fail(
          `Playbook ${error.file}: ${problem}`,
          "correct it (every field is commented in manifests/playbook.yml), or set PLAYBOOK to another file",
        ),
      ),
    };
  }
}

async function slackChecks(config: Config, loaded: LoadedPlaybook | undefined): Promise<Check[]> {
  const { botToken, apiUrl } = config.slack;
  if (!botToken) return [skip("Slack: skipped (SLACK_BOT_TOKEN is not set)")];
  const client = doctorSlackClient(botToken, apiUrl);
  const { check, identity } = await checkBotToken(client);
  if (!identity) {
    return [
      check,
      skip("People and channels in the playbook: skipped (they need a working bot token)"),
    ];
  }
  const checks = [check, checkScopes(identity.scopes, manifestBotScopes())];
  if (!loaded) {
    return [
      ...checks,
      skip("People and channels in the playbook: skipped (they need a valid playbook)"),
    ];
  }
  const { people, channels } = playbookRefs(loaded.playbook, loaded.lineOf);
  const canPostPublic = identity.scopes?.includes("chat:write.public") ?? true;
  const lookups = doctorSlackClient(botToken, apiUrl, LOOKUP_RETRIES);
  const [found, channelChecks] = await Promise.all([
    checkPeople(lookups, people, loaded.file),
    checkChannels(lookups, channels, loaded.file, canPostPublic),
  ]);
  return [
    ...checks,
    ...found.checks,
    ...checkRoleCoverage(loaded.playbook, found.states, loaded.file),
    ...channelChecks,
  ];
}
