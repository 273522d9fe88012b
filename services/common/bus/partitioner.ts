/**
 * The partition of a key: murmur2 as Kafka's Java client and kafkajs's DefaultPartitioner
 * compute it, so the memory adapter puts a key where Kafka would and tools agree on it.
 */
export function murmur2(data: Uint8Array, length = data.length): number {
  const seed = 0x9747b28c;
  const m = 0x5bd1e995;
  const r = 24;
  let h = seed ^ length;
  const length4 = length >> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = (data[i4] & 0xff) + ((data[i4 + 1] & 0xff) << 8) + ((data[i4 + 2] & 0xff) << 16) + ((data[i4 + 3] & 0xff) << 24);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  // The tail bytes, as the reference implementation's fall-through switch handles them.
  const tail = length & ~3;
  const rest = length % 4;
  if (rest >= 3) h ^= (data[tail + 2] & 0xff) << 16;
  if (rest >= 2) h ^= (data[tail + 1] & 0xff) << 8;
  if (rest >= 1) {
    h ^= data[tail] & 0xff;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

export function partitionForKey(key: string, partitionCount: number): number {
  return (murmur2OfKey(key) & 0x7fffffff) % partitionCount;
}

/** Where an ASCII key's bytes are written (its UTF-8 bytes are its char codes). */
const scratch = new Uint8Array(64);

/**
 * murmur2 over the key's UTF-8 bytes without a Buffer per key: the router computes a partition
 * for every source its cache does not hold, which under a spoofed flood is nearly every packet
 * (docs/performance.md, session 14).
 */
function murmur2OfKey(key: string): number {
  const n = key.length;
  if (n <= scratch.length) {
    let i = 0;
    for (; i < n; i++) {
      const c = key.charCodeAt(i);
      if (c > 0x7f) break;
      scratch[i] = c;
    }
    if (i === n) return murmur2(scratch, n);
  }
  return murmur2(Buffer.from(key));
}
