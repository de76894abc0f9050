// Builds the Bolt app: Socket Mode by default, HTTP mode for replicas behind a load balancer.
// In HTTP mode Baton's own server (src/http/server.ts) owns the port and hands Slack's
// requests to Bolt's receiver, so health, metrics and the intake API share it.
import type { RequestListener } from "node:http";
import { App, HTTPReceiver, SocketModeReceiver } from "@slack/bolt";
import type { Deps } from "#src/context.ts";
import { FatalError } from "#src/errors.ts";
import { InFlight } from "#src/lib/in-flight.ts";
import { boltLogger } from "#src/logger.ts";
import { register as registerActions } from "#src/slack/listeners/actions/index.ts";
import { register as registerCommands } from "#src/slack/listeners/commands/index.ts";
import { register as registerEvents } from "#src/slack/listeners/events/index.ts";
import { register as registerFunctions } from "#src/slack/listeners/functions/index.ts";
import { register as registerShortcuts } from "#src/slack/listeners/shortcuts/index.ts";
import { register as registerViews } from "#src/slack/listeners/views/index.ts";
import { answerMalformedPayloads } from "#src/slack/malformed-payload.ts";
import { dedupeEvents } from "#src/slack/middleware/dedupe-events.ts";
import { platformError, type SlackIdentity } from "#src/slack/slack-status.ts";

export const SLACK_EVENTS_PATH = "/slack/events";

export interface SlackApp {
  app: App;
  /** HTTP mode: the listener for SLACK_EVENTS_PATH. */
  httpListener?: RequestListener;
  start(): Promise<void>;
  /** Stops taking Slack requests and waits for running handlers (their work after ack). */
  stop(timeoutMs: number): Promise<void>;
}

export function createSlackApp(deps: Deps, identity?: SlackIdentity): SlackApp {
  const { slack } = deps.config;
  const logger = boltLogger(deps.logger);
  const clientOptions = { slackApiUrl: slack.apiUrl };

  if (slack.mode === "http") {
    const receiver = new HTTPReceiver({
      signingSecret: slack.signingSecret!,
      endpoints: [SLACK_EVENTS_PATH],
      logger,
      // Bolt answers Slack's HTTP request as soon as a handler calls ack().
      processBeforeResponse: false,
      processEventErrorHandler: answerMalformedPayloads,
    });
    const handlers = new InFlight();
    const app = buildApp(deps, receiver, clientOptions, identity, handlers);
    return {
      app,
      httpListener: receiver.requestListener,
      start: async () => {},
      stop: async (timeoutMs) => {
        await drainHandlers(handlers, timeoutMs, deps);
      },
    };
  }

  const receiver = new SocketModeReceiver({
    appToken: slack.appToken!,
    logger,
    installerOptions: { clientOptions },
  });
  const handlers = new InFlight();
  const app = buildApp(deps, receiver, clientOptions, identity, handlers);
  return {
    app,
    start: async () => {
      try {
        await receiver.start();
      } catch (error) {
        const code = platformError(error);
        if (code) {
          throw new FatalError(
            `Slack refused to open a Socket Mode connection (${code}). Check SLACK_APP_TOKEN: an app-level token (xapp-...) with the connections:write scope from Basic Information → App-Level Tokens, and that Socket Mode is turned on for the app.`,
            { cause: error },
          );
        }
        throw error;
      }
    },
    stop: async (timeoutMs) => {
      await receiver.stop();
      await drainHandlers(handlers, timeoutMs, deps);
    },
  };
}

function buildApp(
  deps: Deps,
  receiver: HTTPReceiver | SocketModeReceiver,
  clientOptions: { slackApiUrl?: string },
  identity: SlackIdentity | undefined,
  handlers: InFlight,
): App {
  const app = new App({
    token: deps.config.slack.botToken,
    receiver,
    logger: boltLogger(deps.logger),
    clientOptions,
    // The token was checked at start (SlackStatus); when Slack was unreachable then, Bolt
    // checks it lazily on the first request instead of blocking start-up.
    tokenVerificationEnabled: false,
    botId: identity?.botId,
    botUserId: identity?.botUserId,
  });
  app.error(async (error) => {
    deps.logger.error({ err: error }, "unhandled error in a Slack listener");
  });
  app.use(({ next }) => handlers.run(next));
  app.use(dedupeEvents(deps));
  // A click or command usually commits outbox work (card updates): deliver it now, not at the
  // worker's next poll.
  app.use(async ({ next }) => {
    try {
      await next();
    } finally {
      deps.wakeOutbox?.();
    }
  });
  registerCommands(app, deps);
  registerActions(app, deps);
  registerViews(app, deps);
  registerEvents(app, deps);
  registerShortcuts(app, deps);
  registerFunctions(app, deps);
  return app;
}

async function drainHandlers(handlers: InFlight, timeoutMs: number, deps: Deps): Promise<void> {
  if (!(await handlers.drain(timeoutMs))) {
    deps.logger.warn({ running: handlers.size }, "shutdown timeout: Slack handlers still running");
  }
}
