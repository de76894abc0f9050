// SLA sweep cost: it must grow with the leads that are due, not with all open leads. Builds a
// fresh PostgreSQL database, fills it with open leads whose next SLA step is far away plus a
// fixed number that are due, and times one sweep at two sizes. Prints the due-lead query plan.
// Figures into docs/benchmarks.md; exits 1 when the big database's sweep costs more than 3×
// the small one's (it should be about the same).
//   npm run bench:sla -- [--database-url postgres://postgres@127.0.0.1:5432/test] [--due 100]
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import pg from "pg";
import { machine, recordSection } from "#bench/report.ts";
import { openPostgres } from "#src/db/database.ts";
import { applyMigrations } from "#src/db/migrator.ts";
import { createLogger } from "#src/logger.ts";
import { loadPlaybook } from "#src/playbook/load-playbook.ts";
import { syncPlaybook } from "#src/services/sync-playbook.ts";
import { runSweep, type SweepDeps } from "#src/sla/sweep.ts";

const { values } = parseArgs({
  options: {
    "database-url": { type: "string", default: "postgres://postgres@127.0.0.1:5432/test" },
    due: { type: "string", default: "100" },
  },
});
const DUE = Number(values.due);
const SIZES = [1_000, 100_000];
const logger = createLogger({ level: "silent" });
const now = new Date("2026-11-24T15:00:00Z"); // a Tuesday, 10:00 in New York

async function measure(openLeads: number) {
  const name = `baton_bench_sla_${process.pid}`;
  const admin = new pg.Client({ connectionString: values["database-url"] });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(values["database-url"]!);
  url.pathname = `/${name}`;
  const db = await openPostgres(url.toString(), 4, logger);
  try {
    await applyMigrations(db, logger);
    const playbook = await loadPlaybook(
      fileURLToPath(new URL("../manifests/playbook.yml", import.meta.url)),
    );
    await syncPlaybook(db, playbook);
    const team = await db.prisma.team.findFirstOrThrow({ where: { key: "na-midmarket" } });
    // Open leads waiting on a step days away, and DUE leads whose reminder is due now.
    await db.prisma.$executeRawUnsafe(
      `
      INSERT INTO "Lead" ("id", "email", "emailDomain", "status", "teamId", "offeredAt", "slaCycle",
                          "slaStage", "slaDueAt", "updatedAt")
      SELECT gen_random_uuid(), 'lead' || i || '@bench.example', 'bench.example', 'OFFERED',
             '${team.id}'::uuid, $1::timestamp - interval '20 minutes', 1,
             'offered.remind',
             CASE WHEN i <= ${DUE} THEN $1::timestamp - interval '1 minute'
                  ELSE $1::timestamp + interval '3 days' END,
             $1::timestamp
        FROM generate_series(1, ${openLeads + DUE}) AS i`,
      now,
    );
    await db.prisma.$executeRawUnsafe(`ANALYZE "Lead"`);
    const plan = await db.prisma.$queryRawUnsafe<{ "QUERY PLAN": string }[]>(
      `EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
       SELECT "id" FROM "Lead" WHERE "slaDueAt" <= $1 ORDER BY "slaDueAt" LIMIT 50`,
      now,
    );
    const deps: SweepDeps = {
      db,
      playbook: { current: playbook } as unknown as SweepDeps["playbook"],
      config: { webhooks: { urls: [] } } as unknown as SweepDeps["config"],
      logger,
    };
    const started = performance.now();
    const result = await runSweep(deps, now);
    const ms = performance.now() - started;
    const empty = performance.now();
    await runSweep(deps, now); // nothing left due: the cost of a quiet minute
    const idleMs = performance.now() - empty;
    return { openLeads, ms, idleMs, fired: result.fired, plan: plan.map((r) => r["QUERY PLAN"]) };
  } finally {
    await db.close();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
}

// A first sweep pays for JIT compilation and new connections: run the small size once unrecorded.
await measure(SIZES[0]!);
const runs = [];
for (const size of SIZES) {
  const run = await measure(size);
  runs.push(run);
  console.log(
    `${size.toLocaleString("en-US")} open + ${DUE} due: sweep ${run.ms.toFixed(0)} ms (${JSON.stringify(run.fired)}), idle sweep ${run.idleMs.toFixed(1)} ms`,
  );
}
const [small, big] = runs as [(typeof runs)[0], (typeof runs)[0]];
const ratio = big.ms / small.ms;
console.log(`big/small sweep cost: ${ratio.toFixed(2)}× (goal ≤ 3×)\n${big.plan.join("\n")}`);
recordSection(
  "sla-sweep",
  `## SLA sweep (\`npm run bench:sla\`)

One sweep over a database of open leads whose next SLA step is days away plus ${DUE} leads whose
reminder is due now (each due lead: lock, SlaNotice, thread reminder in the outbox, next step).
The sweep reads \`Lead.slaDueAt <= now\` through its index, so its cost follows the due leads,
not the open ones. Goal: the sweep over 100× the open leads costs ≤ 3× as much.

| open leads | due | sweep (ms) | idle sweep (ms) |
|---|---|---|---|
${runs.map((r) => `| ${r.openLeads.toLocaleString("en-US")} | ${DUE} | ${r.ms.toFixed(0)} | ${r.idleMs.toFixed(1)} |`).join("\n")}

Big/small: ${ratio.toFixed(2)}×. Plan of the due-lead query at ${big.openLeads.toLocaleString("en-US")} open leads:

\`\`\`
${big.plan.join("\n")}
\`\`\`

Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}, PostgreSQL on 127.0.0.1.`,
);
const firedAll = runs.every((r) => (r.fired["offered.remind"] ?? 0) === DUE);
if (!firedAll) console.error("not every due lead got its reminder");
process.exit(ratio <= 3 && firedAll ? 0 : 1);
