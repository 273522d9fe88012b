/**
 * Where a bench spends its time, by source line (not a test; prints figures). tsx hands V8 each
 * module on one line, so a CPU profile of a run under tsx names functions but no lines; this
 * bundles the entry with esbuild (lines kept, next to the entry so that paths relative to it
 * still resolve), runs it under `node --cpu-prof`, and prints the main thread's time by
 * function including what it calls (where a flat profile's time goes, caller by caller), then
 * its self time by source file and by line:
 *
 *   node --import tsx bench/profile-lines.ts [--top=40] [--node=<flag>...] ENTRY [ARGS...]
 *   node --import tsx bench/profile-lines.ts --node=--max-semi-space-size=32 bench/detector-analyze.ts 1000000 3
 *
 * Line figures are samples of optimised code mapped back to lines: good for finding the few hot
 * lines, rough within a function. Each module's `import.meta.url` is its source file's URL in the
 * bundle, so modules that read files beside themselves (the Redis store's Lua scripts, the Avro
 * schemas) find them.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
  positionTicks?: Array<{ line: number; ticks: number }>;
}

const args = process.argv.slice(2);
const top = Number(args.find((a) => a.startsWith('--top='))?.slice(6) ?? 40);
const nodeFlags = args.filter((a) => a.startsWith('--node=')).map((a) => a.slice(7));
const rest = args.filter((a) => !a.startsWith('--top=') && !a.startsWith('--node='));
const entry = rest[0];
if (entry === undefined) {
  process.stderr.write('usage: node --import tsx bench/profile-lines.ts [--top=N] [--node=<flag>...] ENTRY [ARGS...]\n');
  process.exit(2);
}
/** Bundled, every module would share the bundle's import.meta.url; each gets its source file's. */
const ownImportMetaUrl: Plugin = {
  name: 'own-import-meta-url',
  setup(bundler) {
    bundler.onLoad({ filter: /\/services\/.*\.ts$|\/bench\/.*\.ts$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8').replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
      loader: 'ts',
    }));
  },
};
const bundle = path.join(path.dirname(entry), `.profile-${path.basename(entry, path.extname(entry))}.mjs`);
const profileDir = mkdtempSync(path.join(tmpdir(), 'ns-profile-'));
try {
  await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: bundle, logLevel: 'warning', plugins: [ownImportMetaUrl] });
  const run = spawnSync(process.execPath, [...nodeFlags, '--cpu-prof', `--cpu-prof-dir=${profileDir}`, bundle, ...rest.slice(1)], { stdio: 'inherit' });
  if (run.status !== 0) throw new Error(`${entry} exited with ${run.status ?? run.signal}`);
  // The main thread's profile is the first one written (worker threads write theirs after).
  const file = readdirSync(profileDir).sort()[0];
  const profile = JSON.parse(readFileSync(path.join(profileDir, file), 'utf8')) as { nodes: ProfileNode[]; samples: number[] };
  report(profile, readFileSync(bundle, 'utf8').split('\n'));
} finally {
  rmSync(bundle, { force: true });
  rmSync(profileDir, { recursive: true, force: true });
}

function report(profile: { nodes: ProfileNode[]; samples: number[] }, source: string[]): void {
  // esbuild marks where each bundled module starts: `// services/detector/engine/engine.ts`.
  const starts: Array<{ line: number; file: string }> = [];
  source.forEach((text, i) => {
    const m = /^\/\/ ((?:services|bench|node_modules)\/\S+)$/.exec(text);
    if (m) starts.push({ line: i + 1, file: m[1] });
  });
  const fileOf = (line: number): string => {
    let found = '(entry)';
    for (const s of starts) if (s.line <= line) found = s.file;
    return found;
  };
  const total = profile.samples.length;
  const byLine = new Map<number, { ticks: number; fn: string }>();
  const byFile = new Map<string, number>();
  const bySelf = new Map<number, number>();
  for (const id of profile.samples) bySelf.set(id, (bySelf.get(id) ?? 0) + 1);
  for (const node of profile.nodes) {
    const self = bySelf.get(node.id) ?? 0;
    if (self === 0) continue;
    const inBundle = node.callFrame.url.endsWith(path.basename(bundle));
    const file = inBundle ? fileOf(node.callFrame.lineNumber + 1) : node.callFrame.functionName || node.callFrame.url || '(native)';
    byFile.set(file, (byFile.get(file) ?? 0) + self);
    if (!inBundle) continue;
    for (const { line, ticks } of node.positionTicks ?? []) {
      const at = byLine.get(line) ?? { ticks: 0, fn: node.callFrame.functionName };
      at.ticks += ticks;
      byLine.set(line, at);
    }
  }
  const pct = (n: number): string => `${((n / total) * 100).toFixed(1).padStart(5)} %`;
  // Inclusive time: each function counted once per sample whose stack holds it (recursion too).
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const nodeById = new Map(profile.nodes.map((n) => [n.id, n]));
  const nameOf = (node: ProfileNode): string | null => {
    if (!node.callFrame.url.endsWith(path.basename(bundle))) return null;
    return `${fileOf(node.callFrame.lineNumber + 1).replace(/^services\//, '')} ${node.callFrame.functionName || '(anonymous)'}`;
  };
  const inclusive = new Map<string, number>();
  for (const [id, n] of bySelf) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      const name = nameOf(nodeById.get(at)!);
      if (name !== null) seen.add(name);
    }
    for (const name of seen) inclusive.set(name, (inclusive.get(name) ?? 0) + n);
  }
  console.log(`\n${total} samples; inclusive time by function (the bundle's):`);
  for (const [name, n] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(n)}  ${name}`);
  console.log(`\nself time by source file:`);
  for (const [file, n] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(n)}  ${file}`);
  console.log('\nself time by line:');
  for (const [line, { ticks, fn }] of [...byLine].sort((a, b) => b[1].ticks - a[1].ticks).slice(0, top)) {
    console.log(`${pct(ticks)}  ${fileOf(line).replace(/^services\//, '')} ${fn || '(anonymous)'}: ${source[line - 1].trim().slice(0, 100)}`);
  }
}
