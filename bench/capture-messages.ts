/**
 * The benchmark capture as Kafka would hold it for the detector benches: PacketBatch messages
 * of `messagePackets` packets per partition, partitioned as the sensor does, encoded beforehand
 * so that what a bench times is the worker's side only.
 */
import type { Packet } from '../services/common/model.ts';
import type { Serde } from '../services/common/serde/port.ts';
import { partitionOf } from '../services/detector/engine/partition-key.ts';
import { openCaptureFile } from '../services/sensor/capture-source.ts';

export async function captureMessages(file: string, partitions: number, serde: Serde, messagePackets = 2000): Promise<{ messages: Buffer[][]; packets: number }> {
  const messages: Buffer[][] = Array.from({ length: partitions }, () => []);
  const pending: Packet[][] = Array.from({ length: partitions }, () => []);
  const encode = (part: number): void => {
    messages[part].push(serde.encode('packetBatch', { sensorId: 'bench', sensorHost: 'bench', batchSeq: messages[part].length, packets: pending[part] }));
    pending[part] = [];
  };
  let packets = 0;
  for await (const chunk of await openCaptureFile(file)) {
    for (const p of chunk) {
      packets++;
      const part = partitionOf(p, partitions);
      pending[part].push(p);
      if (pending[part].length >= messagePackets) encode(part);
    }
  }
  for (let part = 0; part < partitions; part++) if (pending[part].length > 0) encode(part);
  return { messages, packets };
}
