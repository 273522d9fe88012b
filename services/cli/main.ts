/**
 * The one command-line entry: `netsentinel <command>`. Each command lives in its own file
 * under commands/ and registers itself here. Errors end the process with one line and a
 * non-zero exit code; stacks only with --verbose.
 */
import { Command } from 'commander';
import { errorLine, isNetSentinelError } from '../common/errors.ts';
import { commandsFor } from './commands/index.ts';
import { VERSION } from '../common/version.ts';

const program = new Command('netsentinel')
  .description('NetSentinel: distributed network intrusion detection (sensors → Kafka → detector workers → alerts → dashboard)')
  .version(VERSION)
  .showHelpAfterError('(run with --help for usage)')
  .option('--verbose', 'print stack traces of errors');

for (const register of await commandsFor(process.argv.slice(2))) register(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.exitCode = isNetSentinelError(err) && err.code === 'NS_ERR_USAGE' ? 2 : 1;
  process.stderr.write(`netsentinel: ${errorLine(err)}\n`);
  if (program.opts().verbose && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
}
