// PostgreSQL going away and coming back (#7). A PRIVATE cluster (initdb + pg_ctl in a temp
// folder, port 55432 or the next free one, run as the postgres user when this runs as root);
// the shared server on 5432 is never touched. Baton runs as a child process against it under
// steady intake load (20 leads a second); after 5 s the cluster is stopped (`pg_ctl stop -m
// fast`), kept down for 5 s, and started again; the load goes on for 10 s more. Goals: while
// the database is down, intake answers 503 with Retry-After (never 500, never no answer);
// Baton does not crash or restart (same process throughout, exit code 0 on SIGTERM at the
// end); 2xx again within 5 s of the database being back; every 2xx lead is in the database
// and is shown in its channel (its card, or a burst summary).
//   npm run bench:db-restart -- [--rate 20] [--down-s 5]
import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import {
  batonEnv,
  channelShows,
  type IntakeAnswer,
  postLead,
  qualifiedLead,
  repeatedPosts,
  shardedPlaybookYaml,
  sleep,
  spawnBaton,
  waitForHttp,
  waitUntil,
} from "#bench/reliability-support.ts";
import { machine, recordReliability, today } from "#bench/report.ts";
import { startFakeSlack } from "#test/fakes/fake-slack.ts";

const { values } = parseArgs({
  options: {
    rate: { type: "string", default: "20" },
    "down-s": { type: "string", default: "5" },
    "before-s": { type: "string", default: "5" },
    "after-s": { type: "string", default: "10" },
  },
});
const RATE = Number(values.rate);
const DOWN_MS = Number(values["down-s"]) * 1000;
const BEFORE_MS = Number(values["before-s"]) * 1000;
const AFTER_MS = Number(values["after-s"]) * 1000;
const RECOVERY_GOAL_MS = 5000;
const SHARDS = 20;
/** The outbox keeps at most this many messages in flight per process. */
const OUTBOX_IN_FLIGHT = 20;

// --- the private cluster -------------------------------------------------------------------
const versions = existsSync("/usr/lib/postgresql")
  ? readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a))
  : [];
const BIN = versions
  .map((v) => `/usr/lib/postgresql/${v}/bin`)
  .find((dir) => existsSync(`${dir}/initdb`));
if (!BIN) {
  console.error("db-restart: no PostgreSQL server binaries in /usr/lib/postgresql/*/bin");
  process.exit(2);
}
const asRoot = process.getuid?.() === 0;
/** initdb and pg_ctl refuse to run as root: run them as the postgres user then. */
function pgTool(tool: string, args: string[]): string {
  const [command, argv] = asRoot
    ? ["runuser", ["-u", "postgres", "--", `${BIN}/${tool}`, ...args]]
    : [`${BIN}/${tool}`, args];
  return execFileSync(command, argv, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}
const port = await firstFreePort(55432);
const dir = mkdtempSync(join(tmpdir(), "baton-bench-pg-"));
const data = join(dir, "data");
if (asRoot) {
  const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
  chownSync(dir, uid, gid);
}
pgTool("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
const startCluster = () =>
  pgTool("pg_ctl", [
    "-D",
    data,
    "-l",
    join(dir, "server.log"),
    "-o",
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
    "-w",
    "start",
  ]);
const stopCluster = (mode: "fast" | "immediate") =>
  pgTool("pg_ctl", ["-D", data, "-m", mode, "-w", "stop"]);
let clusterUp = false;
const cleanUp = () => {
  if (clusterUp) {
    try {
      stopCluster("immediate");
    } catch {
      // already stopped
    }
    clusterUp = false;
  }
  rmSync(dir, { recursive: true, force: true });
};
process.on("SIGINT", () => {
  cleanUp();
  process.exit(130);
});
startCluster();
clusterUp = true;
const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
const databaseUrl = `postgres://postgres@127.0.0.1:${port}/baton`;
{
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "baton"`);
  await admin.end();
}

// --- Baton and the load --------------------------------------------------------------------
const slack = await startFakeSlack();
const { yaml } = shardedPlaybookYaml(SHARDS);
const playbookPath = join(dir, "playbook.yml");
writeFileSync(playbookPath, yaml);
const batonPort = await firstFreePort(41000);
const base = `http://127.0.0.1:${batonPort}`;
const baton = spawnBaton(
  batonEnv({
    databaseUrl,
    slackApiUrl: slack.url,
    port: batonPort,
    extra: { PLAYBOOK: playbookPath, DATA_DIR: dir, LOG_LEVEL: "error" },
  }),
);
let exitCode = 1;
try {
  await waitForHttp(`${base}/readyz`, 90_000);
  const pid = baton.child.pid;
  interface Sent {
    at: number;
    answer?: IntakeAnswer;
  }
  const sent: Sent[] = [];
  const readyz: { at: number; status: number }[] = [];
  const started = Date.now();
  let stopping = false;
  const load = (async () => {
    const inFlight: Promise<unknown>[] = [];
    for (let i = 0; !stopping; i++) {
      const entry: Sent = { at: Date.now() };
      sent.push(entry);
      inFlight.push(
        postLead(
          base,
          qualifiedLead(`dbr-${process.pid}-${i}`, {
            city: `shard-${String(i % SHARDS).padStart(2, "0")}`,
          }),
          20_000,
        ).then((answer) => {
          entry.answer = answer;
        }),
      );
      if (i % RATE === 0) {
        const at = Date.now();
        inFlight.push(
          fetch(`${base}/readyz`, { signal: AbortSignal.timeout(10_000) })
            .then(async (r) => {
              await r.arrayBuffer();
              readyz.push({ at, status: r.status });
            })
            .catch(() => readyz.push({ at, status: 0 })),
        );
      }
      await sleep(1000 / RATE);
    }
    await Promise.all(inFlight);
  })();

  await sleep(BEFORE_MS);
  const stopAt = Date.now();
  stopCluster("fast");
  clusterUp = false;
  const stoppedAt = Date.now();
  await sleep(DOWN_MS);
  const startAt = Date.now();
  startCluster();
  clusterUp = true;
  const upAt = Date.now();
  await sleep(AFTER_MS);
  stopping = true;
  await load;

  // Sort the answers by when their request was sent.
  const answered = sent.filter((s) => s.answer);
  const phase = (s: Sent) => (s.at < stopAt ? "before" : s.at < upAt ? "down" : "after");
  const tally = (list: Sent[]) => {
    const t = { ok: 0, s503: 0, s503NoRetryAfter: 0, s500: 0, noAnswer: 0, other: 0 };
    for (const s of list) {
      const status = s.answer!.status;
      if (status >= 200 && status < 300) t.ok += 1;
      else if (status === 503) {
        t.s503 += 1;
        if (!s.answer!.retryAfter) t.s503NoRetryAfter += 1;
      } else if (status >= 500) t.s500 += 1;
      else if (status === 0) t.noAnswer += 1;
      else t.other += 1;
    }
    return t;
  };
  const before = tally(answered.filter((s) => phase(s) === "before"));
  const down = tally(answered.filter((s) => phase(s) === "down"));
  const after = tally(answered.filter((s) => phase(s) === "after"));
  const all = tally(answered);
  const firstOkAfterUp = answered
    .filter((s) => s.at >= upAt && s.answer!.status >= 200 && s.answer!.status < 300)
    .map((s) => s.at + s.answer!.ms)
    .sort((a, b) => a - b)[0];
  const recoveryMs = firstOkAfterUp === undefined ? Number.NaN : firstOkAfterUp - upAt;
  // After the recovery, nothing but 2xx.
  const lateFailures = answered.filter(
    (s) => s.at >= upAt + RECOVERY_GOAL_MS && !(s.answer!.status >= 200 && s.answer!.status < 300),
  ).length;
  const readyDown = readyz.filter((r) => r.at >= stoppedAt && r.at < startAt);
  const readyAfter = readyz.filter((r) => r.at >= upAt + RECOVERY_GOAL_MS);

  // Every acknowledged lead is stored, and its card reaches Slack once the outbox resumes.
  const acked = answered
    .filter((s) => s.answer!.status >= 200 && s.answer!.status < 300)
    .map((s) => s.answer!.leadId!);
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const { rows } = await db.query<{ id: string }>(
    `SELECT "id" FROM "Lead" WHERE "id" = ANY($1::uuid[])`,
    [acked],
  );
  // Shown in its channel: on its card, or on a burst summary when several arrived at once.
  const carded = () => {
    const shows = channelShows(slack.calls);
    return acked.filter((id) => shows.has(id)).length;
  };
  await waitUntil(
    () => carded() === acked.length,
    90_000,
    "every acknowledged lead shown in its channel",
    250,
  ).catch((error: Error) => console.error(error.message));
  await sleep(2000);
  const cards = carded();
  const postedTwice = repeatedPosts(slack.calls);
  const shownMore = [...channelShows(slack.calls).values()].filter((n) => n > 2).length;
  await db.end();
  const alive = baton.child.exitCode === null && baton.child.pid === pid;
  baton.child.kill("SIGTERM");
  const exit = await baton.exited;
  const seconds = (Date.now() - started) / 1000;

  const ok =
    alive &&
    exit.code === 0 &&
    all.s500 === 0 &&
    all.noAnswer === 0 &&
    all.other === 0 &&
    all.s503NoRetryAfter === 0 &&
    down.s503 > 0 &&
    recoveryMs <= RECOVERY_GOAL_MS &&
    lateFailures === 0 &&
    rows.length === acked.length &&
    cards === acked.length &&
    postedTwice <= OUTBOX_IN_FLIGHT &&
    shownMore === 0;
  const fmt = (t: ReturnType<typeof tally>) =>
    `2xx ${t.ok}, 503 ${t.s503}${t.s503NoRetryAfter ? ` (${t.s503NoRetryAfter} without Retry-After)` : ""}, 500 ${t.s500}, no answer ${t.noAnswer}, other ${t.other}`;
  const errors = baton.output.filter((line) => /"level":(50|60)/.test(line));
  console.log(
    [
      `db restart: private PostgreSQL on port ${port} (${BIN}), ${RATE} leads/s; stopped after ${BEFORE_MS / 1000} s (stop took ${stoppedAt - stopAt} ms), down ${((startAt - stoppedAt) / 1000).toFixed(1)} s, start took ${upAt - startAt} ms (${seconds.toFixed(1)} s)`,
      `  before: ${fmt(before)}`,
      `  down:   ${fmt(down)}`,
      `  after:  ${fmt(after)}`,
      `  first 2xx ${Math.round(recoveryMs)} ms after the database was back (goal ≤ ${RECOVERY_GOAL_MS}); failures later than that: ${lateFailures}`,
      `  /readyz while down: ${readyDown.map((r) => r.status).join(",") || "-"}; after: ${readyAfter.map((r) => r.status).join(",") || "-"}`,
      `  acknowledged ${acked.length}: in the database ${rows.length}, shown in their channel ${cards} (messages posted twice: ${postedTwice}, bound ${OUTBOX_IN_FLIGHT}; leads shown more than twice: ${shownMore})`,
      `  Baton ${alive ? "kept running (same process)" : "DIED"}; exit code on SIGTERM ${exit.code}; error log lines ${errors.length}`,
      ok
        ? "  all goals met"
        : `  GOAL MISSED\n    ${[...new Set(errors.map(brief))].slice(0, 8).join("\n    ")}`,
    ].join("\n"),
  );
  recordReliability(
    "db-restart",
    `Latest run (${today()}, ${machine()}; ${seconds.toFixed(0)} s; PostgreSQL from ${BIN}, port ${port}): ${ok ? "**all goals met**" : "**GOAL MISSED**"}.

| phase (by when the request was sent) | answers |
|---|---|
| before the stop (${BEFORE_MS / 1000} s) | ${fmt(before)} |
| stopping and down (${((upAt - stopAt) / 1000).toFixed(1)} s) | ${fmt(down)} |
| after the start (${AFTER_MS / 1000} s) | ${fmt(after)} |

| check | result | goal |
|---|---|---|
| 500s / requests with no answer | ${all.s500} / ${all.noAnswer} | 0 / 0 |
| 503s without Retry-After | ${all.s503NoRetryAfter} | 0 |
| first 2xx after the database was back | ${Math.round(recoveryMs)} ms | ≤ ${RECOVERY_GOAL_MS} ms |
| failures after that | ${lateFailures} | 0 |
| \`/readyz\` while down / after | ${readyDown.map((r) => r.status).join(", ") || "-"} / ${[...new Set(readyAfter.map((r) => r.status))].join(", ") || "-"} | 503 / 200 |
| acknowledged leads in the database | ${rows.length}/${acked.length} | all |
| acknowledged leads shown in their channel (card or burst summary) | ${cards}/${acked.length} | all |
| messages posted twice (delivered, then the database went away before the row was marked) | ${postedTwice} | ≤ ${OUTBOX_IN_FLIGHT} (messages in flight) |
| leads shown more than twice | ${shownMore} | 0 |
| Baton process | ${alive ? "same process throughout" : "died"}, exit code ${exit.code} on SIGTERM | no restart, 0 |`,
  );
  exitCode = ok ? 0 : 1;
} finally {
  if (baton.child.exitCode === null && baton.child.signalCode === null) {
    baton.child.kill("SIGKILL");
    await baton.exited;
  }
  await slack.close();
  cleanUp();
}
process.exit(exitCode);

/** A log line's message and error, without the stack. */
function brief(line: string): string {
  try {
    const entry = JSON.parse(line) as { msg?: string; err?: { message?: string; code?: string } };
    return `${entry.msg}: ${entry.err?.code ?? ""} ${(entry.err?.message ?? "").replace(/\s+/g, " ").slice(0, 160)}`;
  } catch {
    return line.slice(0, 200);
  }
}

/** The first port from `from` on that nothing on 127.0.0.1 listens on. */
async function firstFreePort(from: number): Promise<number> {
  for (let candidate = from; candidate < from + 100; candidate++) {
    const busy = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port: candidate, host: "127.0.0.1" });
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (!busy) return candidate;
  }
  throw new Error(`no free port from ${from}`);
}
