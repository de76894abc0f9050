// Start time and memory of Baton as production runs it (#18, #19): the node command of
// `npm start` (`node --max-semi-space-size=4 dist/main.js`, built first), HTTP mode, against
// the fake Slack of this process. Four starts:
//   1. a new embedded database (a fresh DATA_DIR: PGlite's initdb, then every migration),
//   2. a restart on that folder,
//   3. a new PostgreSQL database on 127.0.0.1:5432 (created here, dropped at the end),
//   4. a restart on it.
// For each: the time from spawn to /readyz answering 200, the peak RSS of the node process
// during start (VmHWM when ready), and its RSS after --idle-s seconds of idling (VmRSS), read
// from /proc/<pid>/status. Where the start's time goes is read from Baton's own log lines.
// Goals: embedded idle ≤ 400 MB and peak ≤ 600 MB; PostgreSQL idle ≤ 150 MB; first start on a
// new embedded database < 8 s; a restart < 3 s. Exits 1 when one is missed.
//   npm run bench:footprint -- [--idle-s 30]
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { freshDatabase, ROOT, sleep } from "#bench/reliability-support.ts";
import { machine, recordSection, today } from "#bench/report.ts";
import { startFakeSlack } from "#test/fakes/fake-slack.ts";

const { values } = parseArgs({ options: { "idle-s": { type: "string", default: "30" } } });
const IDLE_MS = Number(values["idle-s"]) * 1000;
const MB = 1024 * 1024;

/** The arguments `npm start` gives node (its V8 flags too), without npm's wrapper process. */
const START_ARGS = (() => {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  const [command, ...args] = String(pkg.scripts.start).split(/\s+/);
  if (command !== "node") throw new Error(`npm start runs ${command}, not node`);
  return args;
})();

const GOALS = {
  pgliteIdleMb: 400,
  pglitePeakMb: 600,
  postgresIdleMb: 150,
  firstStartMs: 8000,
  restartMs: 3000,
};

interface Start {
  name: string;
  database: "pglite" | "postgres";
  restart: boolean;
  readyMs: number;
  peakMb: number;
  idleMb: number;
  /** Milliseconds from spawn to each step Baton logs. */
  steps: { step: string; ms: number }[];
}

/** Baton logs these on the way to ready; the first line of each counts. */
const STEPS: [string, RegExp][] = [
  ["database opened", /"database opened"/],
  ["migrations done", /playbook .* in force/],
  ["Slack checked", /connected to Slack|Slack is not reachable|cannot reach Slack/],
  ["ready", /Baton is ready/],
];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function memoryMb(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) =>
    Number(status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"))?.[1]);
  return { rss: (kb("VmRSS") * 1024) / MB, hwm: (kb("VmHWM") * 1024) / MB };
}

async function measure(
  name: string,
  database: Start["database"],
  restart: boolean,
  env: Record<string, string>,
): Promise<Start> {
  const port = await freePort();
  const spawnedAt = Date.now();
  const child = spawn(process.execPath, START_ARGS, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      NODE_ENV: "production",
      SLACK_MODE: "http",
      SLACK_BOT_TOKEN: "xoxb-bench-0000-footprint",
      SLACK_SIGNING_SECRET: "8f742231b10e8888abcd99benchfootpr",
      HOST: "127.0.0.1",
      PORT: String(port),
      LOG_LEVEL: "info",
      LOG_FORMAT: "json",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const steps = new Map<string, number>();
  let output = "";
  const onData = (chunk: Buffer) => {
    output += chunk.toString("utf8");
    for (const line of chunk.toString("utf8").split("\n").filter(Boolean)) {
      for (const [step, pattern] of STEPS) {
        if (!steps.has(step) && pattern.test(line)) steps.set(step, Date.now() - spawnedAt);
      }
    }
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  let died = false;
  void exited.then(() => {
    died = true;
  });
  try {
    let readyMs: number | undefined;
    while (readyMs === undefined) {
      if (died) throw new Error(`${name}: Baton exited before it was ready:\n${output}`);
      if (Date.now() - spawnedAt > 120_000) throw new Error(`${name}: not ready in 120 s`);
      try {
        const response = await fetch(`http://127.0.0.1:${port}/readyz`);
        await response.arrayBuffer();
        if (response.status === 200) readyMs = Date.now() - spawnedAt;
      } catch {
        // not listening yet
      }
      if (readyMs === undefined) await sleep(25);
    }
    const peakMb = memoryMb(child.pid!).hwm;
    await sleep(IDLE_MS);
    const idleMb = memoryMb(child.pid!).rss;
    child.kill("SIGTERM");
    const code = await exited;
    if (code !== 0) throw new Error(`${name}: exit code ${code} after SIGTERM:\n${output}`);
    return {
      name,
      database,
      restart,
      readyMs,
      peakMb,
      idleMb,
      steps: STEPS.map(([step]) => ({ step, ms: steps.get(step) ?? Number.NaN })),
    };
  } finally {
    child.kill("SIGKILL");
  }
}

function misses(start: Start): string[] {
  const found: string[] = [];
  const limitMs = start.restart ? GOALS.restartMs : GOALS.firstStartMs;
  // The first start on PostgreSQL has no goal of its own: the server's initdb is not ours.
  if (start.restart || start.database === "pglite") {
    if (start.readyMs >= limitMs) found.push(`ready in ${start.readyMs} ms (goal < ${limitMs})`);
  }
  if (start.database === "pglite") {
    if (start.idleMb > GOALS.pgliteIdleMb)
      found.push(`idle ${start.idleMb.toFixed(0)} MB (goal ≤ ${GOALS.pgliteIdleMb})`);
    if (start.peakMb > GOALS.pglitePeakMb)
      found.push(`peak ${start.peakMb.toFixed(0)} MB (goal ≤ ${GOALS.pglitePeakMb})`);
  } else if (start.idleMb > GOALS.postgresIdleMb) {
    found.push(`idle ${start.idleMb.toFixed(0)} MB (goal ≤ ${GOALS.postgresIdleMb})`);
  }
  return found;
}

function table(starts: Start[]): string {
  const rows = starts.map((s) => {
    const missed = misses(s);
    return `| ${s.name} | ${(s.readyMs / 1000).toFixed(2)} s | ${s.peakMb.toFixed(0)} MB | ${s.idleMb.toFixed(0)} MB | ${missed.length ? `missed: ${missed.join("; ")}` : "met"} |`;
  });
  return [
    `| start | to /readyz | peak RSS during start | RSS ${IDLE_MS / 1000} s after ready | goals |`,
    "|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

function stepsTable(starts: Start[]): string {
  const seconds = (ms: number) => (Number.isNaN(ms) ? "–" : `${(ms / 1000).toFixed(2)} s`);
  return [
    `| start | ${STEPS.map(([step]) => step).join(" | ")} |`,
    `|---|${STEPS.map(() => "---").join("|")}|`,
    ...starts.map((s) => `| ${s.name} | ${s.steps.map((x) => seconds(x.ms)).join(" | ")} |`),
  ].join("\n");
}

execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: ROOT, stdio: "inherit" });
const slack = await startFakeSlack();
const dataDir = mkdtempSync(join(tmpdir(), "baton-footprint-"));
const pgDatabase = await freshDatabase(`baton_footprint_${process.pid}`);
const starts: Start[] = [];
try {
  const slackEnv = { SLACK_API_URL: slack.url };
  const embedded = { ...slackEnv, DATA_DIR: dataDir };
  const postgres = { ...slackEnv, DATABASE_URL: pgDatabase.url };
  starts.push(await measure("embedded, new database", "pglite", false, embedded));
  starts.push(await measure("embedded, restart", "pglite", true, embedded));
  starts.push(await measure("PostgreSQL, new database", "postgres", false, postgres));
  starts.push(await measure("PostgreSQL, restart", "postgres", true, postgres));
} finally {
  await slack.close();
  await pgDatabase.drop();
  rmSync(dataDir, { recursive: true, force: true });
}

const missed = starts.flatMap((s) => misses(s).map((m) => `${s.name}: ${m}`));
const report = `## Footprint: start time and memory of \`npm start\` (${today()})

\`bench/footprint.ts\` (\`npm run bench:footprint\`) on ${machine()}. Baton as \`npm start\` runs
it (\`${["node", ...START_ARGS].join(" ")}\`, compiled by \`npm run build\`), HTTP mode, a fake
Slack on 127.0.0.1. RSS of the node process from /proc: peak is VmHWM when /readyz first answers
200, idle is VmRSS ${IDLE_MS / 1000} s later. Goals: embedded idle ≤ ${GOALS.pgliteIdleMb} MB and peak ≤ ${GOALS.pglitePeakMb} MB,
PostgreSQL idle ≤ ${GOALS.postgresIdleMb} MB, first start on a new embedded database < ${GOALS.firstStartMs / 1000} s, a restart < ${GOALS.restartMs / 1000} s.

${table(starts)}

Where the start's time goes (from spawn, by Baton's log lines):

${stepsTable(starts)}

${missed.length ? `**Missed:** ${missed.join("; ")}.` : "All goals met."}`;

process.stdout.write(`\n${report}\n`);
recordSection("footprint", report);
process.exit(missed.length ? 1 : 0);
