/**
 * Avro single-object encoding (C3 01 + little-endian CRC-64-AVRO fingerprint + body), for the
 * embedded mode where there is no registry. The fingerprint lets a reader refuse bytes written
 * with another schema instead of misreading them.
 */
import type avro from 'avsc';
import { SerdeError } from '../errors.ts';
import { avroType, RECORD_KINDS } from './avro-types.ts';
import { decodeDetectorBatch, decodePacketBatch } from './packet-batch-decoder.ts';
import { encodePacketBatch } from './packet-batch-encoder.ts';
import type { DetectorBatch, PacketBatch } from '../model.ts';
import type { RecordKind, RecordTypes, Serde } from './port.ts';
import { rabinFingerprint } from './rabin.ts';

const MAGIC_0 = 0xc3;
const MAGIC_1 = 0x01;
const HEADER_LENGTH = 10;

export class SingleObjectSerde implements Serde {
  private readonly headers = new Map<RecordKind, Buffer>();

  async init(): Promise<void> {
    for (const kind of RECORD_KINDS) this.header(kind);
  }

  encode<K extends RecordKind>(kind: K, record: RecordTypes[K]): Buffer {
    return encodeFramed(avroType(kind), record, kind, this.header(kind));
  }

  async decode<K extends RecordKind>(kind: K, value: Buffer): Promise<RecordTypes[K]> {
    return decodeBody(avroType(kind), value, this.bodyOffset(kind, value), kind) as RecordTypes[K];
  }

  async decodeDetectorBatch(value: Buffer): Promise<DetectorBatch> {
    return decodeBody(avroType('packetBatch'), value, this.bodyOffset('packetBatch', value), 'packetBatch', undefined, 'detector') as DetectorBatch;
  }

  /** Where the Avro body of a single-object encoded `kind` record starts (after its checks). */
  private bodyOffset(kind: RecordKind, value: Buffer): number {
    if (value.length < HEADER_LENGTH || value[0] !== MAGIC_0 || value[1] !== MAGIC_1) {
      throw new SerdeError(`${kind}: not Avro single-object encoded (expected the bytes C3 01 at offset 0, got ${value.subarray(0, 2).toString('hex') || 'nothing'})`);
    }
    const expected = this.header(kind);
    if (!value.subarray(2, HEADER_LENGTH).equals(expected.subarray(2))) {
      throw new SerdeError(`${kind}: schema fingerprint ${value.subarray(2, HEADER_LENGTH).toString('hex')} is not the ${kind} schema's (${expected.subarray(2).toString('hex')})`);
    }
    return HEADER_LENGTH;
  }

  private header(kind: RecordKind): Buffer {
    let header = this.headers.get(kind);
    if (!header) {
      // Type#toString() is the schema's Parsing Canonical Form, which the fingerprint is defined on.
      header = Buffer.concat([Buffer.from([MAGIC_0, MAGIC_1]), rabinFingerprint(avroType(kind).toString())]);
      this.headers.set(kind, header);
    }
    return header;
  }
}

/**
 * Scratch space reused by every encode of the process. avsc's toBuffer() starts from a 1 KiB
 * buffer and encodes a large record twice; encoding into a buffer that grows to the largest
 * record seen costs one pass and one copy.
 */
let scratch = Buffer.allocUnsafe(1 << 20);

/** header + Avro body of the record, in a buffer of its own. */
export function encodeFramed(type: avro.Type, record: unknown, kind: string, header: Buffer): Buffer {
  // The sensor's hot path has an encoder of its own; it hands anything unexpected back to avsc.
  if (kind === 'packetBatch') {
    const fast = encodePacketBatch(record as PacketBatch, header);
    if (fast !== null) return fast;
  }
  let end: number;
  try {
    header.copy(scratch, 0);
    end = type.encode(record, scratch, header.length);
    while (end < 0) {
      // A negative end is minus the size the record needed.
      scratch = Buffer.allocUnsafe(Math.max(scratch.length * 2, -end + header.length));
      header.copy(scratch, 0);
      end = type.encode(record, scratch, header.length);
    }
  } catch (err) {
    throw invalidRecord(type, record, kind, err);
  }
  return Buffer.from(scratch.subarray(0, end));
}

function invalidRecord(type: avro.Type, record: unknown, kind: string, err: unknown): Error {
  const paths: string[] = [];
  type.isValid(record, { errorHook: (path) => paths.push(path.join('.')) });
  return new SerdeError(`${kind}: record does not match its schema${paths.length ? ` at ${paths.slice(0, 3).join(', ')}` : ''}: ${(err as Error).message}`, { cause: err });
}

/**
 * `packets`: 'detector' for decodeDetectorBatch (packets with only the fields the detectors read;
 * a full Packet, from avsc, is one too).
 */
export function decodeBody(type: avro.Type, value: Buffer, offset: number, kind: string, resolver?: avro.Resolver, packets: 'all' | 'detector' = 'all'): unknown {
  // The workers' hot path has a decoder of its own for our own schema (no resolver); it hands
  // anything it does not read exactly like avsc back to avsc.
  if (kind === 'packetBatch' && resolver === undefined) {
    const fast = packets === 'detector' ? decodeDetectorBatch(value, offset) : decodePacketBatch(value, offset);
    if (fast !== null) return fast;
  }
  try {
    const { value: record, offset: end } = type.decode(value, offset, resolver);
    if (end !== value.length) throw new Error(end < 0 ? 'the bytes end inside the record' : `${value.length - end} bytes left after the record`);
    return record;
  } catch (err) {
    throw new SerdeError(`${kind}: Avro body does not decode at byte ${offset}: ${(err as Error).message}`, { cause: err });
  }
}
