// `npm start`: reads the configuration, starts Baton, and stops it cleanly on SIGTERM/SIGINT.
import { existsSync } from "node:fs";
import type { Baton } from "#src/baton.ts";
import { ConfigError, loadConfig } from "#src/config.ts";
import { FatalError } from "#src/errors.ts";
import { createLogger, type Logger } from "#src/logger.ts";

if (existsSync(".env")) process.loadEnvFile(".env");

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}

const logger = createLogger(config.log);
guardProcess(logger);

// Signals are handled from the first moment. One that arrives while Baton starts aborts the
// start: a wait for Slack ends at once, another step (a migration) at its end; what was opened
// is closed (the embedded database's lock too) and the process exits 0.
let baton: Baton | undefined;
let stopping = false;
const starting = new AbortController();
const onSignal = (signal: NodeJS.Signals) => {
  if (stopping) {
    logger.warn({ signal }, "second signal: exiting without waiting");
    process.exit(1);
  }
  stopping = true;
  logger.info({ signal }, "signal received");
  if (baton) void stopAndExit(baton);
  else {
    starting.abort(new Error(`${signal} while starting`));
    setTimeout(() => {
      logger.warn("start did not finish in time after the signal: exiting");
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
  }
};
process.on("SIGTERM", onSignal);
process.on("SIGINT", onSignal);

try {
  // Loaded after the configuration is checked: a missing variable is reported at once, before
  // Slack's, Prisma's and the database's modules are read.
  const { startBaton } = await import("#src/baton.ts");
  baton = await startBaton({ config, logger, signal: starting.signal });
  if (stopping) await stopAndExit(baton);
} catch (error) {
  if (starting.signal.aborted) {
    logger.info("stopped before the start finished");
    process.exit(0);
  }
  exitWith(error, logger, config.log.level);
}

async function stopAndExit(running: Baton): Promise<never> {
  try {
    await running.stop();
    process.exit(0);
  } catch (error) {
    logger.error({ err: error }, "shutdown failed");
    process.exit(1);
  }
}

function exitWith(error: unknown, log: Logger, level: string): never {
  if (error instanceof FatalError) {
    // One clear line; the stack only helps when debugging.
    if (level === "debug" || level === "trace") log.fatal({ err: error }, error.message);
    else log.fatal(error.message);
  } else {
    log.fatal({ err: error }, "Baton failed to start");
  }
  log.flush();
  process.exit(1);
}

/** No stray rejection kills the process; an uncaught exception is logged before exiting. */
function guardProcess(log: Logger): void {
  process.on("unhandledRejection", (reason) => {
    log.error({ err: reason }, "unhandled promise rejection (kept running)");
  });
  process.on("uncaughtException", (error) => {
    log.fatal({ err: error }, "uncaught exception: exiting");
    log.flush();
    process.exit(1);
  });
}
