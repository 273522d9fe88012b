/**
 * Node and V8 flags that a command runs with. V8 sizes its heap and Node its pool of V8 helper
 * threads only when a process starts, so the launcher starts node again with them.
 * Plain JavaScript: the launcher reads it before TypeScript is registered.
 *
 * `analyze` folds every packet of a capture through objects that live for about one partition
 * batch:
 * - With V8's default young generation (semi-spaces that start at 1 MB and grow to 16 MB) many
 *   of them survive a scavenge and are copied again or promoted. Semi-spaces of 32 MB from the
 *   start made `analyze` 10-15 % faster on the benchmark capture, its first run included
 *   (docs/performance.md, session 8), for 32 MB more memory.
 * - Node gives V8 four helper threads (collector and compiler) whatever the machine. On two
 *   cores they took turns with the one thread that runs the detectors: with one helper thread,
 *   `analyze` took 4.7 % less time, lower in 6 of 8 alternating runs (session 16). One core is
 *   left to the JavaScript thread, and never more than Node's four are asked for.
 */
import { availableParallelism } from 'node:os';

/** V8 helper threads for a command that keeps one JavaScript thread busy, on a machine of `cores`. */
export const helperThreads = (cores) => Math.min(4, Math.max(1, cores - 1));

/**
 * Each command's flags, in groups: a group is left out when node already runs with one of its
 * flags (the relaunched process, or a value of the user's own choosing).
 * @type {Readonly<Record<string, (cores: number) => ReadonlyArray<readonly string[]>>>}
 */
export const COMMAND_V8_FLAGS = Object.freeze({
  analyze: (cores) => [['--min-semi-space-size=32', '--max-semi-space-size=32'], [`--v8-pool-size=${helperThreads(cores)}`]],
});

/**
 * The flags to start node with for this command line, or none: none when its command needs
 * none, or when node already runs with them (the relaunched process) or with values of the
 * user's own choosing.
 * @param {readonly string[]} args the command line after the script (process.argv.slice(2))
 * @param {readonly string[]} execArgv node's own flags (process.execArgv)
 * @param {number} [cores] the processors this process may use
 * @returns {string[]}
 */
export function v8FlagsToAdd(args, execArgv, cores = availableParallelism()) {
  // The command is the first argument that is not an option, as services/cli/commands/index.ts reads it.
  const command = args.find((arg) => !arg.startsWith('-'));
  const groups = command === undefined ? undefined : COMMAND_V8_FLAGS[command];
  if (groups === undefined) return [];
  const name = (flag) => flag.split('=')[0].replace(/_/g, '-');
  const chosen = new Set(execArgv.map(name));
  return groups(cores)
    .filter((group) => !group.some((flag) => chosen.has(name(flag))))
    .flat();
}
