/**
 * What every command shares: the --config flag, the one-time config load, the logger, and a
 * shutdown hook that runs once on SIGINT/SIGTERM so Ctrl-C stops cleanly.
 */
import type { Command } from 'commander';
import { loadConfig } from '../common/config/load.ts';
import type { Config } from '../common/config/schema.ts';
import { createLogger, type Logger } from '../common/observability/logger.ts';

export interface CommandRuntime {
  config: Readonly<Config>;
  logger: Logger;
}

/** Adds --config and --log-level to a command. */
export function withConfigOptions(command: Command): Command {
  return command
    .option('-c, --config <file>', 'configuration file (JSON or YAML); see docs/configuration.md')
    .option('--log-level <level>', 'log level (fatal, error, warn, info, debug, trace, silent)');
}

/** Loads and validates the configuration once; flags given as dotted-path overrides win. */
export function commandRuntime(options: { config?: string; logLevel?: string }, overrides: Record<string, unknown> = {}, name = 'netsentinel'): CommandRuntime {
  const config = loadConfig({ file: options.config, overrides: { ...(options.logLevel ? { 'log.level': options.logLevel } : {}), ...overrides } });
  const logger = createLogger({ level: config.log.level, pretty: config.log.pretty, name });
  return { config, logger };
}

/**
 * Runs `stop` once on the first SIGINT or SIGTERM; a second signal exits at once, so a stuck
 * shutdown never needs kill -9.
 */
export function onShutdown(logger: Logger, stop: (signal: string) => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    stopping = true;
    logger.info({ signal }, 'stopping');
    stop(signal).then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
