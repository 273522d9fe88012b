/**
 * How records become Kafka message values and back. Two framings of the same Avro schemas
 * (schemas/*.avsc):
 *  - registry-serde.ts: Confluent wire format (magic 0, 4-byte schema id, Avro body), schemas
 *    registered in a Confluent-compatible registry with BACKWARD compatibility;
 *  - single-object-serde.ts: Avro single-object encoding (C3 01, 8-byte CRC-64-AVRO
 *    fingerprint, Avro body) for the embedded mode, where there is no registry.
 * Call init() once (it registers or fingerprints the schemas); then encode is synchronous so
 * the packet path never awaits per message.
 */
import type { Alert, DetectorBatch, Heartbeat, PacketBatch } from '../model.ts';

export type RecordKind = 'packetBatch' | 'alert' | 'heartbeat';

export interface RecordTypes {
  packetBatch: PacketBatch;
  alert: Alert;
  heartbeat: Heartbeat;
}

export interface Serde {
  init(): Promise<void>;
  encode<K extends RecordKind>(kind: K, record: RecordTypes[K]): Buffer;
  /** Throws SerdeError (not retriable) for bytes that are not a record of this kind. */
  decode<K extends RecordKind>(kind: K, value: Buffer): Promise<RecordTypes[K]>;
  /**
   * A packetBatch as the detectors read it: the checks and errors of decode('packetBatch'),
   * packets with only the fields the detectors read (model.ts DetectorPacket).
   */
  decodeDetectorBatch(value: Buffer): Promise<DetectorBatch>;
}
