// One pino logger for Baton and for Bolt. Secrets and personal data never reach the output:
// known secret fields are redacted by path, and emails, phone numbers and Slack tokens are
// masked wherever they appear in a logged string.
import { type Logger as BoltLogger, LogLevel } from "@slack/bolt";
import { type DestinationStream, type Logger, pino } from "pino";
import pretty from "pino-pretty";

export type { Logger };

const SECRET_KEYS = [
  "token",
  "botToken",
  "appToken",
  "userToken",
  "signingSecret",
  "secret",
  "password",
  "authorization",
  "apiKey",
  "api_key",
  "email",
  "phone",
  "connectionString",
  "databaseUrl",
  "url",
];

const REDACT_PATHS = [
  ...SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]),
  'req.headers["x-slack-signature"]',
  'headers["x-slack-signature"]',
  "req.headers.authorization",
  "req.headers.cookie",
];

const PATTERNS: [RegExp, string][] = [
  [/\bxox[abposr]-[A-Za-z0-9-]+/g, "xox*-[redacted]"],
  [/\bxapp-[A-Za-z0-9-]+/g, "xapp-[redacted]"],
  [/\bsk-[A-Za-z0-9_-]{8,}/g, "sk-[redacted]"],
  [/\b(Bearer)\s+[A-Za-z0-9._~+/=-]+/gi, "$1 [redacted]"],
  [/(postgres(?:ql)?:\/\/[^:/\s]+:)[^@\s]+@/gi, "$1[redacted]@"],
  // Bounded repeats (an address's local part is at most 64 characters, its domain 255): with
  // open-ended ones a long run of letters without an "@" costs quadratic time, and a 20,000
  // character value in a log line blocked the process for seconds.
  [/[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,255}\.[A-Za-z]{2,24}/g, "[email]"],
  // International numbers, and grouped national ones ("(415) 555-0134", "030 1234 5678");
  // plain digit runs such as Slack timestamps and ids are left alone.
  [/\+\d[\d\s().-]{6,24}\d/g, "[phone]"],
  [/\(?\b\d{2,4}\)?[\s.-]\d{3,4}[\s.-]\d{3,5}\b/g, "[phone]"],
];

/** Masks tokens, credentials in URLs, emails and phone numbers in free text. */
export function scrub(text: string): string {
  let out = text;
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** Makes a destination stream that scrubs every serialized line before writing it. */
function scrubbing(destination: DestinationStream): DestinationStream {
  return { write: (line: string) => destination.write(scrub(line)) };
}

export interface LoggerOptions {
  level: string;
  pretty?: boolean;
  /** Where lines go (stdout by default); tests pass a collector. */
  destination?: DestinationStream;
}

/** Creates the process logger. */
export function createLogger({ level, pretty: usePretty, destination }: LoggerOptions): Logger {
  const base: DestinationStream =
    destination ??
    (usePretty
      ? pretty({
          colorize: true,
          sync: true,
          translateTime: "SYS:HH:MM:ss",
          ignore: "pid,hostname",
        })
      : pino.destination({ dest: 1, sync: true }));
  return pino(
    {
      level,
      base: { service: "baton" },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    },
    scrubbing(base),
  );
}

const toBoltLevel: Record<string, LogLevel> = {
  fatal: LogLevel.ERROR,
  error: LogLevel.ERROR,
  warn: LogLevel.WARN,
  info: LogLevel.INFO,
  debug: LogLevel.DEBUG,
  trace: LogLevel.DEBUG,
  silent: LogLevel.ERROR,
};

/** Adapts pino to Bolt's Logger interface so Bolt's own logs land in the same stream. */
export function boltLogger(logger: Logger): BoltLogger {
  let child = logger.child({ component: "bolt" });
  const write =
    (level: "debug" | "info" | "warn" | "error") =>
    (...msg: unknown[]) => {
      const error = msg.find((m): m is Error => m instanceof Error);
      const text = msg
        .filter((m) => m !== error)
        .map((m) => (typeof m === "string" ? m : safeJson(m)))
        .join(" ");
      if (error) child[level]({ err: error }, text || error.message);
      else child[level](text);
    };
  return {
    debug: write("debug"),
    info: write("info"),
    warn: write("warn"),
    error: write("error"),
    setLevel: (level: LogLevel) => {
      child.level = level;
    },
    getLevel: () => toBoltLevel[child.level] ?? LogLevel.INFO,
    setName: (name: string) => {
      child = logger.child({ component: name });
    },
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
