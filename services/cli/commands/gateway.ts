/**
 * `netsentinel gateway`: the API, WebSocket stream and dashboard. Reads the alerts and
 * heartbeats topics; keeps its state in Redis (gateway.store=redis) so replicas agree.
 */
import type { Command } from 'commander';
import { UsageError } from '../../common/errors.ts';
import { startGateway } from '../../gateway/run.ts';
import { commandRuntime, onShutdown, withConfigOptions } from '../runtime.ts';

export function registerGateway(program: Command): void {
  withConfigOptions(
    program
      .command('gateway')
      .description('serve the REST API, the WebSocket stream and the dashboard (reads the alerts and heartbeats topics)')
      .option('--host <address>', 'listen address (gateway.host)')
      .option('--port <port>', 'listen port (gateway.port)')
      .option('--store <kind>', 'redis or memory (gateway.store)'),
  ).action(async (options: { config?: string; logLevel?: string; host?: string; port?: string; store?: string }) => {
    const overrides: Record<string, unknown> = {};
    if (options.host) overrides['gateway.host'] = options.host;
    if (options.port !== undefined) {
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port ${options.port}: expected 0-65535`);
      overrides['gateway.port'] = port;
    }
    if (options.store) overrides['gateway.store'] = options.store;
    const { config, logger } = commandRuntime(options, overrides, 'gateway');
    const gateway = await startGateway(config, logger);
    process.stderr.write(`netsentinel gateway: ${gateway.url} (dashboard, /api, /ws, /docs)\n`);
    onShutdown(logger, () => gateway.close());
  });
}
