/**
 * The gzip codec inflates the record batches of a fetch side by side (bus/gzip-read-ahead.ts):
 * kafkajs still gets every batch's records exactly as they were sent, through its own decoder,
 * batches after the first are started before kafkajs asks for them, and bytes that only look
 * like a batch change nothing.
 */
import { createRequire } from 'node:module';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import '../../../../services/common/bus/kafka-bus.ts';
import { inflateRecords, readAhead } from '../../../../services/common/bus/gzip-read-ahead.ts';

// kafkajs's own record batch encoder and fetch decoder (CommonJS internals; the same module
// instances as the package's, so the gzip codec kafka-bus.ts registers is the one they use).
const require = createRequire(import.meta.url);
const Encoder = require('kafkajs/src/protocol/encoder');
const Decoder = require('kafkajs/src/protocol/decoder');
const Record = require('kafkajs/src/protocol/recordBatch/record/v0');
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0');
const decodeMessages = require('kafkajs/src/protocol/requests/fetch/v4/decodeMessages');
const { Types } = require('kafkajs/src/protocol/message/compression');

interface Sent {
  key: string;
  value: Buffer;
}

/** `batches` gzip record batches one after another, as a partition's records in a fetch response (size first). */
async function fetchedRecords(batches: Sent[][], compression = Types.GZIP): Promise<Buffer> {
  const encoded: Buffer[] = [];
  let offset = 0;
  for (const sent of batches) {
    const records = sent.map((m, i) => Record({ offsetDelta: i, timestamp: 0, key: Buffer.from(m.key), value: m.value, headers: {} }));
    const batch = await RecordBatch({ compression, firstOffset: BigInt(offset), lastOffsetDelta: sent.length - 1, firstTimestamp: 0, maxTimestamp: 0, records });
    encoded.push(batch.buffer);
    offset += sent.length;
  }
  const body = Buffer.concat(encoded);
  return unpooled(new Encoder().writeInt32(body.length).writeBuffer(body).buffer);
}

/** b in memory of its own, as a fetch response is (small Buffers share Node's pool, where nothing is read ahead). */
function unpooled(b: Buffer): Buffer {
  const own = Buffer.allocUnsafeSlow(b.length);
  b.copy(own);
  return own;
}

/** Messages whose values compress like packet batches do: repetitive, but not all alike. */
function messages(batch: number, count: number): Sent[] {
  return Array.from({ length: count }, (_, i) => ({ key: `10.0.${batch}.${i}`, value: Buffer.from(`batch ${batch} message ${i} `.repeat(200 + i)) }));
}

describe('gzip record batches inflated side by side', () => {
  it('gives kafkajs every record as it was sent, inflating the batches after the first ahead of it', async () => {
    const batches = Array.from({ length: 6 }, (_, b) => messages(b, 3 + b));
    const response = await fetchedRecords(batches);
    const before = { ...readAhead };
    const records = (await decodeMessages(new Decoder(response))) as Array<{ key: Buffer; value: Buffer }>;
    expect(records.map((r) => r.key.toString())).toEqual(batches.flat().map((m) => m.key));
    expect(records.every((r, i) => r.value.equals(batches.flat()[i].value))).toBe(true);
    // Five batches follow the first: each started ahead, and each taken by kafkajs.
    expect(readAhead.started - before.started).toBe(5);
    expect(readAhead.used - before.used).toBe(5);
  });

  it('stops at bytes that are not a gzip record batch, and still inflates what it is asked for', async () => {
    const response = await fetchedRecords([messages(0, 2), messages(1, 2)]);
    // A partition header of the next partition after the batches: not a batch.
    const withTail = unpooled(Buffer.concat([response, Buffer.alloc(64, 0x07)]));
    const before = { ...readAhead };
    const records = (await decodeMessages(new Decoder(withTail.subarray(0, response.length)))) as Array<{ value: Buffer }>;
    expect(records).toHaveLength(4);
    expect(readAhead.started - before.started).toBe(1);

    // Uncompressed batches are not started ahead (kafkajs inflates nothing for them).
    const plain = await fetchedRecords([messages(2, 2), messages(3, 2)], Types.None);
    const beforePlain = { ...readAhead };
    expect((await decodeMessages(new Decoder(plain))) as unknown[]).toHaveLength(4);
    expect(readAhead.started - beforePlain.started).toBe(0);
  });

  it('reads bytes that only look like a batch without a word: they fail to inflate, and nobody asks for them', async () => {
    const first = zlib.gzipSync(Buffer.from('first batch'));
    // A header that parses (magic 2, gzip, one record) over bytes that are not gzip.
    const fake = Buffer.alloc(61 + 16, 0xab);
    fake.writeInt32BE(fake.length - 12, 8);
    fake.writeInt8(2, 16);
    fake.writeInt16BE(1, 21);
    fake.writeInt32BE(1, 57);
    const memory = unpooled(Buffer.concat([first, fake]));
    const before = { ...readAhead };
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      expect((await inflateRecords(memory.subarray(0, first.length))).toString()).toBe('first batch');
      expect(readAhead.started - before.started).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
      // Asked for after all, it is the inflation's own error.
      await expect(inflateRecords(memory.subarray(first.length + 61))).rejects.toThrow(/incorrect header check/);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it("reads nothing ahead in Node's Buffer pool, where the bytes after a small response belong to other Buffers", async () => {
    // A gzip member whose length is a multiple of 8, so that the pool places the next small
    // Buffer right after it; that next Buffer holds what parses as a gzip batch.
    let text = 'a';
    while (zlib.gzipSync(text).length % 8 !== 0) text += 'a';
    const member = zlib.gzipSync(text);
    const b = zlib.gzipSync(Buffer.from('b'));
    const header = Buffer.alloc(61);
    header.writeInt32BE(61 - 12 + b.length, 8);
    header.writeInt8(2, 16);
    header.writeInt16BE(1, 21);
    header.writeInt32BE(1, 57);
    const batch = Buffer.concat([header, b]);
    let first = Buffer.from(member);
    let next = Buffer.from(batch);
    // At the end of a slab the next Buffer starts a new one: once more, then it follows.
    if (next.buffer !== first.buffer) [first, next] = [Buffer.from(member), Buffer.from(batch)];
    expect(first.buffer.byteLength).toBe(Buffer.poolSize);
    expect([next.buffer === first.buffer, next.byteOffset]).toEqual([true, first.byteOffset + first.length]);
    const before = { ...readAhead };
    expect((await inflateRecords(first)).toString()).toBe(text);
    expect(readAhead.started - before.started).toBe(0);
  });

  it('inflates afresh what is asked for with another length than was started', async () => {
    const a = zlib.gzipSync(Buffer.from('a'.repeat(1000)));
    const b = zlib.gzipSync(Buffer.from('b'.repeat(1000)));
    const header = Buffer.alloc(61);
    header.writeInt32BE(61 - 12 + b.length, 8);
    header.writeInt8(2, 16);
    header.writeInt16BE(1, 21);
    header.writeInt32BE(1, 57);
    // A second gzip member after b: gunzip reads both when asked for both.
    const memory = unpooled(Buffer.concat([a, header, b, zlib.gzipSync(Buffer.from('c'))]));
    await inflateRecords(memory.subarray(0, a.length));
    const before = { ...readAhead };
    // The same start, but longer: not what was started.
    await expect(inflateRecords(memory.subarray(a.length + 61, memory.length))).resolves.toEqual(Buffer.from('b'.repeat(1000) + 'c'));
    expect(readAhead.used - before.used).toBe(0);
  });
});
