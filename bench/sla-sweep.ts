// SLA sweep cost (#19). Three measures, each on a fresh database:
//  1. Scale: one sweep over 1,000 and over 100,000 open leads whose next step is days away,
//     plus 100 whose reminder is due now. The sweep reads `Lead.slaDueAt <= now` through its
//     index, so its cost follows the due leads: goal, the big one costs ≤ 3× the small one.
//  2. Throughput on PostgreSQL: 1,000 leads due at once (after a weekend or an outage). Goal
//     ≤ 2 s (≤ 2 ms a lead), and ≥ 25% of the throughput of a raw-SQL baseline doing the same
//     writes in the same run (lock, SlaNotice, the thread reminder in the outbox, next step).
//  3. PGlite, the default a new user runs: 5,000 due at once swept within one sweep
//     interval (60 s).
// Prints the figures, writes docs/benchmarks.md, exits 1 on a missed goal.
//   npm run bench:sla -- [--database-url postgres://postgres@127.0.0.1:5432/test]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import pg from "pg";
import { machine, recordSection } from "#bench/report.ts";
import { type Database, openPostgres } from "#src/db/database.ts";
import { applyMigrations } from "#src/db/migrator.ts";
import { openPglite } from "#src/db/pglite.ts";
import { createLogger } from "#src/logger.ts";
import { loadPlaybook } from "#src/playbook/load-playbook.ts";
import type { Playbook } from "#src/playbook/schema.ts";
import { syncPlaybook } from "#src/services/sync-playbook.ts";
import { runSweep, type SweepDeps } from "#src/sla/sweep.ts";

const { values } = parseArgs({
  options: {
    "database-url": { type: "string", default: "postgres://postgres@127.0.0.1:5432/test" },
  },
});
const logger = createLogger({ level: "silent" });
const now = new Date("2026-11-24T15:00:00Z"); // a Tuesday, 10:00 in New York
const playbook = await loadPlaybook(
  fileURLToPath(new URL("../manifests/playbook.yml", import.meta.url)),
);
const SWEEP_INTERVAL_MS = 60_000;

/** A fresh PostgreSQL database for one measure, dropped afterwards. */
async function withPostgres<T>(use: (db: Database, url: string) => Promise<T>): Promise<T> {
  const name = `baton_bench_sla_${process.pid}`;
  const admin = new pg.Client({ connectionString: values["database-url"] });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(values["database-url"]!);
  url.pathname = `/${name}`;
  const db = await openPostgres(url.toString(), 4, logger);
  try {
    return await use(db, url.toString());
  } finally {
    await db.close();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
}

/** Open leads waiting on a step days away, and `due` leads whose reminder is due now. */
async function fill(db: Database, open: number, due: number): Promise<void> {
  await applyMigrations(db, logger);
  await syncPlaybook(db, playbook as Playbook);
  const team = await db.prisma.team.findFirstOrThrow({ where: { key: "na-midmarket" } });
  await db.prisma.$executeRawUnsafe(
    `INSERT INTO "Lead" ("id", "email", "emailDomain", "status", "teamId", "offeredAt", "slaCycle",
                         "slaStage", "slaDueAt", "updatedAt")
     SELECT gen_random_uuid(), 'lead' || i || '@bench.example', 'bench.example', 'OFFERED',
            '${team.id}'::uuid, $1::timestamp - interval '20 minutes', 1, 'offered.remind',
            CASE WHEN i <= ${due} THEN $1::timestamp - interval '1 minute'
                 ELSE $1::timestamp + interval '3 days' END,
            $1::timestamp
       FROM generate_series(1, ${open + due}) AS i`,
    now,
  );
  await db.prisma.$executeRawUnsafe(`ANALYZE "Lead"`);
}

function sweepDeps(db: Database): SweepDeps {
  return {
    db,
    playbook: { current: playbook } as unknown as SweepDeps["playbook"],
    config: { webhooks: { urls: [] } } as unknown as SweepDeps["config"],
    logger,
  };
}

/** Times one sweep; checks every due lead got its reminder, once, and nothing is left due. */
async function timeSweep(db: Database, due: number) {
  const started = performance.now();
  const result = await runSweep(sweepDeps(db), now);
  const ms = performance.now() - started;
  const [counts] = await db.prisma.$queryRawUnsafe<
    { notices: bigint; outbox: bigint; stillDue: bigint }[]
  >(
    `SELECT (SELECT count(*) FROM "SlaNotice") AS "notices",
            (SELECT count(*) FROM "OutboxMessage") AS "outbox",
            (SELECT count(*) FROM "Lead" WHERE "slaDueAt" <= $1::timestamp(3)) AS "stillDue"`,
    now.toISOString(),
  );
  const fired = result.fired["offered.remind"] ?? 0;
  const ok =
    fired === due &&
    Number(counts!.notices) === due &&
    Number(counts!.outbox) === due &&
    Number(counts!.stillDue) === 0;
  if (!ok)
    console.error(
      `sweep of ${due}: fired ${fired}, ${JSON.stringify(counts, (_, v) => (typeof v === "bigint" ? Number(v) : v))}`,
    );
  return { ms, ok };
}

async function scale(open: number, due: number) {
  return withPostgres(async (db) => {
    await fill(db, open, due);
    const plan = await db.prisma.$queryRawUnsafe<{ "QUERY PLAN": string }[]>(
      `EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
       SELECT "id" FROM "Lead" WHERE "slaDueAt" <= $1 ORDER BY "slaDueAt" LIMIT 200`,
      now,
    );
    const sweep = await timeSweep(db, due);
    const quiet = performance.now();
    await runSweep(sweepDeps(db), now); // nothing left due: the cost of a quiet minute
    const idleMs = performance.now() - quiet;
    return { open, due, ...sweep, idleMs, plan: plan.map((r) => r["QUERY PLAN"]) };
  });
}

/**
 * The same writes by hand, as a lean sweep would make them: per batch of 200 due leads one
 * transaction that locks them, records the step, writes the thread reminder and stores the
 * next step (a fixed one: the baseline knows the policy's answer).
 */
async function baseline(due: number) {
  return withPostgres(async (db, url) => {
    await fill(db, 1_000, due);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const at = now.toISOString();
    const started = performance.now();
    for (;;) {
      await client.query("BEGIN");
      const { rows } = await client.query<{ id: string; number: number }>(
        `SELECT "id", "number" FROM "Lead" WHERE "slaDueAt" <= $1::timestamp(3)
          ORDER BY "slaDueAt" LIMIT 200 FOR UPDATE SKIP LOCKED`,
        [at],
      );
      if (rows.length === 0) {
        await client.query("COMMIT");
        break;
      }
      const ids = rows.map((r) => r.id);
      await client.query(
        `INSERT INTO "SlaNotice" ("leadId", "cycle", "stage", "createdAt")
         SELECT id, 1, 'offered.remind', $2::timestamp(3) FROM unnest($1::uuid[]) AS id`,
        [ids, at],
      );
      await client.query(
        `INSERT INTO "OutboxMessage" ("kind", "payload", "orderingKey", "createdAt", "availableAt")
         SELECT 'lead.notice', jsonb_build_object('leadId', id, 'to', '{"thread":{"broadcast":false}}'::jsonb),
                id::text, $2::timestamp(3), $2::timestamp(3)
           FROM unnest($1::uuid[]) AS id`,
        [ids, at],
      );
      await client.query(
        `UPDATE "Lead" SET "slaStage" = 'offered.escalate',
                "slaDueAt" = $2::timestamp(3) + interval '1 hour' WHERE "id" = ANY($1::uuid[])`,
        [ids, at],
      );
      await client.query("COMMIT");
    }
    const ms = performance.now() - started;
    await client.end();
    return { ms };
  });
}

async function pgliteBurst(due: number) {
  const dir = mkdtempSync(join(tmpdir(), "baton-bench-sla-"));
  const db = await openPglite(dir, logger);
  try {
    await fill(db, 1_000, due);
    return await timeSweep(db, due);
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// A first sweep pays for JIT compilation and new connections: run a small one unrecorded.
await scale(1_000, 100);
const small = await scale(1_000, 100);
const big = await scale(100_000, 100);
const ratio = big.ms / small.ms;
for (const run of [small, big]) {
  console.log(
    `${run.open.toLocaleString("en-US")} open + ${run.due} due: sweep ${run.ms.toFixed(0)} ms, idle sweep ${run.idleMs.toFixed(1)} ms`,
  );
}
console.log(`big/small sweep cost: ${ratio.toFixed(2)}× (goal ≤ 3×)`);

const THOUSAND = 1_000;
const many = await scale(1_000, THOUSAND);
const raw = await baseline(THOUSAND);
const share = raw.ms / many.ms;
console.log(
  `PostgreSQL, ${THOUSAND} due at once: Baton ${many.ms.toFixed(0)} ms (${(many.ms / THOUSAND).toFixed(2)} ms a lead, goal ≤ 2 s), raw SQL ${raw.ms.toFixed(0)} ms: Baton at ${(share * 100).toFixed(0)}% of raw (goal ≥ 25%)`,
);
const FIVE = 5_000;
const lite = await pgliteBurst(FIVE);
console.log(
  `PGlite, ${FIVE} due at once: ${(lite.ms / 1000).toFixed(1)} s (${(lite.ms / FIVE).toFixed(2)} ms a lead, goal ≤ ${SWEEP_INTERVAL_MS / 1000} s)`,
);

const goals = {
  scale: ratio <= 3,
  thousand: many.ms <= 2_000,
  share: share >= 0.25,
  pglite: lite.ms <= SWEEP_INTERVAL_MS,
  correct: [small, big, many, lite].every((r) => r.ok),
};
const mark = (ok: boolean) => (ok ? "met" : "**missed**");
recordSection(
  "sla-sweep",
  `## SLA sweep (\`npm run bench:sla\`)

Each due lead: locked (SKIP LOCKED), its step recorded in SlaNotice, the reminder in the outbox
for its thread, its next step stored. Leads whose due steps only tell people (reminders,
nudges, ghost alerts, follow-ups) are swept up to 200 per transaction in six statements; a lead
whose step moves it (time out, reassign, release) gets a transaction of its own.

| measure | figure | goal | |
|---|---|---|---|
| 100 due among 1,000 open leads (PostgreSQL) | ${small.ms.toFixed(0)} ms (idle sweep ${small.idleMs.toFixed(1)} ms) | | |
| 100 due among 100,000 open leads (PostgreSQL) | ${big.ms.toFixed(0)} ms (idle sweep ${big.idleMs.toFixed(1)} ms) | ≤ 3× the above: ${ratio.toFixed(2)}× | ${mark(goals.scale)} |
| 1,000 due at once (PostgreSQL) | ${many.ms.toFixed(0)} ms, ${(many.ms / THOUSAND).toFixed(2)} ms a lead | ≤ 2 s | ${mark(goals.thousand)} |
| raw-SQL baseline, same writes, same run | ${raw.ms.toFixed(0)} ms; Baton at ${(share * 100).toFixed(0)}% of its throughput | ≥ 25% | ${mark(goals.share)} |
| 5,000 due at once (PGlite) | ${(lite.ms / 1000).toFixed(1)} s, ${(lite.ms / FIVE).toFixed(2)} ms a lead | ≤ one sweep interval (60 s) | ${mark(goals.pglite)} |

Every run checks that each due lead got exactly one reminder and none is left due. Plan of the
due-lead query at ${big.open.toLocaleString("en-US")} open leads:

\`\`\`
${big.plan.join("\n")}
\`\`\`

Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}.`,
);
const failed = Object.entries(goals).filter(([, ok]) => !ok);
if (failed.length > 0) console.error(`missed: ${failed.map(([k]) => k).join(", ")}`);
process.exit(failed.length === 0 ? 0 : 1);
