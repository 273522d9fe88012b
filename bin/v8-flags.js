/**
 * V8 flags that a command runs with. `analyze` folds every packet of a capture through objects
 * that live for about one partition batch: with V8's default young generation (semi-spaces that
 * start at 1 MB and grow to 16 MB) many of them survive a scavenge and are copied again or
 * promoted. Semi-spaces of 32 MB from the start made `analyze` 10-15 % faster on the benchmark
 * capture, its first run included (docs/performance.md, session 8), for 32 MB more memory.
 * V8 sizes the heap when the process starts, so the launcher starts node again with them.
 * Plain JavaScript: the launcher reads it before TypeScript is registered.
 */

/** @type {Readonly<Record<string, readonly string[]>>} */
export const COMMAND_V8_FLAGS = Object.freeze({
  analyze: Object.freeze(['--min-semi-space-size=32', '--max-semi-space-size=32']),
});

/**
 * The flags to start node with for this command line, or none: none when its command needs
 * none, or when node already runs with them (the relaunched process) or with a young-generation
 * size of the user's own choosing.
 * @param {readonly string[]} args the command line after the script (process.argv.slice(2))
 * @param {readonly string[]} execArgv node's own flags (process.execArgv)
 * @returns {string[]}
 */
export function v8FlagsToAdd(args, execArgv) {
  // The command is the first argument that is not an option, as services/cli/commands/index.ts reads it.
  const command = args.find((arg) => !arg.startsWith('-'));
  const flags = command === undefined ? undefined : COMMAND_V8_FLAGS[command];
  if (flags === undefined) return [];
  const chosen = new Set(execArgv.map((flag) => flag.split('=')[0].replace(/_/g, '-')));
  if (chosen.has('--min-semi-space-size') || chosen.has('--max-semi-space-size')) return [];
  return [...flags];
}
