/**
 * The benchmark capture as Kafka would hold it for the detector benches: PacketBatch messages
 * of `messagePackets` packets per partition, partitioned as the sensor does (victim copies
 * included; `packets` counts the capture's packets), encoded beforehand
 * so that what a bench times is the worker's side only.
 */
import type { Packet } from '../services/common/model.ts';
import type { Serde } from '../services/common/serde/port.ts';
import { victimCopyOf } from '../services/sensor/decode/packet-record.ts';
import { PacketRouter } from '../services/sensor/packet-router.ts';
import { openCaptureFile } from '../services/sensor/capture-source.ts';

export async function captureMessages(file: string, partitions: number, serde: Serde, messagePackets = 2000): Promise<{ messages: Buffer[][]; packets: number }> {
  const messages: Buffer[][] = Array.from({ length: partitions }, () => []);
  const pending: Packet[][] = Array.from({ length: partitions }, () => []);
  const encode = (part: number): void => {
    messages[part].push(serde.encode('packetBatch', { sensorId: 'bench', sensorHost: 'bench', batchSeq: messages[part].length, packets: pending[part] }));
    pending[part] = [];
  };
  let packets = 0;
  const router = new PacketRouter(partitions);
  for await (const chunk of await openCaptureFile(file)) {
    for (const p of chunk) {
      packets++;
      const part = router.partitionOf(p);
      pending[part].push(p);
      if (pending[part].length >= messagePackets) encode(part);
      const victimPart = router.victimPartitionOf(p);
      if (victimPart >= 0) {
        pending[victimPart].push(victimCopyOf(p));
        if (pending[victimPart].length >= messagePackets) encode(victimPart);
      }
    }
  }
  for (let part = 0; part < partitions; part++) if (pending[part].length > 0) encode(part);
  return { messages, packets };
}
