/**
 * The gateway's JSON, as the dashboard sees it: the very types the gateway serves (type-only
 * imports, erased from the bundle), so a change there is a compile error here.
 */
import type { Severity } from '../../../services/common/model.ts';
import type { AlertState, SensorRecord } from '../../../services/gateway/store/port.ts';

export type { Alert, Severity } from '../../../services/common/model.ts';
export type { AlertState, SeverityCounts, StoredAlert } from '../../../services/gateway/store/port.ts';
export type { Stats } from '../../../services/gateway/stats.ts';
export type Sensor = SensorRecord;

/** Display order: most severe first. */
export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const satisfies readonly Severity[];

export interface SensorList {
  online: number;
  total: number;
  sensors: Sensor[];
}

export interface FeedFilter {
  severity: Severity | null;
  state: AlertState | 'open' | null;
  q: string;
  address: string | null;
}
