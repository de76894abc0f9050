// `baton doctor` against the fake Slack (a workspace with deactivated people, archived and
// private channels, granted scopes), the fake OpenAI and a real database: a good setup passes,
// and each broken setup fails with its own line and fix, naming the variable or playbook line.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { runCli } from "#src/cli/commands.ts";
import { checkDatabase } from "#src/cli/doctor/database-check.ts";
import { runDoctor } from "#src/cli/doctor/doctor-command.ts";
import { applyMigrations, readMigrations } from "#src/db/migrator.ts";
import { openPglite } from "#src/db/pglite.ts";
import { createLogger } from "#src/logger.ts";
import { HUBSPOT_TOKEN, useFakeHubSpot } from "#test/fakes/fake-hubspot.ts";
import { type FakeOpenAI, startFakeOpenAI } from "#test/fakes/fake-openai.ts";
import {
  SALESFORCE_CLIENT_ID,
  SALESFORCE_CLIENT_SECRET,
  SALESFORCE_ORG_ID,
  useFakeSalesforce,
} from "#test/fakes/fake-salesforce.ts";
import { type FakeSlackChannel, type FakeSlackUser, useFakeSlack } from "#test/fakes/fake-slack.ts";
import { useTestDatabase } from "#test/setup/database.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** How this run's test databases are made (test/setup/test-database.ts). */
const template = JSON.parse(inject("dbTemplate")) as {
  kind: "pglite" | "postgres";
  url?: string;
  database?: string;
  dumpFile?: string;
};
const slack = useFakeSlack();
const hubspot = useFakeHubSpot();
const salesforce = useFakeSalesforce();
const database = useTestDatabase();
let openai: FakeOpenAI;
const dir = mkdtempSync(join(tmpdir(), "baton-doctor-test-"));

const PLAYBOOK = `version: 1
admins: [U0ADMIN001]
marketing:
  channel: C0MKTFEED1
  marketers: [U0MKTJANE1]
teams:
  - key: emea
    name: EMEA
    channel: C0EMEA0001
    mode: assign
    managers: [U0MGRKLAUS]
    reps:
      - { user: U0REPANA01, name: Ana }
      - { user: U0REPLEA01, name: Lea }
  - key: inbound
    name: Inbound
    channel: G0INBOUND1
    managers: [U0MGRDANA1]
    reps:
      - { user: U0REPKIM01 }
routing:
  default: inbound
scoring:
  threshold: 50
  behavior:
    weights: { demo_request: 50 }
sla:
  default: standard
  policies:
    standard:
      offered: { remind: 15m, escalate: 1h, reassign: 4h }
      claimed: { nudge: 4h, escalate: 1d, release: 3d }
      working: { followUp: 3d }
reasons:
  disqualify: [{ key: bad-data, label: Bad data }]
  nurture: [{ key: not-now, label: Not now }]
`;
const PEOPLE = [
  "U0ADMIN001",
  "U0MKTJANE1",
  "U0MGRKLAUS",
  "U0REPANA01",
  "U0REPLEA01",
  "U0MGRDANA1",
  "U0REPKIM01",
];
const CHANNELS: FakeSlackChannel[] = [
  { id: "C0MKTFEED1", name: "marketing-feed", is_member: true },
  // Public, and Baton not in it: it posts there with chat:write.public.
  { id: "C0EMEA0001", name: "sales-emea", is_member: false },
  { id: "G0INBOUND1", name: "inbound-private", is_private: true, is_member: true },
];

const SECRETS = {
  bot: "xoxb-1111-2222-doctorsecretbot",
  app: "xapp-1-A111-3333-doctorsecretapp",
  openai: "sk-doctor-good-key-0123456789",
  intake: "9f2c61d0b7e84a5c3e1f0a9b8c7d6e5f4a3b2c1d",
  hook: "hooksecret-0a1b2c3d4e5f",
};

function env(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return {
    SLACK_BOT_TOKEN: SECRETS.bot,
    SLACK_APP_TOKEN: SECRETS.app,
    SLACK_API_URL: slack.current.url,
    PLAYBOOK: "playbook.yml",
    DATA_DIR: join(dir, "data"),
    OPENAI_API_KEY: SECRETS.openai,
    OPENAI_BASE_URL: openai.url,
    INTAKE_API_TOKENS: `hubspot:${SECRETS.intake}`,
    WEBHOOK_URLS: `http://localhost:9/hooks/${SECRETS.hook}?token=${SECRETS.hook}`,
    WEBHOOK_SECRET: "0123456789abcdef0123456789abcdef",
    ...overrides,
  };
}

async function doctor(overrides: Record<string, string | undefined> = {}, useTestDb = true) {
  let out = "";
  const io = {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (out += text) },
    env: env(overrides),
  };
  const code = await runDoctor([], io, {
    db: useTestDb ? database.current : undefined,
    cwd: dir,
  });
  return { code, out, failed: out.split("\n").filter((line) => line.startsWith("✗")) };
}

/** The line after a ✗ line: its fix. */
function fixOf(out: string, failure: string): string {
  const lines = out.split("\n");
  const at = lines.findIndex((line) => line.startsWith("✗") && line.includes(failure));
  expect(at, `no ✗ line with "${failure}" in:\n${out}`).toBeGreaterThanOrEqual(0);
  return lines[at + 1] ?? "";
}

function person(id: string, extra: Partial<FakeSlackUser> = {}) {
  slack.current.workspace.users.set(id, {
    id,
    email: `${id.toLowerCase()}@example.com`,
    ...extra,
  });
}

beforeAll(async () => {
  openai = await startFakeOpenAI();
  writeFileSync(join(dir, "playbook.yml"), PLAYBOOK);
});

afterAll(async () => {
  await openai.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  slack.current.reset();
  slack.current.socketModeUrl = "wss://127.0.0.1:1/link";
  slack.current.workspace.closed = true;
  for (const id of PEOPLE) person(id);
  for (const channel of CHANNELS) slack.current.workspace.channels.set(channel.id, channel);
  openai.acceptKeys([SECRETS.openai]);
});

describe("baton doctor", () => {
  it("passes a good installation with exit 0, one ✓ line per check, and prints no secret", async () => {
    const { code, out, failed } = await doctor();
    expect(failed).toEqual([]);
    expect(code).toBe(0);
    for (const line of [
      "✓ Configuration loads (Socket Mode,",
      "✓ Playbook playbook.yml is valid: 2 teams, 7 people, 3 channels",
      "✓ Bot token works: bot user U0BATONBOT in Baton Test (T0TEST0001)",
      "✓ Bot token has the 9 scopes slack-manifest.yml asks for",
      "✓ 7 of 7 people in the playbook exist in Slack and are active (3 reps, 2 managers, 1 marketer, 1 admin)",
      "✓ Every team has an active manager; the playbook has active marketers and admins",
      "✓ #marketing-feed (C0MKTFEED1, marketing channel): Baton is a member and can post",
      "✓ #sales-emea (C0EMEA0001, channel of team emea): public, Baton posts there with chat:write.public",
      "✓ #inbound-private (G0INBOUND1, channel of team inbound): Baton is a member and can post",
      "✓ App token works: Slack grants Socket Mode connections",
      "is reachable and migrated",
      `✓ OPENAI_API_KEY works with OPENAI_BASE_URL 127.0.0.1:`,
      "✓ Intake tokens are strong (hubspot)",
      "✓ Webhook http://localhost:9/...: localhost resolves",
    ]) {
      expect(out).toContain(line);
    }
    expect(out).toMatch(/All \d+ checks passed/);
    for (const secret of Object.values(SECRETS)) expect(out).not.toContain(secret);
    expect(out).not.toContain("@example.com");
    expect(slack.current.callsTo("users.info")).toHaveLength(PEOPLE.length);
    expect(slack.current.callsTo("chat.postMessage")).toHaveLength(0);
    expect(openai.requests.at(-1)).toMatchObject({ path: "/v1/models" });
  });

  it("lists the scopes the bot token lacks against slack-manifest.yml", async () => {
    slack.current.botScopes = slack.current.botScopes.filter(
      (scope) => scope !== "files:write" && scope !== "chat:write.public",
    );
    const { code, out } = await doctor();
    expect(code).toBe(1);
    expect(out).toContain("✗ Bot token is missing scopes chat:write.public, files:write\n");
    expect(fixOf(out, "missing scopes")).toContain("Reinstall to Workspace");
    // Without chat:write.public, a public channel Baton is not in is closed to it too.
    expect(out).toContain(
      "✗ #sales-emea (C0EMEA0001, channel of team emea): Baton is not a member and cannot post",
    );
    expect(fixOf(out, "#sales-emea")).toContain("/invite @Baton in #sales-emea");
  });

  it("names a deactivated person with their role and the playbook line to edit", async () => {
    person("U0REPLEA01", { deleted: true });
    const { code, out, failed } = await doctor();
    expect(code).toBe(1);
    expect(failed).toEqual(["✗ U0REPLEA01 (rep in emea) is deactivated in Slack"]);
    // Line 14 of the playbook: `- { user: U0REPLEA01, name: Lea }`.
    expect(PLAYBOOK.split("\n")[13]).toContain("U0REPLEA01");
    expect(fixOf(out, "U0REPLEA01")).toBe(
      "    fix: remove or replace them in playbook.yml line 14 (teams[0].reps[1].user), then run /leads reload (or restart Baton)",
    );
    expect(out).toContain("✓ 6 of 7 people in the playbook exist in Slack and are active");
  });

  it("says when a team's only manager is gone, and when an id is not in the workspace", async () => {
    person("U0MGRDANA1", { deleted: true });
    slack.current.workspace.users.delete("U0ADMIN001");
    const { out, failed } = await doctor();
    expect(failed).toEqual([
      "✗ U0MGRDANA1 (manager of inbound) is deactivated in Slack",
      "✗ U0ADMIN001 (admin) does not exist in this Slack workspace (user_not_found)",
      "✗ Team inbound has no active manager: its ghost alerts reach nobody",
      "✗ The playbook has no active admin: nobody can run /leads reload or other admin commands",
    ]);
    expect(fixOf(out, "U0ADMIN001")).toContain("playbook.yml line 2 (admins[0])");
    expect(fixOf(out, "Team inbound")).toContain("under teams[1].managers in playbook.yml");
  });

  it("fails an archived channel and a private channel Baton is not in, with the fix", async () => {
    slack.current.workspace.channels.set("C0MKTFEED1", {
      id: "C0MKTFEED1",
      name: "marketing-feed",
      is_archived: true,
      is_member: true,
    });
    slack.current.workspace.channels.set("G0INBOUND1", {
      id: "G0INBOUND1",
      name: "inbound-private",
      is_private: true,
      is_member: false,
    });
    const { code, out, failed } = await doctor();
    expect(code).toBe(1);
    expect(failed).toEqual([
      "✗ G0INBOUND1 (channel of team inbound) not found: a private channel Baton is not in, or a wrong id",
      "✗ #marketing-feed (C0MKTFEED1, marketing channel) is archived: Baton cannot post there",
    ]);
    expect(fixOf(out, "C0MKTFEED1")).toContain("playbook.yml line 4 (marketing.channel)");
    expect(fixOf(out, "G0INBOUND1")).toContain("run /invite @Baton in it");
  });

  it("fails a database with a migration not applied, naming it and the command", async () => {
    const session = database.current;
    const [last] = await session.withSession((s) =>
      s.query<{ migration_name: string; id: string }>(
        `SELECT "id", "migration_name" FROM "_prisma_migrations" ORDER BY "migration_name" DESC LIMIT 1`,
      ),
    );
    await session.withSession((s) =>
      s.query(`UPDATE "_prisma_migrations" SET "rolled_back_at" = now() WHERE "id" = $1`, [
        last!.id,
      ]),
    );
    try {
      const { code, out, failed } = await doctor({ MIGRATE_ON_START: "false" });
      expect(code).toBe(1);
      expect(failed).toHaveLength(1);
      expect(failed[0]).toMatch(
        new RegExp(`is reachable but 1 migration is not applied: ${last!.migration_name}$`),
      );
      expect(fixOf(out, "not applied")).toContain(
        "run `npm run db:migrate` (MIGRATE_ON_START=false",
      );
    } finally {
      await session.withSession((s) =>
        s.query(`UPDATE "_prisma_migrations" SET "rolled_back_at" = NULL WHERE "id" = $1`, [
          last!.id,
        ]),
      );
    }
  });

  it("fails an OpenAI key the endpoint refuses, without printing any of it", async () => {
    const bad = "sk-doctor-revoked-key-987654321";
    const { code, out, failed } = await doctor({ OPENAI_API_KEY: bad });
    expect(code).toBe(1);
    expect(failed).toEqual([
      expect.stringMatching(
        /^✗ OPENAI_BASE_URL 127\.0\.0\.1:\d+ refused OPENAI_API_KEY \(401, invalid_api_key\)$/,
      ),
    ]);
    expect(fixOf(out, "refused OPENAI_API_KEY")).toContain("set OPENAI_API_KEY");
    expect(out).not.toContain(bad.slice(0, 6));
    expect(out).not.toContain(bad.slice(-4));
  });

  it("fails weak intake tokens by client name, never showing them", async () => {
    const weak = "letmein-letmein-letmein-2026";
    const shared = "Zk2pQ8vX4mR7tY1wB6nC3fH9jL5sD0gA";
    const { code, out, failed } = await doctor({
      INTAKE_API_TOKENS: `hubspot:${SECRETS.intake},zapier:${weak},forms:${shared},webinar:${shared}`,
    });
    expect(code).toBe(1);
    expect(failed).toEqual([
      '✗ Intake token of client "zapier" is weak: it contains the word "letmein"',
      '✗ Intake token of client "forms" is weak: it is the same as the token of "webinar" (each client needs its own, to revoke one alone)',
      '✗ Intake token of client "webinar" is weak: it is the same as the token of "forms" (each client needs its own, to revoke one alone)',
    ]);
    expect(fixOf(out, '"zapier"')).toContain("INTAKE_API_TOKENS as zapier:<new token>");
    expect(out).not.toContain(weak);
    expect(out).not.toContain(shared);
  });

  it("fails refused Slack tokens and a webhook host that does not resolve", async () => {
    slack.current.fail("auth.test", { error: "invalid_auth" });
    slack.current.socketModeUrl = undefined; // the fake refuses the app token: invalid_auth
    const { code, out, failed } = await doctor({
      WEBHOOK_URLS: `https://hooks.baton-doctor.invalid/${SECRETS.hook}`,
    });
    expect(code).toBe(1);
    expect(failed).toEqual([
      "✗ Slack refused SLACK_BOT_TOKEN (invalid_auth)",
      "✗ Slack refused SLACK_APP_TOKEN for Socket Mode (invalid_auth)",
      "✗ Webhook https://hooks.baton-doctor.invalid/...: hooks.baton-doctor.invalid does not resolve (ENOTFOUND)",
    ]);
    expect(out).toContain(
      "– People and channels in the playbook: skipped (they need a working bot token)",
    );
    expect(fixOf(out, "SLACK_BOT_TOKEN")).toContain("OAuth & Permissions into SLACK_BOT_TOKEN");
    expect(fixOf(out, "SLACK_APP_TOKEN")).toContain("connections:write");
    expect(fixOf(out, "does not resolve")).toContain("WEBHOOK_URLS");
    for (const secret of Object.values(SECRETS)) expect(out).not.toContain(secret);
  });

  it("says so when Slack does not answer, and still checks the rest", async () => {
    slack.current.fail("auth.test", { status: 503, times: 2 });
    const { code, out, failed } = await doctor();
    expect(code).toBe(1);
    expect(failed).toEqual([
      "✗ Slack did not accept auth.test with SLACK_BOT_TOKEN (HTTP 503 Service Unavailable)",
    ]);
    expect(fixOf(out, "auth.test")).toContain("SLACK_API_URL");
    expect(out).toContain("✓ App token works");
    expect(out).toContain("is reachable and migrated");
  });

  it("says why when Slack cannot be reached at all", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const { failed } = await doctor({ SLACK_API_URL: `http://127.0.0.1:${port}/api/` });
    expect(failed).toEqual([
      "✗ Slack did not accept auth.test with SLACK_BOT_TOKEN (no answer: ECONNREFUSED)",
      "✗ Slack did not accept apps.connections.open with SLACK_APP_TOKEN (no answer: ECONNREFUSED)",
    ]);
  });

  it("names a configuration problem's variable and still checks the rest", async () => {
    const { code, out, failed } = await doctor({ SLACK_APP_TOKEN: undefined });
    expect(code).toBe(1);
    expect(failed).toEqual([
      expect.stringMatching(/^✗ Configuration: SLACK_APP_TOKEN is required in Socket Mode/),
    ]);
    expect(fixOf(out, "SLACK_APP_TOKEN")).toContain(
      "set SLACK_APP_TOKEN in the environment or in .env",
    );
    expect(out).toContain("– App token: skipped (fix SLACK_APP_TOKEN first)");
    expect(out).toContain("is reachable and migrated");
    expect(out).toContain("✓ 7 of 7 people");
  });

  it("skips only what a malformed variable feeds, and never shows its value", async () => {
    const url = "mysql://baton:hunter2@db.internal/baton";
    const { code, out, failed } = await doctor({
      DATABASE_URL: url,
      WEBHOOK_SECRET: "short",
    });
    expect(code).toBe(1);
    expect(failed).toEqual([
      expect.stringMatching(/^✗ Configuration: DATABASE_URL must be a PostgreSQL URL/),
      expect.stringMatching(/^✗ Configuration: WEBHOOK_SECRET must be at least 24 characters/),
    ]);
    expect(out).toContain("– Database: skipped (fix DATABASE_URL first)");
    expect(out).toContain("– Webhooks: skipped (fix WEBHOOK_SECRET first)");
    expect(out).toContain("✓ 7 of 7 people");
    expect(out).toContain("✓ App token works");
    expect(out).toContain("✓ Intake tokens are strong");
    expect(out).not.toContain("hunter2");
  });

  it("checks a big playbook in seconds: Slack calls run side by side", async () => {
    const reps = Array.from({ length: 120 }, (_, i) => `U0BIG${String(i).padStart(5, "0")}`);
    for (const id of reps) person(id);
    const big = PLAYBOOK.replace(
      "      - { user: U0REPKIM01 }\n",
      `      - { user: U0REPKIM01 }\n${reps.map((id) => `      - { user: ${id} }\n`).join("")}`,
    );
    writeFileSync(join(dir, "big.yml"), big);
    // Every users.info answer takes 250 ms: one at a time, 127 people would take 32 s.
    slack.current.fail("users.info", { delayMs: 250, times: 1000 });
    const started = Date.now();
    const { code, out } = await doctor({ PLAYBOOK: "big.yml" });
    const seconds = (Date.now() - started) / 1000;
    expect(out).toContain("✓ 127 of 127 people in the playbook exist in Slack and are active");
    expect(code).toBe(0);
    expect(seconds).toBeLessThan(15);
  });
});

describe("baton doctor on a workspace that rate-limits", () => {
  it("waits out Slack's Retry-After and looks everyone up", async () => {
    const reps = Array.from({ length: 33 }, (_, i) => `U0RL${String(i).padStart(6, "0")}`);
    for (const id of reps) person(id);
    writeFileSync(
      join(dir, "limited.yml"),
      PLAYBOOK.replace(
        "      - { user: U0REPKIM01 }\n",
        `      - { user: U0REPKIM01 }\n${reps.map((id) => `      - { user: ${id} }\n`).join("")}`,
      ),
    );
    // 5 at once, then 10 a second: the rest get 429 with Retry-After 1.
    slack.current.setRateLimit({ method: "users.info", perSecond: 10, burst: 5 });
    const { code, out } = await doctor({ PLAYBOOK: "limited.yml" });
    expect(slack.current.overLimit()).toBeGreaterThan(0);
    expect(out).toContain("✓ 40 of 40 people in the playbook exist in Slack and are active");
    expect(code).toBe(0);
  });
});

describe("baton doctor on the database it is configured with", () => {
  // Runs when the tests run on PostgreSQL (TEST_DATABASE_URL); the next test runs on both.
  it.runIf(template.kind === "postgres")(
    "opens a PostgreSQL database from DATABASE_URL as Baton does",
    async () => {
      if (!template.url) throw new Error("the PostgreSQL template has no URL");
      const name = `baton_test_${process.pid}_doctor`;
      const admin = new pg.Client({ connectionString: template.url });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template.database}"`);
        const url = new URL(template.url);
        url.pathname = `/${name}`;
        const { code, out } = await doctor({ DATABASE_URL: url.toString() }, false);
        expect(out).toContain(
          `✓ The PostgreSQL database ${url.hostname}:${url.port || 5432}/${name} is reachable and migrated (${readMigrations().length} migrations)`,
        );
        expect(code).toBe(0);
      } finally {
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await admin.end();
      }
    },
  );

  it("opens a migrated data folder as Baton does, and closes it again", async () => {
    const dataDir = join(dir, "embedded");
    await migratedDataDir(dataDir);
    const { code, out } = await doctor({ DATA_DIR: dataDir }, false);
    expect(out).toContain(
      `✓ The embedded database ${join(dataDir, "pgdata")} is reachable and migrated (${readMigrations().length} migrations)`,
    );
    expect(code).toBe(0);
    // Closed, lock released: Baton can start on it.
    const db = await openPglite(dataDir, createLogger({ level: "silent" }));
    await db.close();
  });

  it("skips a data folder a running Baton holds: only one process may open it", async () => {
    const dataDir = join(dir, "held");
    mkdirSync(join(dataDir, "pgdata"), { recursive: true });
    writeFileSync(join(dataDir, "pgdata", "PG_VERSION"), "18\n");
    writeFileSync(join(dataDir, "baton.pid"), String(process.ppid));
    const check = await checkDatabase({ kind: "pglite", dataDir, migrateOnStart: true });
    expect(check).toEqual({
      status: "skip",
      title: `Database: skipped (Baton, pid ${process.ppid}, has the embedded database in ${dataDir} open; only one process can; its /readyz reports the database and migrations)`,
    });
  });

  it("fails a missing embedded database when Baton will not create it", async () => {
    const dataDir = join(dir, "none");
    const check = await checkDatabase({ kind: "pglite", dataDir, migrateOnStart: false });
    expect(check).toMatchObject({
      status: "fail",
      title: `Database: no embedded database in ${dataDir}, and MIGRATE_ON_START=false`,
      fix: "run `npm run db:migrate` to create it, or check DATA_DIR",
    });
  });
});

/** A migrated embedded database in `dataDir`: from the test run's template when it is PGlite's. */
async function migratedDataDir(dataDir: string): Promise<void> {
  if (template.kind === "pglite" && template.dumpFile) {
    mkdirSync(dataDir, { recursive: true }); // PGlite does not create parent folders
    const pglite = await PGlite.create(join(dataDir, "pgdata"), {
      loadDataDir: new Blob([readFileSync(template.dumpFile)]),
    });
    await pglite.close();
    return;
  }
  const db = await openPglite(dataDir, createLogger({ level: "silent" }));
  try {
    await applyMigrations(db, createLogger({ level: "silent" }));
  } finally {
    await db.close();
  }
}

describe("baton doctor with HubSpot", () => {
  const withHubSpot = (overrides: Record<string, string> = {}) =>
    doctor({
      HUBSPOT_ACCESS_TOKEN: HUBSPOT_TOKEN,
      HUBSPOT_API_URL: hubspot.current.url,
      ...overrides,
    });
  /** The test playbook with a `crm.hubspot` block. */
  const crmPlaybook = (crm: string) => {
    writeFileSync(join(dir, "playbook-crm.yml"), `${PLAYBOOK}crm:\n  hubspot:\n${crm}`);
    return { PLAYBOOK: "playbook-crm.yml" };
  };

  beforeEach(() => {
    hubspot.current.token = HUBSPOT_TOKEN;
    hubspot.current.scopes = [
      "crm.objects.contacts.read",
      "crm.objects.contacts.write",
      "crm.objects.owners.read",
      "crm.objects.deals.read",
    ];
    hubspot.current.properties.delete("lead_source_detail");
    hubspot.current.requests.length = 0;
  });

  it("skips HubSpot when no token is set, and passes a working token with its scopes and properties", async () => {
    const without = await doctor();
    expect(without.out).toContain("– HubSpot: skipped (HUBSPOT_ACCESS_TOKEN is not set)\n");
    expect(hubspot.current.requests).toHaveLength(0);

    const { code, out, failed } = await withHubSpot();
    expect(failed).toEqual([]);
    expect(code).toBe(0);
    expect(out).toContain(
      "✓ HUBSPOT_ACCESS_TOKEN works with HubSpot at HUBSPOT_API_URL 127.0.0.1:",
    );
    expect(out).toContain(": owners, contacts and deals readable\n");
    expect(out).toContain("✓ The 14 contact properties playbook.yml maps exist in HubSpot\n");
    expect(out).not.toContain(HUBSPOT_TOKEN);
    // Reads only: nothing written to HubSpot.
    expect(hubspot.current.requests.filter((r) => r.method !== "GET").map((r) => r.path)).toEqual([
      "/oauth/v2/private-apps/get/access-token-info",
    ]);
  });

  it("fails a token HubSpot refuses (401) with where to copy a good one, and stops there", async () => {
    hubspot.current.token = "pat-na1-99999999-8888-7777-6666-555555555555";
    const { code, out, failed } = await withHubSpot();
    expect(code).toBe(1);
    expect(failed).toEqual([
      "✗ HubSpot at HUBSPOT_API_URL " +
        `${new URL(hubspot.current.url).host} refused HUBSPOT_ACCESS_TOKEN (401 INVALID_AUTHENTICATION)`,
    ]);
    expect(fixOf(out, "refused HUBSPOT_ACCESS_TOKEN")).toContain("Private Apps → your app → Auth");
    expect(out).not.toContain("HubSpot properties");
    expect(out).not.toContain(HUBSPOT_TOKEN);
  });

  it("lists the scopes the token lacks (403 MISSING_SCOPES, and the private app's own list)", async () => {
    hubspot.current.scopes = ["crm.objects.contacts.read"];
    const { code, out, failed } = await withHubSpot();
    expect(code).toBe(1);
    expect(failed).toEqual([
      `✗ HUBSPOT_ACCESS_TOKEN works, but HubSpot at HUBSPOT_API_URL ${new URL(hubspot.current.url).host} refuses it scopes Baton needs: crm.objects.contacts.write, crm.objects.owners.read, crm.objects.deals.read`,
    ]);
    expect(fixOf(out, "refuses it scopes")).toContain("Private Apps → your app → Scopes");
    expect(hubspot.current.requests.filter((r) => r.status === 403).map((r) => r.path)).toEqual(
      expect.arrayContaining(["/crm/v3/owners/", "/crm/v3/objects/deals"]),
    );
    // The properties are still checked: contacts are readable.
    expect(out).toContain("✓ The 14 contact properties playbook.yml maps exist in HubSpot");
  });

  it("asks for the companies scope only when owner matching is on", async () => {
    // The token of the good setup lacks crm.objects.companies.read: fine without owner matching.
    const plain = await withHubSpot(crmPlaybook("    sync: true\n"));
    expect(plain.failed).toEqual([]);

    const { code, out, failed } = await withHubSpot(
      crmPlaybook("    sync: true\n    ownerMatching: true\n"),
    );
    expect(code).toBe(1);
    expect(failed).toEqual([
      `✗ HUBSPOT_ACCESS_TOKEN works, but HubSpot at HUBSPOT_API_URL ${new URL(hubspot.current.url).host} refuses it scopes Baton needs: crm.objects.companies.read`,
    ]);
    expect(fixOf(out, "refuses it scopes")).toContain("Private Apps → your app → Scopes");
    // Found by a read HubSpot refused, not only by the private app's own list.
    expect(hubspot.current.requests.filter((r) => r.status === 403).map((r) => r.path)).toEqual([
      "/crm/v3/objects/companies/search",
    ]);

    hubspot.current.scopes.push("crm.objects.companies.read");
    const granted = await withHubSpot(crmPlaybook("    sync: true\n    ownerMatching: true\n"));
    expect(granted.failed).toEqual([]);
    expect(granted.out).toContain(
      ": owners, contacts, deals and companies (owner matching) readable\n",
    );
  });

  it("names mapped properties and Lead Status values the portal does not have", async () => {
    const playbook = crmPlaybook(
      "    sync: true\n    fields: { title: job_title_custom }\n    attributes: [lead_source_detail]\n    leadStatus: { disqualified: JUNK }\n",
    );
    const { code, out, failed } = await withHubSpot(playbook);
    expect(code).toBe(1);
    expect(failed).toEqual([
      "✗ playbook-crm.yml maps HubSpot contact properties or values the portal does not have: crm.hubspot.fields.title → job_title_custom, crm.hubspot.attributes[0] → lead_source_detail, crm.hubspot.leadStatus.disqualified → hs_lead_status value JUNK",
    ]);
    expect(fixOf(out, "maps HubSpot contact properties")).toContain("internal name");

    hubspot.current.properties.set("lead_source_detail", []);
    hubspot.current.properties.set("job_title_custom", []);
    const fixed = await withHubSpot(
      crmPlaybook(
        "    sync: true\n    fields: { title: job_title_custom }\n    attributes: [lead_source_detail]\n",
      ),
    );
    expect(fixed.failed).toEqual([]);
    expect(fixed.out).toContain(
      "✓ The 15 contact properties playbook-crm.yml maps and the Lead Status values it writes exist in HubSpot",
    );
    hubspot.current.properties.delete("job_title_custom");
  });

  it("fails a sync the playbook turns on without a token, as Baton would refuse to start", async () => {
    const { code, out, failed } = await doctor(crmPlaybook("    sync: true\n"));
    expect(code).toBe(1);
    expect(failed).toEqual([
      "✗ HubSpot: playbook-crm.yml turns the sync on (crm.hubspot.sync: true), but HUBSPOT_ACCESS_TOKEN is not set: Baton will not start",
    ]);
    expect(fixOf(out, "turns the sync on")).toContain("set HUBSPOT_ACCESS_TOKEN");
  });

  it("says HubSpot cannot be reached when HUBSPOT_API_URL points nowhere", async () => {
    const { code, out } = await withHubSpot({ HUBSPOT_API_URL: "http://127.0.0.1:9" });
    expect(code).toBe(1);
    expect(out).toContain("✗ HubSpot at HUBSPOT_API_URL 127.0.0.1:9 could not be reached\n");
    expect(fixOf(out, "could not be reached")).toContain("check HUBSPOT_API_URL");
  });
});

describe("baton doctor with Salesforce", () => {
  const withSalesforce = (overrides: Record<string, string | undefined> = {}) =>
    doctor({
      SALESFORCE_ORGANIZATION_ID: SALESFORCE_ORG_ID,
      SALESFORCE_LOGIN_URL: salesforce.current.url,
      SALESFORCE_CLIENT_ID,
      SALESFORCE_CLIENT_SECRET,
      ...overrides,
    });
  const host = () => new URL(salesforce.current.url).host;

  beforeEach(() => {
    salesforce.current.refuseCredentials(false);
    salesforce.current.requests.length = 0;
  });

  it("skips Salesforce without a connected app, and passes one that signs in to the configured org", async () => {
    const without = await doctor();
    expect(without.out).toContain("– Salesforce: skipped (SALESFORCE_CLIENT_ID is not set)\n");
    const inOnly = await doctor({ SALESFORCE_ORGANIZATION_ID: SALESFORCE_ORG_ID });
    expect(inOnly.out).toContain(
      `– Salesforce sign-in: skipped (SALESFORCE_CLIENT_ID is not set: Outbound Messages from org ${SALESFORCE_ORG_ID} come in, nothing is written back)\n`,
    );
    expect(salesforce.current.requests).toHaveLength(0);

    // The 15-character form of the org id is the same org.
    const { code, out, failed } = await withSalesforce({
      SALESFORCE_ORGANIZATION_ID: SALESFORCE_ORG_ID.slice(0, 15),
    });
    expect(failed).toEqual([]);
    expect(code).toBe(0);
    expect(out).toContain(
      `✓ The connected app signs in to Salesforce at SALESFORCE_LOGIN_URL ${host()} (client_credentials flow) and reads Users\n`,
    );
    expect(out).toContain(
      `✓ The connected app's org is SALESFORCE_ORGANIZATION_ID (${SALESFORCE_ORG_ID.slice(0, 15)}), whose Outbound Messages Baton accepts\n`,
    );
    expect(out).not.toContain(SALESFORCE_CLIENT_SECRET);
    // Reads only: a token and one query.
    expect(
      salesforce.current.requests.map((r) => [r.method, r.path.replace(/v\d+\.\d/, "v")]),
    ).toEqual([
      ["POST", "/services/oauth2/token"],
      ["GET", "/services/data/v/query"],
    ]);
  });

  it("fails credentials Salesforce refuses, with the fix for the flow", async () => {
    salesforce.current.refuseCredentials(true);
    const { code, out, failed } = await withSalesforce();
    expect(code).toBe(1);
    expect(failed).toEqual([
      `✗ Salesforce at SALESFORCE_LOGIN_URL ${host()} refused the connected app's credentials (invalid_client, client_credentials flow)`,
    ]);
    expect(fixOf(out, "refused the connected app's credentials")).toContain(
      "Manage Consumer Details",
    );
    expect(out).not.toContain(SALESFORCE_CLIENT_SECRET);
  });

  it("fails an org other than SALESFORCE_ORGANIZATION_ID, and a missing one", async () => {
    const other = "00D000000000001AAA";
    const wrong = await withSalesforce({ SALESFORCE_ORGANIZATION_ID: other });
    expect(wrong.code).toBe(1);
    expect(wrong.failed).toEqual([
      `✗ The connected app signs in to org ${SALESFORCE_ORG_ID}, but SALESFORCE_ORGANIZATION_ID is ${other}: Baton would write to one org and refuse the other's Outbound Messages`,
    ]);
    expect(fixOf(wrong.out, "signs in to org")).toContain("set SALESFORCE_ORGANIZATION_ID");

    const missing = await withSalesforce({ SALESFORCE_ORGANIZATION_ID: undefined });
    expect(missing.failed).toEqual([
      `✗ SALESFORCE_ORGANIZATION_ID is not set: Baton refuses every Outbound Message (the credentials sign in to org ${SALESFORCE_ORG_ID})`,
    ]);
    expect(fixOf(missing.out, "SALESFORCE_ORGANIZATION_ID is not set")).toContain(
      `set SALESFORCE_ORGANIZATION_ID to ${SALESFORCE_ORG_ID}`,
    );
  });

  it("says Salesforce cannot be reached, and fails a sync turned on without a connected app", async () => {
    const nowhere = await withSalesforce({ SALESFORCE_LOGIN_URL: "http://127.0.0.1:9" });
    expect(nowhere.code).toBe(1);
    expect(nowhere.failed).toEqual([
      "✗ Salesforce at SALESFORCE_LOGIN_URL 127.0.0.1:9 could not be reached",
    ]);
    expect(fixOf(nowhere.out, "could not be reached")).toContain("check SALESFORCE_LOGIN_URL");

    writeFileSync(join(dir, "playbook-sf.yml"), `${PLAYBOOK}crm:\n  salesforce:\n    sync: true\n`);
    const sync = await doctor({ PLAYBOOK: "playbook-sf.yml" });
    expect(sync.failed).toEqual([
      "✗ Salesforce: playbook-sf.yml turns the sync on (crm.salesforce.sync: true), but SALESFORCE_CLIENT_ID is not set: Baton will not start",
    ]);
  });
});

describe("baton doctor as a user runs it", () => {
  it("runs from the command line, reads .env, and exits 0 on a fresh install", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "baton-doctor-run-"));
    try {
      writeFileSync(join(cwd, "playbook.yml"), PLAYBOOK);
      const settings = env({
        DATA_DIR: join(cwd, "data"),
        OPENAI_API_KEY: undefined,
        OPENAI_BASE_URL: undefined,
      });
      writeFileSync(
        join(cwd, ".env"),
        Object.entries(settings)
          .filter(([, value]) => value !== undefined)
          .map(([key, value]) => `${key}=${value}`)
          .join("\n"),
      );
      const { code, out } = await spawnDoctor(cwd);
      expect(out).not.toContain("✗");
      expect(out).toContain("– Database: skipped (no embedded database in");
      expect(out).toContain("– OpenAI: skipped (OPENAI_API_KEY is not set");
      expect(out).toContain("✓ 7 of 7 people");
      expect(code).toBe(0);
      for (const secret of Object.values(SECRETS)) expect(out).not.toContain(secret);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it("exits 1 when the database cannot be reached, without the password", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "baton-doctor-run-"));
    try {
      writeFileSync(join(cwd, "playbook.yml"), PLAYBOOK);
      const settings = env({ OPENAI_API_KEY: undefined, OPENAI_BASE_URL: undefined });
      const { code, out } = await spawnDoctor(cwd, {
        ...settings,
        DATABASE_URL: "postgres://baton:hunter2@127.0.0.1:1/baton",
      });
      expect(code).toBe(1);
      expect(out).toMatch(
        /✗ Database is not reachable: Cannot connect to PostgreSQL at 127\.0\.0\.1:1\/baton/,
      );
      expect(fixOf(out, "Database is not reachable")).toContain("check DATABASE_URL");
      expect(out).not.toContain("hunter2");
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it("is listed in `baton help`", async () => {
    let out = "";
    const io = {
      stdout: { write: (t: string) => (out += t) },
      stderr: { write: (t: string) => (out += t) },
      env: {},
    };
    expect(await runCli(["help", "doctor"], io)).toBe(0);
    expect(out).toContain("Usage: baton doctor");
  });
});

/** `baton doctor` as its own process (bin/baton.mjs), in `cwd`, with only `env` set. */
function spawnDoctor(
  cwd: string,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [join(ROOT, "bin/baton.mjs"), "doctor"], {
    cwd,
    env: Object.fromEntries(
      Object.entries({ PATH: process.env.PATH, HOME: process.env.HOME, ...extraEnv }).filter(
        ([, value]) => value !== undefined,
      ),
    ),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, out })));
}
