// `npm start`: reads the configuration, starts Baton, and stops it cleanly on SIGTERM/SIGINT.
import { existsSync } from "node:fs";
import { startBaton } from "#src/baton.ts";
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

try {
  const baton = await startBaton({ config, logger });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, "second signal: exiting without waiting");
      process.exit(1);
    }
    logger.info({ signal }, "signal received");
    baton.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
} catch (error) {
  exitWith(error, logger, config.log.level);
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
