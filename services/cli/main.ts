/**
 * The one command-line entry: `netsentinel <command>`. Each command lives in its own file
 * under commands/ and registers itself here. Errors end the process with one line and a
 * non-zero exit code; stacks only with --verbose.
 */
import { Command } from 'commander';
import { errorLine, isNetSentinelError } from '../common/errors.ts';
import { commandsFor } from './commands/index.ts';
import { VERSION } from '../common/version.ts';

const EXIT_USAGE = 2;
/** 128 + SIGPIPE, what the shell reports for a filter whose reader closed the pipe. */
const EXIT_CLOSED_OUTPUT = 141;

const program = new Command('netsentinel')
  .description('NetSentinel: distributed network intrusion detection (sensors → Kafka → detector workers → alerts → dashboard)')
  .version(VERSION)
  .showHelpAfterError('(run with --help for usage)')
  .option('--verbose', 'print stack traces of errors')
  // Commander's own usage errors (an unknown option, a missing argument: it has said which) exit
  // 2 like ours, not 1, which means the command ran and failed. Before registering: commands
  // copy it when made.
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE));

for (const register of await commandsFor(process.argv.slice(2))) register(program);

// Whoever read our output went away (`netsentinel decode x.pcap | head`): end as a C filter that
// SIGPIPE kills does (exit 141, nothing said), not with an unhandled EPIPE's stack.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(EXIT_CLOSED_OUTPUT);
  process.stderr.write(`netsentinel: cannot write to standard output: ${err.message}\n`);
  process.exit(1);
});

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if ((err as NodeJS.ErrnoException).code === 'EPIPE') process.exit(EXIT_CLOSED_OUTPUT);
  process.exitCode = isNetSentinelError(err) && err.code === 'NS_ERR_USAGE' ? EXIT_USAGE : 1;
  process.stderr.write(`netsentinel: ${errorLine(err)}\n`);
  if (program.opts().verbose && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
}
