// Boots the real Baton in-process, in HTTP mode, on a free port, against a test database and
// whatever Slack API URL the test gives (the fake Slack).
import { afterAll, beforeAll } from "vitest";
import { type Baton, startBaton } from "#src/baton.ts";
import type { Clock } from "#src/clock.ts";
import { loadConfig } from "#src/config.ts";
import type { Database } from "#src/db/database.ts";
import { createLogger } from "#src/logger.ts";
import type { PlaybookStore } from "#src/playbook/playbook-store.ts";

export const SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
export const BOT_TOKEN = "xoxb-1234-5678-testtoken";
export const INTAKE_TOKEN = "test-client-token-0123456789abcdef";

export interface TestAppOptions {
  db: Database;
  slackApiUrl: string;
  env?: Record<string, string>;
  clock?: Clock;
  playbook?: PlaybookStore;
  /** Log lines are collected here (and scanned for secrets by some tests). */
  logLines?: string[];
}

export async function startTestApp(options: TestAppOptions): Promise<Baton & { url: string }> {
  const config = loadConfig({
    SLACK_MODE: "http",
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: options.slackApiUrl,
    HOST: "127.0.0.1",
    PORT: "0",
    LOG_LEVEL: "debug",
    INTAKE_API_TOKENS: `test-client:${INTAKE_TOKEN}`,
    SHUTDOWN_TIMEOUT_MS: "5000",
    // Tests run the SLA sweep themselves, on their own clock (app.sla.sweep()).
    SLA_SWEEP_CRON: "0 0 1 1 *",
    ...options.env,
  });
  const lines = options.logLines ?? [];
  const logger = createLogger({
    level: config.log.level,
    destination: {
      write: (line: string) => {
        const leak = findLeak(line);
        if (leak) leaks.push(`${leak}: ${line.slice(0, 300)}`);
        return lines.push(line);
      },
    },
  });
  const baton = await startBaton({
    config,
    logger,
    db: options.db,
    clock: options.clock,
    playbook: options.playbook,
    metrics: undefined,
  });
  return Object.assign(baton, { url: `http://127.0.0.1:${baton.port}` });
}

// Every log line any test app writes is scanned (#7): a secret, an email address or a phone
// number in it fails the file that booted the app, whatever the test was about.
const leaks: string[] = [];
const SECRETS = [BOT_TOKEN, SIGNING_SECRET, INTAKE_TOKEN];
// Bounded repeats, as in src/logger.ts: unbounded ones are quadratic on long lines.
const EMAIL = /[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,255}\.[A-Za-z]{2,24}/;
const PHONE = /\+\d{1,3}[\s.-]?\(?\d{2,4}\)?[\s.-]?\d{3,4}[\s.-]?\d{3,5}/;

export function findLeak(line: string): string | undefined {
  if (SECRETS.some((secret) => line.includes(secret))) return "a token or signing secret";
  if (EMAIL.test(line)) return "an email address";
  if (PHONE.test(line)) return "a phone number";
  return undefined;
}

/** `const app = useTestApp(() => ({ db, slackApiUrl }))`: started before, stopped after. */
export function useTestApp(options: () => TestAppOptions): {
  readonly current: Baton & { url: string };
} {
  const holder: { current?: Baton & { url: string } } = {};
  beforeAll(async () => {
    holder.current = await startTestApp(options());
  });
  afterAll(async () => {
    await holder.current?.stop();
    if (leaks.length > 0) {
      throw new Error(`log output leaked personal data or secrets:\n${leaks.join("\n")}`);
    }
  });
  return {
    get current() {
      if (!holder.current) throw new Error("the app starts in beforeAll");
      return holder.current;
    },
  };
}
