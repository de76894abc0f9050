// The environment, parsed once at boot. Nothing else in Baton reads process.env.
import { isAbsolute, resolve } from "node:path";
import { validate as validCron } from "node-cron";
import { z } from "zod";

const SLACK_APP_SETUP =
  "create the Slack app from slack-manifest.yml (https://api.slack.com/apps → Create New App → From a manifest)";

const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === "" ? undefined : value))
  .optional();

const optionalUrl = (hint: string) =>
  optionalString.pipe(
    z
      .string()
      .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), {
        message: `must be an http(s) URL, ${hint}`,
      })
      .optional(),
  );

/** "a, b,c" → ["a", "b", "c"], each checked by `item`; empty or unset → undefined. */
const commaList = (item: z.ZodType<string, string>) =>
  optionalString.pipe(
    z
      .string()
      .transform((value) =>
        value
          .split(",")
          .map((entry) => entry.trim())
          .filter(Boolean),
      )
      .pipe(z.array(item))
      .optional(),
  );

const duration = z
  .string()
  .trim()
  .regex(/^\d+$/, "must be a whole number of milliseconds, e.g. 10000")
  .transform(Number);

const baseSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
      message: "must be one of fatal, error, warn, info, debug, trace, silent",
    })
    .default("info"),
  LOG_FORMAT: z.enum(["json", "pretty"], { message: "must be json or pretty" }).optional(),

  SLACK_MODE: z
    .enum(["socket", "http"], { message: "must be socket (default) or http" })
    .default("socket"),
  SLACK_BOT_TOKEN: optionalString.pipe(
    z
      .string()
      .regex(/^xoxb-[A-Za-z0-9-]+$/, {
        message:
          "must be a bot token starting with xoxb- (Slack app → OAuth & Permissions → Bot User OAuth Token)",
      })
      .optional(),
  ),
  SLACK_APP_TOKEN: optionalString.pipe(
    z
      .string()
      .regex(/^xapp-[A-Za-z0-9-]+$/, {
        message:
          "must be an app-level token starting with xapp- (Slack app → Basic Information → App-Level Tokens, scope connections:write)",
      })
      .optional(),
  ),
  SLACK_SIGNING_SECRET: optionalString.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9]{16,}$/, {
        message:
          "must be the signing secret (letters and digits) from Slack app → Basic Information → App Credentials",
      })
      .optional(),
  ),
  SLACK_API_URL: optionalUrl("e.g. https://slack-gov.com/api/ for GovSlack").transform((value) =>
    value === undefined || value.endsWith("/") ? value : `${value}/`,
  ),

  HOST: z.string().trim().min(1).default("0.0.0.0"),
  PORT: z
    .string()
    .trim()
    .regex(/^\d+$/, "must be a port number between 0 and 65535, e.g. 3000")
    .transform(Number)
    .refine((port) => port <= 65535, "must be a port number between 0 and 65535, e.g. 3000")
    .default(3000),

  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .refine((value) => /^postgres(ql)?:\/\//.test(value) && URL.canParse(value), {
        message:
          "must be a PostgreSQL URL like postgres://user:password@host:5432/baton, or unset to use the embedded database in DATA_DIR",
      })
      .optional(),
  ),
  DATABASE_POOL_SIZE: z
    .string()
    .trim()
    .regex(/^[1-9]\d*$/, "must be a positive whole number, e.g. 10")
    .transform(Number)
    .default(10),
  DATA_DIR: z.string().trim().min(1).default("./data"),
  MIGRATE_ON_START: z
    .enum(["true", "false"], { message: "must be true or false" })
    .default("true")
    .transform((value) => value === "true"),

  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalUrl("e.g. https://api.openai.com/v1"),
  OPENAI_MODEL: z.string().trim().min(1).default("gpt-4o-mini"),
  OPENAI_TIMEOUT_MS: duration.default(8000),

  PLAYBOOK: z.string().trim().min(1).default("manifests/playbook.yml"),
  INTAKE_API_TOKENS: commaList(
    z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}:[A-Za-z0-9._~+/=-]{24,}$/, {
      message:
        "must be a comma-separated list of name:token pairs, each token at least 24 characters, e.g. hubspot:3f9c...,csv-import:a81e... (make a token with `openssl rand -hex 24`)",
    }),
  ),
  WEBHOOK_URLS: commaList(
    z.string().refine((url) => URL.canParse(url) && /^https?:$/.test(new URL(url).protocol), {
      message:
        "must be a comma-separated list of http(s) URLs that receive lifecycle events, e.g. https://crm.example.com/hooks/baton",
    }),
  ),
  WEBHOOK_SECRET: optionalString.pipe(
    z
      .string()
      .min(24, {
        message:
          "must be at least 24 characters: the key that signs webhooks (make one with `openssl rand -hex 32`)",
      })
      .optional(),
  ),
  INTAKE_MAX_BODY_BYTES: z
    .string()
    .trim()
    .regex(/^[1-9]\d*$/, "must be a number of bytes, e.g. 2097152")
    .transform(Number)
    .default(2 * 1024 * 1024),
  SHUTDOWN_TIMEOUT_MS: duration.default(10000),
  PUBLIC_URL: optionalUrl(
    "the address HubSpot calls Baton at, e.g. https://baton.example.com (no path)",
  ).transform((value) => value?.replace(/\/+$/, "")),
  HUBSPOT_ACCESS_TOKEN: optionalString.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{20,}$/, {
        message:
          "must be the access token of your HubSpot private app (pat-...): HubSpot → Settings → Integrations → Private Apps → your app → Auth → Access token",
      })
      .optional(),
  ),
  HUBSPOT_CLIENT_SECRET: optionalString.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9-]{16,}$/, {
        message:
          "must be your HubSpot app's client secret (letters, digits and dashes): HubSpot → Settings → Integrations → Private Apps → your app → Auth → Client secret",
      })
      .optional(),
  ),
  HUBSPOT_API_URL: optionalUrl("e.g. https://api.hubapi.com").transform((value) =>
    (value ?? "https://api.hubapi.com").replace(/\/+$/, ""),
  ),
  HUBSPOT_RATE_LIMIT: z
    .string()
    .trim()
    .regex(
      /^[1-9]\d*$/,
      "must be the number of requests your HubSpot account allows per 10 seconds for this app, divided by the number of Baton replicas, e.g. 100 (Free and Starter), 190 (Professional, Enterprise)",
    )
    .transform(Number)
    .default(100),
  HUBSPOT_POLL_CRON: optionalString.pipe(
    z
      .string()
      .refine((expression) => validCron(expression), {
        message:
          'must be a cron expression such as "*/5 * * * *" (every 5 minutes), or empty to rely on HubSpot\'s webhooks for conversions',
      })
      .optional(),
  ),
  SALESFORCE_ORGANIZATION_ID: optionalString.pipe(
    z
      .string()
      .regex(/^00D[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$/, {
        message:
          "must be your Salesforce org's id (00D..., 15 or 18 characters): Salesforce → Setup → Company Information → Salesforce.com Organization ID",
      })
      .optional(),
  ),
  SALESFORCE_LOGIN_URL: optionalUrl(
    "your org's My Domain URL, e.g. https://acme.my.salesforce.com (https://test.salesforce.com for a sandbox with a password or refresh token)",
  ).transform((value) => (value ?? "https://login.salesforce.com").replace(/\/+$/, "")),
  SALESFORCE_AUTH_FLOW: z
    .enum(["client_credentials", "refresh_token", "password"], {
      message: "must be client_credentials, refresh_token or password",
    })
    .optional(),
  SALESFORCE_CLIENT_ID: optionalString,
  SALESFORCE_CLIENT_SECRET: optionalString,
  SALESFORCE_REFRESH_TOKEN: optionalString,
  SALESFORCE_USERNAME: optionalString,
  SALESFORCE_PASSWORD: optionalString,
  SALESFORCE_API_VERSION: z
    .string()
    .trim()
    .regex(/^\d{2,3}\.0$/, "must be a Salesforce REST API version such as 62.0")
    .default("62.0"),
  SALESFORCE_POLL_CRON: optionalString.pipe(
    z
      .string()
      .refine((expression) => validCron(expression), {
        message:
          'must be a cron expression such as "*/15 * * * *" (every 15 minutes), or empty to rely on Outbound Messages for conversions',
      })
      .optional(),
  ),
  SLA_SWEEP_CRON: z
    .string()
    .trim()
    .refine((expression) => validCron(expression), {
      message:
        'must be a cron expression such as "* * * * *" (every minute) or "*/30 * * * * *" (every 30 seconds)',
    })
    .default("* * * * *"),
});

/** Every variable Baton reads; .env.example and the deployment manifests are checked against it. */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(baseSchema.shape);

const checkedSchema = baseSchema.superRefine((env, ctx) => {
  checkSalesforce(env, ctx);
  if ((env.WEBHOOK_URLS?.length ?? 0) > 0 && !env.WEBHOOK_SECRET) {
    ctx.addIssue({
      code: "custom",
      path: ["WEBHOOK_SECRET"],
      message:
        "is required when WEBHOOK_URLS is set: receivers check each webhook's signature with it (make one with `openssl rand -hex 32`)",
    });
  }
});

const CONNECTED_APP =
  "Salesforce → Setup → App Manager → your Baton connected app → View → Manage Consumer Details";

/** The Salesforce credentials fit one flow, and the flow has what it needs. */
function checkSalesforce(env: z.output<typeof baseSchema>, ctx: z.RefinementCtx): void {
  const need = (name: keyof typeof env, message: string) => {
    if (!env[name]) ctx.addIssue({ code: "custom", path: [name], message });
  };
  const flow = salesforceFlow(env);
  if (!flow) {
    for (const name of [
      "SALESFORCE_CLIENT_SECRET",
      "SALESFORCE_REFRESH_TOKEN",
      "SALESFORCE_USERNAME",
    ] as const) {
      if (env[name])
        need(
          "SALESFORCE_CLIENT_ID",
          `is required with ${name}: the Consumer Key of your connected app (${CONNECTED_APP})`,
        );
    }
    return;
  }
  if (flow !== "refresh_token")
    need(
      "SALESFORCE_CLIENT_SECRET",
      `is required for the ${flow} flow: the Consumer Secret of your connected app (${CONNECTED_APP})`,
    );
  if (flow === "refresh_token")
    need(
      "SALESFORCE_REFRESH_TOKEN",
      "is required when SALESFORCE_AUTH_FLOW=refresh_token: a refresh token your connected app issued (scopes api and refresh_token)",
    );
  if (flow === "password") {
    need(
      "SALESFORCE_USERNAME",
      "is required when SALESFORCE_AUTH_FLOW=password: the integration user's username",
    );
    need(
      "SALESFORCE_PASSWORD",
      "is required when SALESFORCE_AUTH_FLOW=password: the integration user's password followed by their security token",
    );
  }
  if (
    flow === "client_credentials" &&
    /^https:\/\/(login|test)\.salesforce\.com$/.test(env.SALESFORCE_LOGIN_URL)
  ) {
    ctx.addIssue({
      code: "custom",
      path: ["SALESFORCE_LOGIN_URL"],
      message:
        "must be your org's My Domain URL for the client_credentials flow, e.g. https://acme.my.salesforce.com (Setup → My Domain); login.salesforce.com does not issue client-credentials tokens",
    });
  }
}

/** The OAuth flow: as SALESFORCE_AUTH_FLOW says, else the one the credentials given fit. */
function salesforceFlow(env: z.output<typeof baseSchema>) {
  if (!env.SALESFORCE_CLIENT_ID) return undefined;
  if (env.SALESFORCE_AUTH_FLOW) return env.SALESFORCE_AUTH_FLOW;
  if (env.SALESFORCE_REFRESH_TOKEN) return "refresh_token";
  if (env.SALESFORCE_USERNAME) return "password";
  return "client_credentials";
}

const slackSchema = checkedSchema.superRefine((env, ctx) => {
  if (!env.SLACK_BOT_TOKEN) {
    ctx.addIssue({
      code: "custom",
      path: ["SLACK_BOT_TOKEN"],
      message: `is required: ${SLACK_APP_SETUP}, install it to your workspace, then copy OAuth & Permissions → Bot User OAuth Token (xoxb-...)`,
    });
  }
  if (env.SLACK_MODE === "socket" && !env.SLACK_APP_TOKEN) {
    ctx.addIssue({
      code: "custom",
      path: ["SLACK_APP_TOKEN"],
      message: `is required in Socket Mode: ${SLACK_APP_SETUP}, then Basic Information → App-Level Tokens → Generate a token with the connections:write scope (xapp-...). Or set SLACK_MODE=http with SLACK_SIGNING_SECRET`,
    });
  }
  if (env.SLACK_MODE === "http" && !env.SLACK_SIGNING_SECRET) {
    ctx.addIssue({
      code: "custom",
      path: ["SLACK_SIGNING_SECRET"],
      message:
        "is required when SLACK_MODE=http: copy it from Slack app → Basic Information → App Credentials → Signing Secret",
    });
  }
});

export interface Config {
  env: "development" | "production" | "test";
  log: { level: string; pretty: boolean };
  slack: {
    mode: "socket" | "http";
    botToken: string;
    appToken?: string;
    signingSecret?: string;
    apiUrl?: string;
  };
  http: { host: string; port: number };
  database:
    | { kind: "pglite"; dataDir: string; migrateOnStart: boolean }
    | { kind: "postgres"; url: string; poolSize: number; migrateOnStart: boolean };
  openai: { apiKey?: string; baseUrl?: string; model: string; timeoutMs: number };
  playbookPath: string;
  intake: { tokens: { name: string; token: string }[]; maxBodyBytes: number };
  webhooks: { urls: string[]; secret?: string };
  /** The address outside callers (HubSpot) use to reach Baton, when a proxy changes it. */
  publicUrl?: string;
  /** HubSpot in (workflow webhooks, Webhooks API) and out (owners, lead status). */
  hubspot: {
    accessToken?: string;
    clientSecret?: string;
    apiUrl: string;
    /** Requests per 10 seconds this replica may make (HubSpot's burst limit per replica). */
    rateLimit: number;
    /** When to poll HubSpot for conversions (node-cron), where webhooks are not set up. */
    pollCron?: string;
  };
  /** Salesforce in (Outbound Messages from this org) and out (jsforce, when auth is set). */
  salesforce: {
    organizationId?: string;
    loginUrl: string;
    apiVersion: string;
    auth?: SalesforceAuth;
    /** When to poll Salesforce for conversions (node-cron), besides Outbound Messages. */
    pollCron?: string;
  };
  shutdownTimeoutMs: number;
  /** How often the SLA sweep runs (node-cron expression). */
  slaSweepCron: string;
}

export type SalesforceAuth =
  | { flow: "client_credentials"; clientId: string; clientSecret: string }
  | { flow: "refresh_token"; clientId: string; clientSecret?: string; refreshToken: string }
  | {
      flow: "password";
      clientId: string;
      clientSecret: string;
      username: string;
      password: string;
    };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      problems.length === 1
        ? `Baton cannot start: ${problems[0]}. Set it in the environment or in .env (see .env.example).`
        : `Baton cannot start: the configuration has ${problems.length} problems.\n${problems.map((p) => `  - ${p}`).join("\n")}\nSet these in the environment or in .env (see .env.example).`,
    );
    this.name = "ConfigError";
  }
}

/** Parses the environment into Baton's configuration, or throws a ConfigError naming each bad variable. */
export function loadConfig(
  source: Record<string, string | undefined> = process.env,
  { cwd = process.cwd(), requireSlack = true }: { cwd?: string; requireSlack?: boolean } = {},
): Config {
  const isTty = process.stdout.isTTY === true;
  const parsed = (requireSlack ? slackSchema : checkedSchema).safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? "environment");
      const value = source[name];
      const shown =
        name.match(/TOKEN|SECRET|KEY|PASSWORD|DATABASE_URL/) || value === undefined
          ? ""
          : ` (got "${value}")`;
      return `${name} ${issue.message}${shown}`;
    });
    throw new ConfigError(problems);
  }
  const env = parsed.data;
  const absolute = (path: string) => (isAbsolute(path) ? path : resolve(cwd, path));
  return {
    env: env.NODE_ENV,
    log: {
      level: env.LOG_LEVEL,
      pretty: (env.LOG_FORMAT ?? (isTty ? "pretty" : "json")) === "pretty",
    },
    slack: {
      mode: env.SLACK_MODE,
      botToken: env.SLACK_BOT_TOKEN ?? "",
      appToken: env.SLACK_APP_TOKEN,
      signingSecret: env.SLACK_SIGNING_SECRET,
      apiUrl: env.SLACK_API_URL,
    },
    http: { host: env.HOST, port: env.PORT },
    database: env.DATABASE_URL
      ? {
          kind: "postgres",
          url: env.DATABASE_URL,
          poolSize: env.DATABASE_POOL_SIZE,
          migrateOnStart: env.MIGRATE_ON_START,
        }
      : { kind: "pglite", dataDir: absolute(env.DATA_DIR), migrateOnStart: env.MIGRATE_ON_START },
    openai: {
      apiKey: env.OPENAI_API_KEY,
      baseUrl: env.OPENAI_BASE_URL,
      model: env.OPENAI_MODEL,
      timeoutMs: env.OPENAI_TIMEOUT_MS,
    },
    playbookPath: absolute(env.PLAYBOOK),
    intake: {
      tokens: (env.INTAKE_API_TOKENS ?? []).map((entry) => {
        const at = entry.indexOf(":");
        return { name: entry.slice(0, at), token: entry.slice(at + 1) };
      }),
      maxBodyBytes: env.INTAKE_MAX_BODY_BYTES,
    },
    webhooks: { urls: env.WEBHOOK_URLS ?? [], secret: env.WEBHOOK_SECRET },
    publicUrl: env.PUBLIC_URL,
    hubspot: {
      accessToken: env.HUBSPOT_ACCESS_TOKEN,
      clientSecret: env.HUBSPOT_CLIENT_SECRET,
      apiUrl: env.HUBSPOT_API_URL,
      rateLimit: env.HUBSPOT_RATE_LIMIT,
      pollCron: env.HUBSPOT_POLL_CRON,
    },
    salesforce: {
      organizationId: env.SALESFORCE_ORGANIZATION_ID,
      loginUrl: env.SALESFORCE_LOGIN_URL,
      apiVersion: env.SALESFORCE_API_VERSION,
      auth: salesforceAuth(env),
      pollCron: env.SALESFORCE_POLL_CRON,
    },
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    slaSweepCron: env.SLA_SWEEP_CRON,
  };
}

/** The credentials of the flow in use (checkSalesforce has made sure they are all there). */
function salesforceAuth(env: z.output<typeof baseSchema>): SalesforceAuth | undefined {
  const flow = salesforceFlow(env);
  const clientId = env.SALESFORCE_CLIENT_ID ?? "";
  const clientSecret = env.SALESFORCE_CLIENT_SECRET ?? "";
  switch (flow) {
    case undefined:
      return undefined;
    case "refresh_token":
      return {
        flow,
        clientId,
        clientSecret: env.SALESFORCE_CLIENT_SECRET,
        refreshToken: env.SALESFORCE_REFRESH_TOKEN ?? "",
      };
    case "password":
      return {
        flow,
        clientId,
        clientSecret,
        username: env.SALESFORCE_USERNAME ?? "",
        password: env.SALESFORCE_PASSWORD ?? "",
      };
    default:
      return { flow, clientId, clientSecret };
  }
}
