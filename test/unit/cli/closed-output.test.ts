/**
 * A command whose reader goes away (`netsentinel decode x.pcap | head -1`) ends as a C filter
 * killed by SIGPIPE does: exit 141, nothing on stderr (it used to die of an unhandled EPIPE, with
 * its stack).
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const pcaps = path.resolve(repoRoot, '../shared/pcaps');
// More output than a pipe holds (64 KiB), so that the command is still writing when the pipe
// closes: decode's of one capture, analyze's alerts of every labelled capture (about 140 KB).
const inputs: Record<string, string[]> = {
  decode: [path.join(pcaps, 'synflood/syn_flood_spoofed_random_sources_stopddos.pcap')],
  analyze: readdirSync(pcaps, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => path.join(pcaps, entry.name)),
};

/** Runs the command, reads its first line of output, then closes the pipe it writes to. */
function firstLineThenClose(args: string[]): Promise<{ line: string; code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/netsentinel.js', ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let line = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const end = out.indexOf('\n');
      if (end >= 0 && line === '') {
        line = out.slice(0, end);
        child.stdout.destroy();
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ line, code, stderr }));
  });
}

describe('a command whose output is closed', () => {
  for (const command of ['decode', 'analyze']) {
    it(`${command} ends quietly with 141 once its reader stops reading`, async () => {
      const run = await firstLineThenClose([command, ...inputs[command]]);
      expect(JSON.parse(run.line)).toHaveProperty(command === 'decode' ? 'src' : 'category');
      expect(run.stderr).toBe('');
      expect(run.code).toBe(141);
    }, 60_000);
  }
});
