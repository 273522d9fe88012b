/**
 * Loads the configuration once at start: defaults ← file (JSON or YAML) ← environment ←
 * explicit overrides (command-line flags). Validated against the one schema before any
 * connection opens, then frozen. An invalid value throws a ConfigError whose message is one
 * line naming the key, the value and what was expected.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { configSchema, ENV_ALIASES, type Config } from './schema.ts';
import { listLeaves, type ConfigLeaf } from './schema-walk.ts';

export interface LoadConfigOptions {
  /** Path of a JSON or YAML file; defaults to $NETSENTINEL_CONFIG when set. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Values from command-line flags, by dotted path; they win over everything else. */
  overrides?: Record<string, unknown>;
}

type Source = { kind: 'file'; file: string } | { kind: 'env'; name: string } | { kind: 'flag' };

const leaves = listLeaves(configSchema);
const leafByPath = new Map(leaves.map((leaf) => [leaf.path, leaf]));

export function loadConfig(options: LoadConfigOptions = {}): Readonly<Config> {
  const env = options.env ?? process.env;
  const file = options.file ?? env.NETSENTINEL_CONFIG;
  const raw: Record<string, unknown> = file ? readConfigFile(file) : {};
  const sources = new Map<string, Source>();
  if (file) markSources(raw, '', { kind: 'file', file }, sources);

  for (const leaf of leaves) {
    const value = env[leaf.env];
    if (value !== undefined && value !== '') {
      setPath(raw, leaf.path, parseEnvValue(leaf, value, leaf.env));
      sources.set(leaf.path, { kind: 'env', name: leaf.env });
    }
  }
  for (const [name, path] of Object.entries(ENV_ALIASES)) {
    const value = env[name];
    const leaf = leafByPath.get(path);
    if (leaf && value !== undefined && value !== '' && env[leaf.env] === undefined) {
      setPath(raw, path, parseEnvValue(leaf, value, name));
      sources.set(path, { kind: 'env', name });
    }
  }
  for (const [path, value] of Object.entries(options.overrides ?? {})) {
    if (value === undefined) continue;
    setPath(raw, path, value);
    sources.set(path, { kind: 'flag' });
  }

  const unknown = findUnknownKey(raw, '');
  if (unknown) throw new ConfigError(`config ${unknown}: unknown key${sourceSuffix(sources, unknown)} (see docs/configuration.md)`);
  const result = configSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(describeIssue(result.error.issues[0], raw, sources));
  return deepFreeze(result.data);
}

/** The first key of the raw input that is neither a leaf nor on the way to one. */
function findUnknownKey(value: unknown, prefix: string): string | null {
  if (prefix && leafByPath.has(prefix)) return null;
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  for (const [key, child] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (!leaves.some((leaf) => leaf.path === path || leaf.path.startsWith(`${path}.`))) return path;
    const nested = findUnknownKey(child, path);
    if (nested) return nested;
  }
  return null;
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(`config file ${file}: cannot read it (${code ?? String(err)})`);
  }
  try {
    const parsed: unknown = ['.yaml', '.yml'].includes(extname(file).toLowerCase()) ? YAML.parse(text) : JSON.parse(text);
    if (parsed === null || parsed === undefined) return {};
    if (typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new Error('expected an object at the top level');
    }
    return parsed as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError(`config file ${file}: not valid ${extname(file) === '.json' ? 'JSON' : 'JSON or YAML'}: ${(err as Error).message.split('\n')[0]}`);
  }
}

function parseEnvValue(leaf: ConfigLeaf, text: string, envName: string): unknown {
  switch (leaf.kind) {
    case 'number': {
      const n = Number(text);
      // keep the text so that validation reports it as received
      return text.trim() !== '' && Number.isFinite(n) ? n : text;
    }
    case 'boolean':
      if (/^(true|1|yes|on)$/i.test(text)) return true;
      if (/^(false|0|no|off)$/i.test(text)) return false;
      return text;
    case 'string[]':
      return text.split(',').map((s) => s.trim()).filter(Boolean);
    case 'number[]':
      return text.split(',').map((s) => {
        const n = Number(s.trim());
        return Number.isFinite(n) ? n : s.trim();
      });
    case 'json':
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new ConfigError(`config ${leaf.path} = ${JSON.stringify(text)}: expected JSON (from ${envName})`);
      }
    default:
      return text;
  }
}

function describeIssue(issue: z.ZodIssue, raw: Record<string, unknown>, sources: Map<string, Source>): string {
  const path = issue.path.map(String).join('.');
  const displayPath = issue.path.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => (path ? `${path}.${k}` : k));
    return `config ${keys.join(', ')}: unknown key${keys.length > 1 ? 's' : ''}${sourceSuffix(sources, keys[0])} (see docs/configuration.md)`;
  }
  const value = getPath(raw, issue.path);
  const leafPath = issue.path.filter((p) => typeof p === 'string').join('.');
  return `config ${displayPath} = ${formatValue(value)}: ${expectation(issue)}${sourceSuffix(sources, leafPath)}`;
}

function expectation(issue: z.ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.received === 'undefined' ? `required, expected ${issue.expected}` : `expected ${issue.expected}, got ${issue.received}`;
    case 'invalid_enum_value':
      return `expected one of ${issue.options.map((o) => JSON.stringify(o)).join(', ')}`;
    case 'too_small':
      if (issue.type === 'array') return `expected at least ${issue.minimum} item(s)`;
      if (issue.type === 'string') return `expected at least ${issue.minimum} character(s)`;
      return `expected a number ${issue.inclusive ? '>=' : '>'} ${issue.minimum}`;
    case 'too_big':
      if (issue.type === 'array') return `expected at most ${issue.maximum} item(s)`;
      if (issue.type === 'string') return `expected at most ${issue.maximum} character(s)`;
      return `expected a number ${issue.inclusive ? '<=' : '<'} ${issue.maximum}`;
    case 'invalid_string':
      if (issue.validation === 'url') return 'expected a URL such as http://host:port';
      return issue.message.startsWith('expected') ? issue.message : `expected ${issue.message}`;
    default:
      return issue.message.startsWith('expected') ? issue.message : `expected ${issue.message.toLowerCase()}`;
  }
}

function sourceSuffix(sources: Map<string, Source>, path: string): string {
  let source: Source | undefined;
  for (let p = path; p && !source; p = p.includes('.') ? p.slice(0, p.lastIndexOf('.')) : '') source = sources.get(p);
  if (!source) return '';
  if (source.kind === 'env') return ` (from environment ${source.name})`;
  if (source.kind === 'file') return ` (from ${source.file})`;
  return ' (from the command line)';
}

function formatValue(value: unknown): string {
  if (value === undefined) return '(missing)';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function markSources(value: unknown, prefix: string, source: Source, sources: Map<string, Source>): void {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) markSources(child, prefix ? `${prefix}.${key}` : key, source, sources);
  } else if (prefix) {
    sources.set(prefix, source);
  }
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (!next || typeof next !== 'object' || Array.isArray(next)) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]] = value;
}

function getPath(target: unknown, path: Array<string | number>): unknown {
  let node = target;
  for (const part of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[part];
  }
  return node;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
