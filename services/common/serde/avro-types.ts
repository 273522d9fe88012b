/**
 * The Avro types of schemas/*.avsc, parsed once per process. Both serdes build on them, so the
 * embedded and the distributed mode write the very same bytes after their headers.
 */
import { readFileSync } from 'node:fs';
import avro from 'avsc';
import type { RecordKind } from './port.ts';

const SCHEMA_FILES: Record<RecordKind, string> = {
  packetBatch: 'packet-batch.avsc',
  alert: 'alert.avsc',
  heartbeat: 'heartbeat.avsc',
};

export const RECORD_KINDS = Object.keys(SCHEMA_FILES) as RecordKind[];

const schemaTexts = new Map<RecordKind, string>();
const types = new Map<RecordKind, avro.Type>();

/** The schema file's text, as registered in the registry (docs included). */
export function schemaText(kind: RecordKind): string {
  let text = schemaTexts.get(kind);
  if (!text) {
    text = readFileSync(new URL(`../../../schemas/${SCHEMA_FILES[kind]}`, import.meta.url), 'utf8');
    schemaTexts.set(kind, text);
  }
  return text;
}

export function avroType(kind: RecordKind): avro.Type {
  let type = types.get(kind);
  if (!type) {
    type = avro.Type.forSchema(JSON.parse(schemaText(kind)) as avro.Schema);
    types.set(kind, type);
  }
  return type;
}
