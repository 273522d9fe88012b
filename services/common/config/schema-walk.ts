/**
 * Walks the zod config schema to list its leaves: path, type, default, description and the
 * environment variable that sets it. Used by the loader (environment → values) and by the
 * documentation generator, so both always agree with the schema.
 */
import { z } from 'zod';

export type LeafKind = 'string' | 'number' | 'boolean' | 'enum' | 'string[]' | 'number[]' | 'json';

export interface ConfigLeaf {
  path: string;
  kind: LeafKind;
  enumValues?: string[];
  defaultValue: unknown;
  description: string;
  env: string;
}

export function envNameOf(path: string): string {
  return (
    'NETSENTINEL_' +
    path
      .split('.')
      .map((part) => part.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase())
      .join('_')
  );
}

interface Unwrapped {
  inner: z.ZodTypeAny;
  defaultValue: unknown;
  description: string;
}

function unwrap(schema: z.ZodTypeAny): Unwrapped {
  let current: z.ZodTypeAny = schema;
  let defaultValue: unknown = undefined;
  let description = schema.description ?? '';
  for (;;) {
    if (!description && current.description) description = current.description;
    if (current instanceof z.ZodDefault) {
      if (defaultValue === undefined) defaultValue = current._def.defaultValue();
      current = current._def.innerType;
    } else if (current instanceof z.ZodOptional || current instanceof z.ZodNullable) {
      current = current._def.innerType;
    } else if (current instanceof z.ZodEffects) {
      current = current._def.schema;
    } else if (current instanceof z.ZodUnion) {
      // url().or(literal('')): document and parse as the first option
      current = current._def.options[0];
    } else {
      return { inner: current, defaultValue, description };
    }
  }
}

function leafKind(inner: z.ZodTypeAny): { kind: LeafKind; enumValues?: string[] } {
  if (inner instanceof z.ZodString) return { kind: 'string' };
  if (inner instanceof z.ZodNumber) return { kind: 'number' };
  if (inner instanceof z.ZodBoolean) return { kind: 'boolean' };
  if (inner instanceof z.ZodEnum) return { kind: 'enum', enumValues: [...inner._def.values] };
  if (inner instanceof z.ZodLiteral) return { kind: 'string' };
  if (inner instanceof z.ZodArray) {
    const item = unwrap(inner._def.type).inner;
    if (item instanceof z.ZodString || item instanceof z.ZodEnum) return { kind: 'string[]' };
    if (item instanceof z.ZodNumber) return { kind: 'number[]' };
  }
  return { kind: 'json' };
}

export function listLeaves(schema: z.ZodTypeAny, prefix = ''): ConfigLeaf[] {
  const { inner, defaultValue, description } = unwrap(schema);
  if (inner instanceof z.ZodObject) {
    const leaves: ConfigLeaf[] = [];
    for (const [key, child] of Object.entries(inner.shape as Record<string, z.ZodTypeAny>)) {
      leaves.push(...listLeaves(child, prefix ? `${prefix}.${key}` : key));
    }
    return leaves;
  }
  const { kind, enumValues } = leafKind(inner);
  return [{ path: prefix, kind, enumValues, defaultValue, description, env: envNameOf(prefix) }];
}
