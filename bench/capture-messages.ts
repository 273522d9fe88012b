/**
 * The benchmark capture as Kafka would hold it for the detector benches: PacketBatch messages
 * of `messagePackets` packets per partition, partitioned as the sensor does (victim copies
 * included; `packets` counts the capture's packets), encoded beforehand
 * so that what a bench times is the worker's side only.
 */
import type { Packet } from '../services/common/model.ts';
import type { Serde } from '../services/common/serde/port.ts';
import { victimCopyOf } from '../services/sensor/decode/packet-record.ts';
import { openCaptureFile } from '../services/sensor/capture-source.ts';
import { arrayBatches, PartitionBatches, type PartitionBatch } from '../services/sensor/partition-batches.ts';

export async function captureMessages(file: string, partitions: number, serde: Serde, messagePackets = 2000): Promise<{ messages: Buffer[][]; packets: number }> {
  const messages: Buffer[][] = Array.from({ length: partitions }, () => []);
  const batches = new PartitionBatches<Packet[]>(partitions, messagePackets, arrayBatches((p, victimCopy) => (victimCopy ? victimCopyOf(p) : p)));
  const encode = ({ partition, packets }: PartitionBatch<Packet[]>): void => {
    messages[partition].push(serde.encode('packetBatch', { sensorId: 'bench', sensorHost: 'bench', batchSeq: messages[partition].length, packets }));
  };
  let packets = 0;
  for await (const chunk of await openCaptureFile(file)) {
    for (const p of chunk) {
      packets++;
      batches.add(p).forEach(encode);
    }
  }
  batches.rest().forEach(encode);
  return { messages, packets };
}
