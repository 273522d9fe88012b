/** Deterministic pseudo-random numbers in [0, 1) for tests (mulberry32): the same seed, the same run. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` damaged copies of the frames, in turn: each cut short by up to maxCut bytes, then 1 to
 * maxChanges bytes at or past `from` (the bytes under test) set to random values.
 */
export function* mutatedFrames(frames: Buffer[], options: { seed: number; count: number; from: number; maxCut: number; maxChanges: number }): Generator<Buffer> {
  const rand = seededRandom(options.seed);
  for (let i = 0; i < options.count; i++) {
    const base = frames[i % frames.length];
    const buf = Buffer.from(base.subarray(0, base.length - Math.floor(rand() * options.maxCut)));
    for (let m = 1 + Math.floor(rand() * options.maxChanges); m > 0; m--) buf[options.from + Math.floor(rand() * (buf.length - options.from))] = Math.floor(rand() * 256);
    yield buf;
  }
}
