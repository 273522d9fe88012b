/**
 * `netsentinel sensor --iface X [--filter BPF] [--[no-]promisc] [--snaplen N] [--buffer-size MiB]`
 * captures live traffic and publishes it to Kafka until SIGINT/SIGTERM, then prints one summary
 * line with libpcap's counters; `netsentinel sensor --list-interfaces` lists what can be
 * captured. Live capture needs the optional native addon @netsentinel/pcap (or cap) and libpcap.
 */
import type { Command } from 'commander';
import { loadConfig } from '../../common/config/load.ts';
import { UsageError } from '../../common/errors.ts';
import { captureSummary, listInterfaces, loadCap, runLiveCapture } from '../../sensor/live-capture.ts';
import { openSensorSession } from '../sensor-session.ts';

interface SensorFlags {
  iface?: string;
  filter?: string;
  promisc?: boolean;
  snaplen?: string;
  bufferSize?: string;
  listInterfaces?: boolean;
  config?: string;
}

function positiveInt(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} ${text}: expected a positive whole number`);
  return n;
}

export function registerSensor(program: Command): void {
  program
    .command('sensor')
    .description('capture live traffic from an interface (libpcap) and publish it to Kafka')
    .option('-i, --iface <name>', 'interface to capture on')
    .option('-f, --filter <bpf>', 'BPF filter expression')
    .option('--promisc', 'promiscuous mode (the default, sensor.promiscuous)')
    .option('--no-promisc', 'capture only the traffic addressed to this host')
    .option('--snaplen <bytes>', 'bytes captured per packet, 64 to 262144 (default sensor.snaplen, 262144)')
    .option('--buffer-size <MiB>', 'libpcap kernel buffer size in MiB')
    .option('--list-interfaces', 'list the interfaces that can be captured and exit')
    .option('-c, --config <file>', 'configuration file (JSON or YAML)')
    .action(async (opts: SensorFlags) => {
      if (opts.listInterfaces) {
        // One write: a reader that closes early (| head) must not meet a half-written list.
        process.stdout.write((await listInterfaces()).map((i) => `${i.name}\t${i.addresses.join(',')}\t${i.description}\n`).join(''));
        return;
      }
      if (!opts.iface) throw new UsageError('sensor: --iface <name> is required (see netsentinel sensor --list-interfaces)');
      // Without a libpcap addon say so at once, before connecting to Kafka.
      await loadCap();
      const config = loadConfig({
        file: opts.config,
        overrides: {
          'sensor.filter': opts.filter,
          'sensor.promiscuous': opts.promisc,
          'sensor.snaplen': positiveInt('--snaplen', opts.snaplen),
          'sensor.bufferSizeMb': positiveInt('--buffer-size', opts.bufferSize),
        },
      });
      const session = await openSensorSession(config, 'live', opts.iface);
      try {
        const result = await runLiveCapture({
          iface: opts.iface,
          filter: config.sensor.filter,
          snaplen: config.sensor.snaplen,
          bufferSizeMb: config.sensor.bufferSizeMb,
          promiscuous: config.sensor.promiscuous,
          ...session,
        });
        process.stdout.write(`${captureSummary(opts.iface, session.counters, result, session.identity.id)}\n`);
      } finally {
        await session.close();
      }
    });
}
