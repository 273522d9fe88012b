/**
 * `netsentinel start` (what `npm start` runs): the embedded all-in-one on the bundled demo
 * captures, or on a live interface with --iface. Prints the dashboard URL and how to log in;
 * Ctrl-C stops everything cleanly.
 */
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { UsageError } from '../../common/errors.ts';
import { startAllInOne, type PacketInput } from '../../embedded/all-in-one.ts';
import { captureFilesOf } from '../capture-args.ts';
import { CaptureFilter } from '../../sensor/capture-filter.ts';
import { commandRuntime, onShutdown, withConfigOptions } from '../runtime.ts';
import { parseSpeed } from './replay.ts';

const DEMO_CAPTURES = fileURLToPath(new URL('../../../demo/captures', import.meta.url));

interface StartOptions {
  config?: string;
  logLevel?: string;
  iface?: string;
  speed: string;
  port?: string;
  host?: string;
  filter?: string;
}

export function registerStart(program: Command): void {
  withConfigOptions(
    program
      .command('start')
      .description('the all-in-one: sensor + detector + gateway in one process (no Kafka, no Redis), on the demo captures or a live interface')
      .argument('[captures...]', 'capture files (gzip-compressed too) or directories to replay in a loop (default: the bundled demo captures)')
      .option('-i, --iface <name>', 'watch this live interface instead of replaying captures (needs libpcap and capture rights)')
      .option('--speed <n>', 'replay speed: 1 (captured timing), 10, ... or max', '1')
      .option('-f, --filter <expression>', 'only the packets this libpcap filter keeps, replayed or live (e.g. "not port 22"; live, it replaces sensor.filter)')
      .option('--host <address>', 'address the dashboard listens on (default gateway.host, 127.0.0.1)')
      .option('-p, --port <port>', 'port of the dashboard (default gateway.port, 8080; 0 = any free port)'),
  ).action(async (captures: string[], opts: StartOptions) => {
    const overrides: Record<string, unknown> = { 'gateway.store': 'memory', 'registry.url': '' };
    if (opts.port !== undefined) overrides['gateway.port'] = Number(opts.port);
    if (opts.host !== undefined) overrides['gateway.host'] = opts.host;
    // Live, libpcap applies it in the kernel as sensor.filter (and refuses a bad one as it opens
    // the interface); for the replay it is compiled, and checked, before anything starts.
    const filter = opts.iface !== undefined ? undefined : CaptureFilter.optional(opts.filter);
    if (opts.filter !== undefined) overrides['sensor.filter'] = opts.filter;
    // Quieter by default: the terminal shows the URL, the log goes to stderr at warn.
    const { config, logger } = commandRuntime({ logLevel: 'warn', ...opts }, overrides, 'netsentinel');
    let input: PacketInput;
    if (opts.iface) {
      if (captures.length > 0) throw new UsageError('start: give either --iface or capture files, not both');
      input = { kind: 'live', iface: opts.iface };
    } else {
      const files = captureFilesOf(captures.length > 0 ? captures : [DEMO_CAPTURES], { loopingCommand: 'start' });
      input = { kind: 'replay', files, speed: parseSpeed(opts.speed), filter };
    }
    const app = await startAllInOne(config, input, logger);
    const credentials = config.gateway.apiKeys.length === 0 && config.gateway.users.length === 0 ? config.gateway.credentialsFile : null;
    process.stdout.write(
      [
        '',
        `NetSentinel is running: dashboard at ${app.gateway.url}/`,
        credentials
          ? `Log in as "admin" with the password in ${credentials} (cat it; it also holds the API key)`
          : 'Log in with a user of gateway.users (or use an API key of gateway.apiKeys)',
        (input.kind === 'live' ? `Watching interface ${input.iface}` : `Replaying ${input.files.length} captures in a loop at speed ${opts.speed}`) + (opts.filter === undefined ? '.' : `, keeping what "${opts.filter}" keeps.`),
        'Press Ctrl-C to stop.',
        '',
      ].join('\n') + '\n',
    );
    onShutdown(logger, () => app.stop());
    app.input.catch((err: unknown) => {
      // Live capture that cannot start (no libpcap, no permission): say why and stop.
      process.stderr.write(`netsentinel: ${err instanceof Error ? err.message : String(err)}\n`);
      void app.stop().then(() => process.exit(1));
    });
  });
}
