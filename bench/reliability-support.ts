// Shared set-up for the reliability scripts (#7): fresh PostgreSQL databases on the shared
// server, Baton in this process or as a child process, a playbook with more reps, intake posts.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { type Baton, startBaton } from "#src/baton.ts";
import { loadConfig } from "#src/config.ts";
import { createLogger } from "#src/logger.ts";
import { parsePlaybook } from "#src/playbook/load-playbook.ts";
import { PlaybookStore } from "#src/playbook/playbook-store.ts";
import { ACTIONS } from "#src/slack/ids.ts";
import type { FakeSlack, SlackCall } from "#test/fakes/fake-slack.ts";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const ADMIN_URL =
  process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const SIGNING_SECRET = "8f742231b10e8888abcd99benchreliab";
export const BOT_TOKEN = "xoxb-bench-0000-reliability";
export const INTAKE_TOKEN = "bench-reliability-token-0123456789";

/** Creates database `name` on the server of `adminUrl` (dropping a leftover of that name). */
export async function freshDatabase(
  name: string,
  adminUrl = ADMIN_URL,
): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  await withAdmin(adminUrl, async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}"`);
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () =>
      withAdmin(adminUrl, async (admin) => {
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      }),
  };
}

export async function withAdmin<T>(url: string, fn: (client: pg.Client) => Promise<T>) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The environment Baton runs with in these scripts (HTTP mode, fake Slack, PostgreSQL). */
export function batonEnv(options: {
  databaseUrl: string;
  slackApiUrl: string;
  port?: number;
  extra?: Record<string, string>;
}): Record<string, string> {
  return {
    SLACK_MODE: "http",
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: options.slackApiUrl,
    HOST: "127.0.0.1",
    PORT: String(options.port ?? 0),
    LOG_LEVEL: "warn",
    LOG_FORMAT: "json",
    INTAKE_API_TOKENS: `bench:${INTAKE_TOKEN}`,
    SLA_SWEEP_CRON: "0 0 1 1 *",
    DATABASE_URL: options.databaseUrl,
    SHUTDOWN_TIMEOUT_MS: "5000",
    ...options.extra,
  };
}

/** Baton in this process (like test/setup/app.ts builds it), with its own connection pool. */
export async function startInProcess(
  env: Record<string, string>,
  playbook?: PlaybookStore,
  logLevel = "warn",
): Promise<Baton & { url: string }> {
  const config = loadConfig(env);
  const baton = await startBaton({
    config,
    logger: createLogger({ level: logLevel }),
    metrics: undefined,
    playbook,
  });
  return Object.assign(baton, { url: `http://127.0.0.1:${baton.port}` });
}

/** Baton as a child process (`node --import tsx src/main.ts`), its output kept in `output`. */
export function spawnBaton(env: Record<string, string>): {
  child: ChildProcess;
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
} {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: ROOT,
    // Only what Baton needs: no .env or developer settings leak in.
    env: { PATH: process.env.PATH ?? "", NODE_ENV: "production", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    if (output.length > 5000) output.splice(0, output.length - 5000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  return { child, output, exited };
}

/** Waits until `url` answers 200 (Baton's /healthz), or throws after `timeoutMs`. */
export async function waitForHttp(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** Waits until `check` returns a value other than undefined/false, polling every `everyMs`. */
export async function waitUntil<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
  what: string,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await check();
    if (found !== undefined && found !== false) return found;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/**
 * Waits for `check` while the work makes progress: fails when `progress` (a count of what is
 * done) has not moved for `stallMs`, or after `maxMs` in all. A loaded machine is slower, and a
 * guarantee that still holds then is shown by waiting longer; a stall is what a lost lead
 * looks like.
 */
export async function waitWhileProgressing<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  progress: () => number | Promise<number>,
  options: { stallMs: number; maxMs: number; what: string; everyMs?: number },
): Promise<T> {
  const started = Date.now();
  let last = await progress();
  let movedAt = started;
  for (;;) {
    const found = await check();
    if (found !== undefined && found !== false) return found;
    const now = Date.now();
    const current = await progress();
    if (current !== last) {
      last = current;
      movedAt = now;
    }
    if (now - movedAt > options.stallMs)
      throw new Error(
        `stalled: no progress in ${options.stallMs} ms (at ${current}) waiting for ${options.what}`,
      );
    if (now - started > options.maxMs)
      throw new Error(
        `timed out after ${options.maxMs} ms (still progressing) waiting for ${options.what}`,
      );
    await sleep(options.everyMs ?? 250);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The example playbook with the NA Mid-Market claim team (channel C0NAMIDMKT) given
 * `repCount` reps U0BENCHR01, U0BENCHR02, … instead of its four.
 */
export function playbookWithReps(repCount: number): { store: PlaybookStore; reps: string[] } {
  const path = fileURLToPath(new URL("../manifests/playbook.yml", import.meta.url));
  const doc = parseYaml(readFileSync(path, "utf8")) as {
    teams: { key: string; reps: { user: string; name?: string }[] }[];
  };
  const reps = Array.from(
    { length: repCount },
    (_, i) => `U0BENCHR${String(i + 1).padStart(2, "0")}`,
  );
  const team = doc.teams.find((t) => t.key === "na-midmarket");
  if (!team) throw new Error("the example playbook has no na-midmarket team");
  team.reps = reps.map((user, i) => ({ user, name: `Bench rep ${i + 1}` }));
  return {
    store: PlaybookStore.of(parsePlaybook(stringifyYaml(doc), "bench playbook"), path),
    reps,
  };
}

/** A lead that raises a hand (demo request), so it qualifies; US, 120 seats → NA Mid-Market. */
export function qualifiedLead(key: string, extra: Record<string, unknown> = {}) {
  return {
    email: `${key}@${key}.example`,
    firstName: `Bench`,
    lastName: key,
    company: `Company ${key}`,
    country: "US",
    companySize: 120,
    activities: [{ type: "demo_request", occurredAt: new Date().toISOString() }],
    ...extra,
  };
}

export interface IntakeAnswer {
  status: number;
  /** 0 when the request failed without an answer (connection refused or reset, timeout). */
  error?: string;
  retryAfter?: string | null;
  leadId?: string;
  ms: number;
}

/** POST /api/v1/leads; never throws: a request with no answer is status 0 with `error`. */
export async function postLead(
  baseUrl: string,
  body: unknown,
  timeoutMs = 20_000,
): Promise<IntakeAnswer> {
  const started = performance.now();
  try {
    const response = await fetch(`${baseUrl}/api/v1/leads`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${INTAKE_TOKEN}`,
        "content-type": "application/json",
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let leadId: string | undefined;
    try {
      leadId = (JSON.parse(text) as { lead?: { id?: string } }).lead?.id;
    } catch {
      leadId = undefined;
    }
    return {
      status: response.status,
      retryAfter: response.headers.get("retry-after"),
      leadId,
      ms: performance.now() - started,
    };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return {
      status: 0,
      error: cause?.code ?? (error as Error).name ?? String(error),
      ms: performance.now() - started,
    };
  }
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` at once. */
export async function runPool(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/** The lead id on a card's Claim (or Accept) button, if the blocks carry one. */
export function buttonValue(blocks: unknown, actionId: string): string | undefined {
  if (Array.isArray(blocks)) {
    for (const item of blocks) {
      const found = buttonValue(item, actionId);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof blocks !== "object" || blocks === null) return undefined;
  const record = blocks as Record<string, unknown>;
  if (record.action_id === actionId && typeof record.value === "string") return record.value;
  for (const value of Object.values(record)) {
    const found = buttonValue(value, actionId);
    if (found) return found;
  }
  return undefined;
}

/** Every lead a message lists: the values of its Claim buttons, in order, once each. */
export function leadsListed(blocks: unknown): string[] {
  const found = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
      return;
    }
    if (typeof node !== "object" || node === null) return;
    const record = node as Record<string, unknown>;
    if (record.action_id === ACTIONS.claim && typeof record.value === "string") {
      found.add(record.value);
    }
    for (const value of Object.values(record)) walk(value);
  };
  walk(blocks);
  return [...found];
}

/**
 * How many channel messages show each lead as it was posted: its card, or a burst summary that
 * lists it (a summary lists up to 23). Counts the top-level posts Slack accepted (not thread
 * replies, not refused calls): this is what a rep scrolling the channel sees, so a lead counted
 * twice was shown twice and a lead not counted was never shown (#13; the scripts first counted
 * only cards, and took a summary for the card of the first lead it lists).
 */
export function channelShows(calls: SlackCall[]): Map<string, number> {
  const shows = new Map<string, number>();
  for (const call of calls) {
    if (call.method !== "chat.postMessage" || call.failed || call.args.thread_ts) continue;
    for (const leadId of leadsListed(call.args.blocks)) {
      shows.set(leadId, (shows.get(leadId) ?? 0) + 1);
    }
  }
  return shows;
}

/**
 * Top-level posts Slack accepted more than once (the same leads listed again): the messages a
 * process had in flight when its database went away, sent again once their lease ran out.
 */
export function repeatedPosts(calls: SlackCall[]): number {
  const seen = new Map<string, number>();
  for (const call of calls) {
    if (call.method !== "chat.postMessage" || call.failed || call.args.thread_ts) continue;
    const leads = leadsListed(call.args.blocks);
    if (leads.length === 0) continue;
    const key = `${String(call.args.channel)}/${leads.sort().join(",")}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return [...seen.values()].filter((n) => n > 1).length;
}

/**
 * Whether the channel shows a claimed lead as claimed by `owner` where it was first shown
 * (`shownTs`); null if it does, else what is wrong. A lead with its own card: the card updated
 * exactly once (the claim), naming the owner. A lead listed on a burst summary: the summary
 * redrawn with "claimed by <@owner>" under the lead, and the full card, naming the owner,
 * posted exactly once in the summary's thread. Calls Slack refused do not count.
 */
export function claimShown(
  slack: FakeSlack,
  channel: string,
  shownTs: string | undefined,
  lead: { id: string; number: number },
  owner: string | undefined,
): { on: "card" | "summary" | "nowhere"; problem: string | null } {
  const shown = slack.visible(channel).find((m) => m.ts === shownTs);
  if (!shownTs || !shown) return { on: "nowhere", problem: "never shown in its channel" };
  if (!owner) return { on: "nowhere", problem: "nobody owns it" };
  if (!shown.text?.includes(" new leads for ")) {
    const updates = slack
      .callsTo("chat.update")
      .filter((call) => !call.failed && call.args.channel === channel && call.args.ts === shownTs);
    if (updates.length !== 1) {
      return { on: "card", problem: `${updates.length} chat.update calls for its card` };
    }
    if (!JSON.stringify(shown.blocks).includes(`<@${owner}>`)) {
      return { on: "card", problem: "its card does not name the owner" };
    }
    return { on: "card", problem: null };
  }
  const blocks = (shown.blocks ?? []).map((block) => JSON.stringify(block));
  const at = blocks.findIndex((block) => block.includes(`L-${lead.number} `));
  if (at < 0 || !blocks[at + 1]?.includes(`claimed by <@${owner}>`)) {
    return { on: "summary", problem: "the summary does not show it claimed by the owner" };
  }
  const inThread = slack
    .callsTo("chat.postMessage")
    .filter(
      (call) =>
        !call.failed &&
        call.args.channel === channel &&
        call.args.thread_ts === shownTs &&
        JSON.stringify(call.args.blocks).includes(`"value":"${lead.id}"`),
    );
  if (inThread.length !== 1) {
    return { on: "summary", problem: `${inThread.length} cards in the summary's thread` };
  }
  if (!JSON.stringify(inThread[0]!.args.blocks).includes(`<@${owner}>`)) {
    return { on: "summary", problem: "the card in the summary's thread does not name the owner" };
  }
  return { on: "summary", problem: null };
}

/**
 * The example playbook with its teams replaced by `count` claim-mode teams, each with its own
 * channel (C0SHARD00, C0SHARD01, …) and rep, routed by city ("shard-07" → team shard-07). Slack
 * takes about one message per second per channel, so spreading leads over channels keeps the
 * scripts short without changing how each channel is paced.
 */
export function shardedPlaybookYaml(count: number): { yaml: string; channels: string[] } {
  const path = fileURLToPath(new URL("../manifests/playbook.yml", import.meta.url));
  const doc = parseYaml(readFileSync(path, "utf8")) as Record<string, unknown>;
  const id = (i: number) => String(i).padStart(2, "0");
  const channels = Array.from({ length: count }, (_, i) => `C0SHARD${id(i)}`);
  doc.teams = channels.map((channel, i) => ({
    key: `shard-${id(i)}`,
    name: `Shard ${id(i)}`,
    channel,
    mode: "claim",
    managers: [`U0SHARDM${id(i)}`],
    reps: [{ user: `U0SHARDR${id(i)}`, name: `Shard rep ${id(i)}` }],
  }));
  doc.routing = {
    accountMatching: false,
    rules: channels.map((_, i) => ({
      name: `Shard ${id(i)}`,
      team: `shard-${id(i)}`,
      when: [{ field: "city", equals: `shard-${id(i)}` }],
    })),
    default: "shard-00",
  };
  const yaml = stringifyYaml(doc);
  parsePlaybook(yaml, "sharded bench playbook"); // throws with the problem if it is invalid
  return { yaml, channels };
}
