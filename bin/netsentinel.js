#!/usr/bin/env node
// Runs the TypeScript sources directly (tsx), so `npx netsentinel` works right after `npm ci`
// with no build step. A command that needs other V8 heap sizes (bin/v8-flags.js) is run in a
// node started again with them: V8 sizes the heap only when a process starts.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { v8FlagsToAdd } from './v8-flags.js';

const flags = v8FlagsToAdd(process.argv.slice(2), process.execArgv);
if (flags.length > 0) {
  const child = spawn(process.execPath, [...process.execArgv, ...flags, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  // A supervisor's or kill's signal is the child's too (a terminal's Ctrl-C reaches both).
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const forward = (signal) => child.kill(signal);
  for (const signal of signals) process.on(signal, forward);
  child.on('error', (err) => {
    process.stderr.write(`netsentinel: cannot start ${process.execPath}: ${err.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    for (const s of signals) process.off(s, forward);
    // Ended by a signal: end the same way, so that the shell or supervisor sees it.
    if (signal !== null) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../services/cli/main.ts');
}
