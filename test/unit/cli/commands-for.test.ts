/** Which command modules a command line loads (services/cli/commands/index.ts), and that `--version` answers without any. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { COMMANDS, commandsFor } from '../../../services/cli/commands/index.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

describe('commandsFor', () => {
  it('loads the named command only, every command for --help or no command, none for --version alone', async () => {
    expect(await commandsFor(['analyze', 'x.pcap', '--format', 'table'])).toHaveLength(1);
    expect(await commandsFor(['--help'])).toHaveLength(COMMANDS.length);
    expect(await commandsFor([])).toHaveLength(COMMANDS.length);
    expect(await commandsFor(['--version'])).toEqual([]);
    expect(await commandsFor(['-V'])).toEqual([]);
    // A command's own --version is that command's business.
    expect(await commandsFor(['report', '--version'])).toHaveLength(1);
  });

  it('answers --version with package.json\'s version', () => {
    const run = spawnSync(process.execPath, ['bin/netsentinel.js', '--version'], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe((JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version);
  });
});
