/** Alerts as JSON array, NDJSON or CSV, produced as a stream of chunks (never the whole file in memory). */
import type { StoredAlert } from './store/port.ts';

export const EXPORT_FORMATS = ['json', 'ndjson', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  json: 'application/json; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

export const CSV_COLUMNS = [
  'id', 'revision', 'severity', 'category', 'title', 'src', 'dst', 'srcPort', 'dstPort', 'protocol', 'firstSeen', 'lastSeen', 'count',
  'mitreTechniqueId', 'mitreTechnique', 'intelVerdict', 'sensorId', 'sensorHost', 'communityId', 'state', 'stateBy', 'stateAt',
] as const;

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  // A cell starting with = + - @ would be a formula in a spreadsheet (CSV injection).
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(stored: StoredAlert): string {
  const a = stored.alert;
  const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString());
  return [
    a.id, a.revision, a.severity, a.category, a.title, a.src, a.dst, a.srcPort, a.dstPort, a.protocol, iso(a.firstSeen), iso(a.lastSeen), a.count,
    a.mitre.techniqueId, a.mitre.technique, a.intel.verdict, a.sensorId, a.sensorHost, a.communityId, stored.state, stored.stateBy, iso(stored.stateAt),
  ].map(csvCell).join(',');
}

/** Export records: the alert with its triage state, flat enough for a SIEM. */
export function exportRecord(stored: StoredAlert): Record<string, unknown> {
  return { ...stored.alert, state: stored.state, stateBy: stored.stateBy, stateAt: stored.stateAt };
}

export async function* exportChunks(format: ExportFormat, alerts: AsyncIterable<StoredAlert>): AsyncGenerator<string> {
  if (format === 'csv') yield `${CSV_COLUMNS.join(',')}\r\n`;
  if (format === 'json') yield '[';
  let first = true;
  let chunk = '';
  for await (const stored of alerts) {
    if (format === 'csv') chunk += `${csvRow(stored)}\r\n`;
    else if (format === 'ndjson') chunk += `${JSON.stringify(exportRecord(stored))}\n`;
    else {
      chunk += `${first ? '\n' : ',\n'}${JSON.stringify(exportRecord(stored))}`;
      first = false;
    }
    if (chunk.length > 64 * 1024) {
      yield chunk;
      chunk = '';
    }
  }
  if (format === 'json') chunk += first ? ']\n' : '\n]\n';
  if (chunk) yield chunk;
}
