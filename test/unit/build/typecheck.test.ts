/**
 * The code is TypeScript strict, but it runs through tsx, which strips types without checking
 * them: a type error in a test or a service would pass every other test. `npm test` is the
 * command CI runs, so the compiler's check is one of its tests.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('TypeScript', () => {
  it('tsc --noEmit finds no type error in services, tests, benches and scripts', async () => {
    const tsc = fileURLToPath(new URL('node_modules/typescript/bin/tsc', `file://${root}`));
    const result = await promisify(execFile)(process.execPath, [tsc, '--noEmit', '-p', root], { cwd: root, maxBuffer: 16 * 1024 * 1024 }).then(
      ({ stdout }) => ({ code: 0, output: stdout }),
      (err: { code?: number; stdout?: string; stderr?: string }) => ({ code: err.code ?? -1, output: `${err.stdout ?? ''}${err.stderr ?? ''}` }),
    );
    // The compiler's own messages name the file, line and error.
    expect(result.output.trim()).toBe('');
    expect(result.code).toBe(0);
  });
});
