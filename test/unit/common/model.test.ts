import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { CATEGORIES, SEVERITIES, VERDICTS } from '../../../services/common/model.ts';
import { avroType } from '../../../services/common/serde/avro-types.ts';
import { sampleAlert, sampleHeartbeat, samplePacket } from '../../support/sample-records.ts';

function fieldNames(type: avro.Type): string[] {
  return (type as avro.types.RecordType).fields.map((f) => f.name).sort();
}

function recordType(kind: 'packetBatch' | 'alert' | 'heartbeat', field?: string): avro.Type {
  const type = avroType(kind) as avro.types.RecordType;
  if (!field) return type;
  return (type.field(field)!.type as avro.types.ArrayType).itemsType;
}

function enumSymbols(type: avro.Type, field: string): string[] {
  return ((type as avro.types.RecordType).field(field)!.type as avro.types.EnumType).symbols;
}

describe('model.ts mirrors schemas/*.avsc', () => {
  it('has the same fields as the Avro records', () => {
    expect(Object.keys(samplePacket()).sort()).toEqual(fieldNames(recordType('packetBatch', 'packets')));
    expect(Object.keys(sampleAlert()).sort()).toEqual(fieldNames(recordType('alert')));
    expect(Object.keys(sampleHeartbeat()).sort()).toEqual(fieldNames(recordType('heartbeat')));
  });

  it('has the same category, severity and verdict symbols', () => {
    const alert = recordType('alert');
    expect(enumSymbols(alert, 'category')).toEqual([...CATEGORIES]);
    expect(enumSymbols(alert, 'severity')).toEqual([...SEVERITIES]);
    const intel = (alert as avro.types.RecordType).field('intel')!.type;
    expect(enumSymbols(intel, 'verdict')).toEqual([...VERDICTS]);
  });

  it('documents every field of every schema', () => {
    const undocumented: string[] = [];
    const walk = (schema: unknown, path: string): void => {
      if (Array.isArray(schema)) return schema.forEach((s) => walk(s, path));
      if (!schema || typeof schema !== 'object') return;
      const s = schema as { type?: unknown; fields?: Array<{ name: string; doc?: string; type: unknown }>; items?: unknown };
      for (const field of s.fields ?? []) {
        if (!field.doc) undocumented.push(`${path}.${field.name}`);
        walk(field.type, `${path}.${field.name}`);
      }
      if (s.items) walk(s.items, path);
      if (s.type && typeof s.type === 'object') walk(s.type, path);
    };
    for (const kind of ['packetBatch', 'alert', 'heartbeat'] as const) walk(avroType(kind).schema({ exportAttrs: true }), kind);
    expect(undocumented).toEqual([]);
  });
});
