/**
 * Inflates the gzip record batches of a Kafka fetch side by side instead of one after another.
 *
 * Why: kafkajs decodes a fetch's record batches one at a time and awaits the codec for each, so
 * a detector worker's fetch of 2 MiB (about 70 batches of packet messages, 16 MB once inflated)
 * went through libuv's thread pool one batch at a time while the worker's JavaScript thread
 * waited for its next batch (docs/performance.md, session 16).
 *
 * How: kafkajs hands the codec each batch's compressed records as a view into the fetch
 * response, and the batches of a partition lie one after another in it. When a batch is asked
 * for that was not started ahead, the batches that follow it in the same buffer are read from
 * their headers (Kafka's record batch format, magic 2) and their inflation is started at once;
 * when kafkajs comes to one of them, it gets the inflation already under way. Bytes that do not
 * parse as a gzip record batch end the read-ahead: what kafkajs asks for is always inflated from
 * exactly the bytes it gives, started ahead or not.
 */
import { promisify } from 'node:util';
import zlib from 'node:zlib';

const unzip = promisify(zlib.unzip);

/** Record batch (magic 2): baseOffset int64, batchLength int32, then batchLength bytes. */
const BATCH_LENGTH_AT = 8;
const MAGIC_AT = 16;
const ATTRIBUTES_AT = 21;
const RECORD_COUNT_AT = 57;
/** Where the records start: the header's 61 bytes. */
const RECORDS_AT = 61;
const BATCH_LENGTH_BASE = 12;
const CODEC_MASK = 0x07;
const GZIP = 1;
/**
 * Compressed bytes started ahead of the batch kafkajs asks for, at most (a fetch is 2 MiB). All
 * of a partition's batches at once, not a few at a time: four under way at most consumed the
 * benchmark capture's topic in 0.31-0.34 s against 0.22-0.25 s, and the peak RSS was the same
 * (kafkajs keeps every inflated batch of a fetch until the worker has handled it anyway).
 */
const READ_AHEAD_BYTES = 4 << 20;

interface Started {
  length: number;
  inflated: Promise<Buffer>;
}

/** Inflations started ahead, by the byte offset of their records in the fetch response's memory. */
const startedAhead = new WeakMap<ArrayBufferLike, Map<number, Started>>();

/**
 * Batches inflated ahead, and of them those kafkajs then asked for: if kafkajs ever handed the
 * codec copies instead of views of the response, `used` would stay 0 (a test watches it).
 */
export const readAhead = { started: 0, used: 0 };

/** One batch's records, inflated (the codec's decompress). */
export function inflateRecords(records: Buffer): Promise<Buffer> {
  const ahead = startedAhead.get(records.buffer);
  const started = ahead?.get(records.byteOffset);
  if (ahead !== undefined && started !== undefined) {
    ahead.delete(records.byteOffset);
    if (started.length === records.length) {
      readAhead.used++;
      return started.inflated;
    }
  } else {
    startFollowing(records);
  }
  return inflate(records);
}

function inflate(records: Buffer): Promise<Buffer> {
  // One output chunk about the size of the result (packet batches inflate ~8:1): zlib's 16 KiB
  // chunks are each a round trip between the thread pool and the main thread.
  return unzip(records, { chunkSize: Math.min(4 << 20, Math.max(64 << 10, records.length * 8)) });
}

/** Starts inflating the gzip batches that follow `records` in its buffer. */
function startFollowing(records: Buffer): void {
  const memory = records.buffer;
  // A small response may lie in Node's Buffer pool (an 8 KiB slab shared with other small
  // Buffers, some allocated later): bytes after it are not the response's, nor yet written.
  if (memory.byteLength === Buffer.poolSize) return;
  const view = new DataView(memory);
  let at = records.byteOffset + records.length;
  const until = Math.min(memory.byteLength, at + READ_AHEAD_BYTES);
  let ahead = startedAhead.get(memory);
  while (at + RECORDS_AT <= until) {
    const end = at + BATCH_LENGTH_BASE + view.getInt32(at + BATCH_LENGTH_AT);
    if (end <= at + RECORDS_AT || end > memory.byteLength || view.getInt8(at + MAGIC_AT) !== 2) return;
    if ((view.getInt16(at + ATTRIBUTES_AT) & CODEC_MASK) !== GZIP) return;
    // kafkajs inflates nothing for a batch of no records.
    if (view.getInt32(at + RECORD_COUNT_AT) > 0) {
      const next = Buffer.from(memory, at + RECORDS_AT, end - at - RECORDS_AT);
      const inflated = inflate(next);
      // Bytes that only looked like a batch fail to inflate: nobody asks for them, nothing to report.
      inflated.catch(() => undefined);
      if (ahead === undefined) startedAhead.set(memory, (ahead = new Map()));
      ahead.set(next.byteOffset, { length: next.length, inflated });
      readAhead.started++;
    }
    at = end;
  }
}
