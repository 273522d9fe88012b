/** The CLI's exit codes: 0 done, 1 failed (one line naming what), 2 a usage error, whoever reports it. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const run = (args: string[]) => spawnSync(process.execPath, ['bin/netsentinel.js', ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });

describe('exit codes', () => {
  it('are 2 for usage errors, commander\'s and ours alike, 0 for help, 1 for a failure', () => {
    const cases: Array<[string[], number, RegExp]> = [
      [['analyze', '--bogus', 'x.pcap'], 2, /unknown option '--bogus'/],
      [['analyze'], 2, /missing required argument 'files'/],
      [['no-such-command'], 2, /unknown command 'no-such-command'/],
      [['decode', '--limit', 'many', 'x.pcap'], 2, /--limit many: expected a whole number/],
      [['decode', 'no-such-file.pcap'], 1, /NS_ERR_CAPTURE_FILE: no-such-file\.pcap: cannot open at byte 0/],
      [['decode', '--help'], 0, /^$/],
    ];
    for (const [args, status, stderr] of cases) {
      const result = run(args);
      expect(result.status, args.join(' ')).toBe(status);
      expect(result.stderr, args.join(' ')).toMatch(stderr);
    }
  }, 60_000);
});
