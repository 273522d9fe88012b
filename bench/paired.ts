/**
 * A bench run against another commit, in alternation (not a test; prints figures). This
 * machine's speed drifts by a quarter within minutes, so a change is judged by pairs: each round
 * runs the bench in a worktree of the other commit and in this tree, one right after the other
 * (the order flips every round), and the figures are summed over all rounds, with the count of
 * rounds in which this tree's figure was lower.
 *
 *   node --import tsx bench/paired.ts --against REV [--rounds 4] [--figure REGEX] -- NODE_ARGS...
 *   node --import tsx bench/paired.ts --against HEAD~3 -- --max-semi-space-size=32 --import tsx bench/detector-analyze.ts 1000000 3
 *   node --import tsx bench/paired.ts --against HEAD~1 --figure '([0-9.]+) CPU-s' -- --import tsx bench/detector-worker-path.ts --thread
 *
 * --figure: a regular expression whose first group is a number; every match in a run's output is
 * summed (default `in ([0-9.]+) s`, the seconds detector-analyze.ts prints for each run). The
 * worktree (under the system's temporary directory, sharing this tree's node_modules) is removed
 * at the end. Uncommitted changes of this tree are part of "this tree".
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const usage = 'usage: node --import tsx bench/paired.ts --against REV [--rounds N] [--figure REGEX] -- NODE_ARGS...';

function fail(message: string): never {
  process.stderr.write(`bench/paired: ${message}\n${usage}\n`);
  process.exit(2);
}

const argv = process.argv.slice(2);
const dashes = argv.indexOf('--');
if (dashes < 0 || dashes === argv.length - 1) fail('no bench to run after --');
const own = argv.slice(0, dashes);
const nodeArgs = argv.slice(dashes + 1);
const option = (name: string): string | undefined => {
  const at = own.indexOf(name);
  return at < 0 ? undefined : own[at + 1];
};
const against = option('--against') ?? fail('--against REV is required');
const rounds = Number(option('--rounds') ?? 4);
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 50) fail(`--rounds must be an integer from 1 to 50, not ${option('--rounds')}`);
let figure: RegExp;
try {
  figure = new RegExp(option('--figure') ?? 'in ([0-9.]+) s', 'g');
} catch (err) {
  fail(`--figure is not a regular expression: ${(err as Error).message}`);
}

const git = (...args: string[]) => spawnSync('git', args, { cwd: repoRoot, encoding: 'utf8' });
const commit = git('rev-parse', '--verify', `${against}^{commit}`);
if (commit.status !== 0) fail(`${against} is not a commit of ${repoRoot}`);
const rev = commit.stdout.trim();

const other = mkdtempSync(path.join(tmpdir(), 'ns-paired-'));
rmSync(other, { recursive: true });
try {
  const added = git('worktree', 'add', '--detach', other, rev);
  if (added.status !== 0) fail(`git worktree add failed: ${added.stderr.trim()}`);
  if (existsSync(path.join(repoRoot, 'node_modules'))) symlinkSync(path.join(repoRoot, 'node_modules'), path.join(other, 'node_modules'));

  /** The figures of one run in a tree, summed; throws on a failed run or no figure. */
  const run = (cwd: string): number => {
    const r = spawnSync(process.execPath, nodeArgs, { cwd, encoding: 'utf8', env: process.env, maxBuffer: 64 << 20, timeout: 30 * 60_000 });
    const output = `${r.stdout}\n${r.stderr}`;
    if (r.status !== 0) throw new Error(`the bench exited with ${r.status ?? r.signal} in ${cwd}:\n${output.slice(-2000)}`);
    const values = [...output.matchAll(figure)].map((m) => Number(m[1]));
    if (values.length === 0 || values.some(Number.isNaN)) throw new Error(`no figure matching ${figure} in the output in ${cwd}:\n${output.slice(-2000)}`);
    return values.reduce((a, b) => a + b, 0);
  };

  console.log(`${against} (${rev.slice(0, 7)}) against this tree, ${rounds} rounds: node ${nodeArgs.join(' ')}`);
  let sumOther = 0;
  let sumThis = 0;
  let lower = 0;
  for (let i = 0; i < rounds; i++) {
    // Flipped every round, so that a drift of the machine's speed favours neither side.
    const thisFirst = i % 2 === 1;
    const first = run(thisFirst ? repoRoot : other);
    const second = run(thisFirst ? other : repoRoot);
    const [a, b] = thisFirst ? [second, first] : [first, second];
    sumOther += a;
    sumThis += b;
    if (b < a) lower++;
    console.log(`round ${i + 1}: ${against} ${a.toFixed(2)}, this tree ${b.toFixed(2)} (${(((b - a) / a) * 100).toFixed(1)} %)`);
  }
  console.log(`in all: ${against} ${sumOther.toFixed(2)}, this tree ${sumThis.toFixed(2)} = ${(((sumThis - sumOther) / sumOther) * 100).toFixed(1)} %; this tree lower in ${lower} of ${rounds} rounds`);
} catch (err) {
  process.stderr.write(`bench/paired: ${(err as Error).message}\n`);
  process.exitCode = 1;
} finally {
  git('worktree', 'remove', '--force', other);
  rmSync(other, { recursive: true, force: true });
}
