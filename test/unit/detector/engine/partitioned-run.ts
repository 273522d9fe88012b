/** Drives a DetectionEngine the way a worker sees a capture: partitioned as the sensor does (victim copies included), batches per partition. */
import type { Alert, Packet } from '../../../../services/common/model.ts';
import type { DetectionEngine } from '../../../../services/detector/engine/engine.ts';
import { victimCopyOf } from '../../../../services/sensor/decode/packet-record.ts';
import { PacketRouter } from '../../../../services/sensor/packet-router.ts';

/**
 * The engine's alerts for these packets, in batches of `size` per partition (the rest flushed
 * at the end); afterBatch runs after each processed batch.
 */
export async function runPartitioned(engine: DetectionEngine, packets: Packet[], partitions: number, size: number, afterBatch: () => void = () => undefined): Promise<Alert[]> {
  const pending: Packet[][] = Array.from({ length: partitions }, () => []);
  const offsets = new Array<number>(partitions).fill(0);
  const alerts: Alert[] = [];
  const flush = async (part: number): Promise<void> => {
    const r = await engine.process(part, [{ offset: String(offsets[part]++), batch: { sensorId: 's', sensorHost: 'h', batchSeq: offsets[part], packets: pending[part] } }]);
    pending[part] = [];
    alerts.push(...r.alerts);
    afterBatch();
  };
  const router = new PacketRouter(partitions);
  for (const p of packets) {
    const part = router.partitionOf(p);
    pending[part].push(p);
    if (pending[part].length >= size) await flush(part);
    const victimPart = router.victimPartitionOf(p);
    if (victimPart >= 0) {
      pending[victimPart].push(victimCopyOf(p));
      if (pending[victimPart].length >= size) await flush(victimPart);
    }
  }
  for (let part = 0; part < partitions; part++) if (pending[part].length > 0) await flush(part);
  return alerts;
}
