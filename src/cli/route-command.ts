// `baton route <lead.json>`: where this lead would go if it came in now, and why: the rule that
// matched and those that did not (with the failing condition), the team, the rep who would get
// it next and why each other rep was skipped. Reads the database (read-only) and the playbook;
// writes nothing, and never migrates: a database with pending migrations is refused.
import { readFile } from "node:fs/promises";
import { WebClient } from "@slack/web-api";
import pino from "pino";
import type { CliIo } from "#src/cli/cli-io.ts";
import { type Config, ConfigError, loadConfig } from "#src/config.ts";
import type { CrmOwnerLookup } from "#src/crm/crm-provider.ts";
import { createHubSpotApi } from "#src/crm/hubspot/hubspot-api.ts";
import { hubspotOwnerLookup } from "#src/crm/hubspot/owner-lookup.ts";
import { salesforceOwnerLookup } from "#src/crm/salesforce/owner-lookup.ts";
import { createSalesforceApi } from "#src/crm/salesforce/salesforce-api.ts";
import { type Database, openDatabase } from "#src/db/database.ts";
import { migrationStatus } from "#src/db/migrator.ts";
import { type RouteExplanation, routeReport } from "#src/domain/routing.ts";
import { AppError, errorMessage } from "#src/errors.ts";
import { createLogger } from "#src/logger.ts";
import { PlaybookError } from "#src/playbook/load-playbook.ts";
import { PlaybookStore } from "#src/playbook/playbook-store.ts";
import type { Playbook } from "#src/playbook/schema.ts";
import { CrmOwnerMatcher } from "#src/services/crm-owner-match.ts";
import { type ExplainRouteOptions, explainRoute } from "#src/services/explain-route.ts";

export const ROUTE_USAGE = `Usage: baton route <lead.json>

Says where a lead would go if it came in now, and why, without writing anything: which routing
rule matched and which did not (with the condition that failed), the team, the rep who would
get it next, and why each other rep was skipped (away since, capped n/n, at capacity, not in
the team). The file holds one lead as the intake API takes it:

  { "email": "cto@acme.example", "country": "DE", "region": "EMEA", "companySize": 800 }

A lead whose email Baton already knows is routed as stored (a capture would merge into it).
Reads the playbook (PLAYBOOK) and the database (DATABASE_URL or DATA_DIR) from the environment
or a .env file. Exit 0 with the answer, 1 when the lead or the setup is wrong.`;

export interface RouteDeps {
  /** Owner matching before routing (tests); otherwise from the configuration and playbook. */
  crmOwner?: ExplainRouteOptions["crmOwner"];
  db?: Database;
  playbook?: Playbook;
  now?: Date;
}

export async function runRoute(argv: string[], io: CliIo, deps: RouteDeps = {}): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    io.stdout.write(`${ROUTE_USAGE}\n`);
    return 0;
  }
  if (argv.length !== 1 || argv[0]!.startsWith("-")) {
    io.stderr.write(`baton route: name one lead file.\n\n${ROUTE_USAGE}\n`);
    return 2;
  }
  let close = async () => {};
  try {
    const lead = await readLead(argv[0]!);
    const config = loadConfig(io.env, { requireSlack: false });
    const playbook = deps.playbook ?? (await PlaybookStore.open(config.playbookPath)).current;
    let db = deps.db;
    if (!db) {
      const opened = await openReadDatabase(config.database);
      db = opened;
      close = () => opened.close();
    }
    const now = deps.now ?? new Date();
    const explanation = await explainRoute({
      db,
      playbook,
      now,
      query: { kind: "new", lead },
      crmOwner: deps.crmOwner ?? crmOwnerFor(config, playbook, db),
    });
    io.stdout.write(`${formatRoute(explanation).join("\n")}\n`);
    return 0;
  } catch (error) {
    const known =
      error instanceof AppError ||
      error instanceof ConfigError ||
      error instanceof PlaybookError ||
      error instanceof RouteError;
    const message = error instanceof AppError ? error.userMessage : errorMessage(error);
    io.stderr.write(`baton route: ${known ? message : `failed: ${message}`}\n`);
    return 1;
  } finally {
    await close();
  }
}

class RouteError extends Error {}

/**
 * With crm.hubspot.ownerMatching (or crm.salesforce.ownerMatching) on, the dry run asks the CRM
 * too, as the hand-off would: the owner's email to a Slack user needs SLACK_BOT_TOKEN
 * (users:read.email).
 */
function crmOwnerFor(
  config: Config,
  playbook: Playbook,
  db: Database,
): ExplainRouteOptions["crmOwner"] {
  const found = ownerLookupFor(config, playbook);
  if (!found || !config.slack.botToken) return undefined;
  const slack = new WebClient(config.slack.botToken, { slackApiUrl: config.slack.apiUrl });
  const matcher = new CrmOwnerMatcher({
    lookup: found.lookup,
    slackUserByEmail: async (email) =>
      (await slack.users.lookupByEmail({ email }).catch(() => undefined))?.user?.id,
    logger: pino({ level: "silent" }),
    timeoutMs: found.waitMs,
  });
  return (lead) => matcher.match(db, lead);
}

function ownerLookupFor(
  config: Config,
  playbook: Playbook,
): { lookup: CrmOwnerLookup; waitMs: number } | undefined {
  const { hubspot, salesforce } = playbook.crm;
  const { accessToken, apiUrl, rateLimit } = config.hubspot;
  if (hubspot.ownerMatching && accessToken) {
    const api = createHubSpotApi({ accessToken, apiUrl, rateLimit });
    return { lookup: hubspotOwnerLookup(api), waitMs: hubspot.ownerMatchingWait };
  }
  const { auth, loginUrl, apiVersion } = config.salesforce;
  if (salesforce.ownerMatching && auth) {
    const api = createSalesforceApi({ auth, loginUrl, apiVersion });
    return { lookup: salesforceOwnerLookup(api), waitMs: salesforce.ownerMatchingWait };
  }
  return undefined;
}

async function readLead(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new RouteError(`cannot read ${path}: ${errorMessage(error)}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new RouteError(`${path} is not JSON: ${errorMessage(error)}`);
  }
}

async function openReadDatabase(config: Parameters<typeof openDatabase>[0]): Promise<Database> {
  const logger = createLogger({
    level: "warn",
    pretty: false,
    destination: pino.destination({ dest: 2, sync: true }),
  });
  const db = await openDatabase(config, logger);
  try {
    if ((await migrationStatus(db)).pending.length > 0) {
      throw new RouteError(
        "the database has pending migrations: start Baton once or run `npm run db:migrate` first.",
      );
    }
    return db;
  } catch (error) {
    await db.close();
    throw error;
  }
}

/** The answer as the terminal shows it. */
export function formatRoute(explanation: RouteExplanation): string[] {
  const { people, number, status } = explanation;
  const who = (repId: string) => {
    const person = people[repId];
    return person ? `${person.name} (${person.slackUserId})` : repId;
  };
  const head = number
    ? `L-${number} (${status?.toLowerCase()}) would go, if handed off now:`
    : "This lead would go:";
  return [head, ...routeReport(explanation.decision, who)];
}
