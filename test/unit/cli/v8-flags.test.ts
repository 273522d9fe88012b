/**
 * The launcher (bin/netsentinel.js) starts node again with V8 flags for the commands that need
 * them (bin/v8-flags.js): `analyze` gets 32 MB semi-spaces and one V8 helper thread fewer than
 * the machine has cores, in the process that runs it (and only once), every other command runs
 * in the first process, and a young-generation size or pool size the user chose is kept.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { availableParallelism } from 'node:os';
import { helperThreads, v8FlagsToAdd } from '../../../bin/v8-flags.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const capture = path.resolve(repoRoot, '../shared/pcaps/synflood/syn_flood_spoofed_random_sources_stopddos.pcap');

const semiSpaces = ['--min-semi-space-size=32', '--max-semi-space-size=32'];

describe('v8FlagsToAdd', () => {
  it('gives analyze its semi-space sizes and helper threads, wherever its options are', () => {
    expect(v8FlagsToAdd(['analyze', 'a.pcap'], [], 2)).toEqual([...semiSpaces, '--v8-pool-size=1']);
    expect(v8FlagsToAdd(['--verbose', 'analyze', 'a.pcap', '--format', 'table'], ['--enable-source-maps'], 8)).toEqual([...semiSpaces, '--v8-pool-size=4']);
  });

  it('leaves one core to the JavaScript thread, and asks for no more helper threads than Node gives', () => {
    expect([1, 2, 3, 4, 5, 64].map(helperThreads)).toEqual([1, 1, 2, 3, 4, 4]);
    expect(v8FlagsToAdd(['analyze', 'a.pcap'], [])).toContain(`--v8-pool-size=${helperThreads(availableParallelism())}`);
  });

  it('gives nothing to other commands, to no command, or to a node that already runs with the flags', () => {
    expect(v8FlagsToAdd(['detector'], [], 2)).toEqual([]);
    expect(v8FlagsToAdd(['--help'], [], 2)).toEqual([]);
    expect(v8FlagsToAdd([], [], 2)).toEqual([]);
    expect(v8FlagsToAdd(['analyze', 'a.pcap'], [...semiSpaces, '--v8-pool-size=1'], 2)).toEqual([]);
  });

  it('keeps a value the user chose, and adds the rest', () => {
    expect(v8FlagsToAdd(['analyze', 'a.pcap'], ['--max_semi_space_size=8'], 2)).toEqual(['--v8-pool-size=1']);
    expect(v8FlagsToAdd(['analyze', 'a.pcap'], ['--v8-pool-size=3'], 2)).toEqual(semiSpaces);
    expect(v8FlagsToAdd(['analyze', 'a.pcap'], ['--min-semi-space-size=16', '--v8_pool_size=2'], 2)).toEqual([]);
  });
});

describe('netsentinel analyze through the launcher', () => {
  it('runs in a node started with the flags, and exits with its status and output', () => {
    const ok = spawnSync(process.execPath, ['bin/netsentinel.js', 'analyze', capture, '--format', 'table'], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/syn_flood\s+CRITICAL\s+multiple\s+10\.10\.10\.10/);
    expect(ok.stderr).toMatch(/^37841 packets in [\d.]+ s/m);

    const bad = spawnSync(process.execPath, ['bin/netsentinel.js', 'analyze', '--format', 'bogus', capture], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^netsentinel: NS_ERR_USAGE: --format bogus: expected ndjson, table or report$/m);

    const missing = spawnSync(process.execPath, ['bin/netsentinel.js', 'analyze', path.join(repoRoot, 'no-such.pcap')], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/NS_ERR_CAPTURE_FILE: .*no-such\.pcap/);
  });

  it('hands a signal to the analyze process and ends by it, leaving no process behind', async () => {
    // A FIFO nobody writes to: analyze waits in open() until it is signalled.
    const dir = mkdtempSync(path.join(tmpdir(), 'ns-launcher-'));
    const fifo = path.join(dir, 'waiting.pcap');
    try {
      expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
      const launcher = spawn(process.execPath, ['bin/netsentinel.js', 'analyze', fifo], { cwd: repoRoot, stdio: 'ignore' });
      const childOf = (pid: number): string => spawnSync('ps', ['-o', 'args=', '--ppid', String(pid)], { encoding: 'utf8' }).stdout.trim();
      let child = '';
      for (const until = Date.now() + 30_000; Date.now() < until && !child.includes('analyze'); ) {
        child = childOf(launcher.pid!);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(child).toContain(`--min-semi-space-size=32 --max-semi-space-size=32 --v8-pool-size=${helperThreads(availableParallelism())}`);
      expect(child).toContain(`bin/netsentinel.js analyze ${fifo}`);
      const ended = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => launcher.once('exit', (code, signal) => resolve([code, signal])));
      launcher.kill('SIGTERM');
      expect(await ended).toEqual([null, 'SIGTERM']);
      // Not orphaned either: no process waits on the FIFO any more.
      expect(spawnSync('pgrep', ['-f', fifo], { encoding: 'utf8' }).stdout.trim()).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
