import type { Command } from 'commander';

/** Every command registers itself on the program; the order is the order of `--help`. */
export type RegisterCommand = (program: Command) => void;

export interface CommandEntry {
  name: string;
  /** Imported only when the command runs (or for --help): a sensor never loads Fastify. */
  load: () => Promise<RegisterCommand>;
}

// In the order of the data flow: all-in-one, packets in, detection, people out, set-up.
export const COMMANDS: CommandEntry[] = [
  { name: 'start', load: async () => (await import('./start.ts')).registerStart },
  { name: 'sensor', load: async () => (await import('./sensor.ts')).registerSensor },
  { name: 'replay', load: async () => (await import('./replay.ts')).registerReplay },
  { name: 'decode', load: async () => (await import('./decode.ts')).registerDecode },
  { name: 'analyze', load: async () => (await import('./analyze.ts')).registerAnalyze },
  { name: 'detector', load: async () => (await import('./detector.ts')).registerDetector },
  { name: 'gateway', load: async () => (await import('./gateway.ts')).registerGateway },
  { name: 'report', load: async () => (await import('./report.ts')).registerReport },
  { name: 'certs', load: async () => (await import('./certs.ts')).registerCerts },
  { name: 'init', load: async () => (await import('./init.ts')).registerInit },
];

/**
 * The commands a command line needs: the one it names; none for `--version` alone (loading
 * every command, Fastify and kafkajs included, took half a second); all of them when it names
 * none (top-level --help, a typo that commander should answer with the list).
 */
export async function commandsFor(argv: string[]): Promise<RegisterCommand[]> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) return [];
  const name = argv.find((arg) => !arg.startsWith('-'));
  const named = COMMANDS.find((entry) => entry.name === name);
  return Promise.all((named ? [named] : COMMANDS).map((entry) => entry.load()));
}
