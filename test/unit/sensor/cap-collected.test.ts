import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

interface Report {
  created: number;
  destroyed: number;
}

/** Runs test/support/cap-collected.ts in a process of its own: a crash there is the finding. */
function collect(addon: string): { status: number | null; signal: NodeJS.Signals | null; report: Report | null } {
  const run = spawnSync('node', ['--expose-gc', '--import', 'tsx', 'test/support/cap-collected.ts', addon], { encoding: 'utf8', timeout: 60_000 });
  const line = run.stdout.split('\n').find((l) => l.startsWith('{'));
  return { status: run.status, signal: run.signal, report: line ? (JSON.parse(line) as Report) : null };
}

describe('Cap objects let go', () => {
  it('@netsentinel/pcap: are destroyed inside garbage collection without crashing the process', () => {
    const run = collect('@netsentinel/pcap');
    expect(run).toMatchObject({ status: 0, signal: null });
    expect(run.report?.created).toBe(2000);
    // The destructor really ran inside the collections, for most of the 2,000.
    expect(run.report?.destroyed).toBeGreaterThan(1000);
  });

  it('cap: are kept for the life of the process, so its destructor never runs inside garbage collection', () => {
    const run = collect('cap');
    expect(run).toMatchObject({ status: 0, signal: null });
    expect(run.report).toMatchObject({ created: 2000, destroyed: 0 });
  });
});
