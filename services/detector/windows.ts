/**
 * Event-time sliding windows, bucketed: a window of W ms is kept as `buckets` buckets of W/buckets
 * ms, and slides with the latest event time its owner has seen (never the wall clock). Counts
 * are therefore exact up to one bucket (10 % of the window by default). Both kinds serialise
 * to compact JSON for the StateStore and are bounded.
 */

export interface WindowJson {
  /** bucket length ms */
  b: number;
  /** buckets per window */
  n: number;
  /** highest bucket index seen */
  m: number;
}

/** A sum over the window (packets, bytes, attempts). */
export class CountWindow {
  private idx: number[] = [];
  private cnt: number[] = [];
  private max = -Infinity;

  constructor(
    readonly bucketMs: number,
    readonly buckets: number,
  ) {}

  static of(windowMs: number, buckets = 10): CountWindow {
    return new CountWindow(Math.max(1, windowMs / buckets), buckets);
  }

  add(tsMs: number, amount = 1): void {
    const i = Math.floor(tsMs / this.bucketMs);
    if (i > this.max) {
      this.max = i;
      this.prune();
    } else if (i <= this.max - this.buckets) {
      return; // older than the window: already out of it
    }
    const at = this.idx.indexOf(i);
    if (at >= 0) this.cnt[at] += amount;
    else {
      this.idx.push(i);
      this.cnt.push(amount);
    }
  }

  /** Sum of the window ending at the latest event seen. */
  get total(): number {
    let sum = 0;
    for (let k = 0; k < this.cnt.length; k++) sum += this.cnt[k];
    return sum;
  }

  /** True when nothing remains in the window that ends at nowMs. */
  idle(nowMs: number): boolean {
    return Math.floor(nowMs / this.bucketMs) - this.buckets >= this.max;
  }

  private prune(): void {
    const floor = this.max - this.buckets;
    for (let k = this.idx.length - 1; k >= 0; k--) {
      if (this.idx[k] <= floor) {
        this.idx.splice(k, 1);
        this.cnt.splice(k, 1);
      }
    }
  }

  toJSON(): WindowJson & { c: number[][] } {
    return { b: this.bucketMs, n: this.buckets, m: this.max, c: this.idx.map((i, k) => [i, this.cnt[k]]) };
  }

  static from(json: WindowJson & { c: number[][] }): CountWindow {
    const w = new CountWindow(json.b, json.n);
    w.max = json.m ?? -Infinity;
    for (const [i, c] of json.c) {
      w.idx.push(i);
      w.cnt.push(c);
    }
    return w;
  }
}

/** Distinct values (ports, hosts, names) seen within the window; at most `cap` are kept. */
export class DistinctWindow<V extends string | number = string | number> {
  private readonly last = new Map<V, number>();
  private readonly byBucket = new Map<number, Set<V>>();
  private max = -Infinity;

  constructor(
    readonly bucketMs: number,
    readonly buckets: number,
    readonly cap: number,
  ) {}

  static of<V extends string | number>(windowMs: number, cap: number, buckets = 10): DistinctWindow<V> {
    return new DistinctWindow<V>(Math.max(1, windowMs / buckets), buckets, cap);
  }

  /** Adds a value; returns true when it was not in the window yet. */
  add(tsMs: number, value: V): boolean {
    const i = Math.floor(tsMs / this.bucketMs);
    if (i > this.max) {
      this.max = i;
      this.prune();
    } else if (i <= this.max - this.buckets) {
      return false;
    }
    const prev = this.last.get(value);
    if (prev !== undefined && prev >= i) return false;
    if (prev === undefined && this.last.size >= this.cap) return false;
    if (prev !== undefined) this.byBucket.get(prev)?.delete(value);
    let set = this.byBucket.get(i);
    if (!set) {
      set = new Set();
      this.byBucket.set(i, set);
    }
    set.add(value);
    this.last.set(value, i);
    return prev === undefined;
  }

  has(value: V): boolean {
    return this.last.has(value);
  }

  values(): IterableIterator<V> {
    return this.last.keys();
  }

  get size(): number {
    return this.last.size;
  }

  /** The first few values still in the window (insertion order), for evidence. */
  sample(count: number): V[] {
    const out: V[] = [];
    for (const v of this.last.keys()) {
      if (out.length >= count) break;
      out.push(v);
    }
    return out;
  }

  idle(nowMs: number): boolean {
    return Math.floor(nowMs / this.bucketMs) - this.buckets >= this.max;
  }

  private prune(): void {
    const floor = this.max - this.buckets;
    for (const [i, set] of this.byBucket) {
      if (i > floor) continue;
      for (const v of set) this.last.delete(v);
      this.byBucket.delete(i);
    }
  }

  toJSON(): WindowJson & { k: number; v: Array<[number, V[]]> } {
    return { b: this.bucketMs, n: this.buckets, m: this.max, k: this.cap, v: [...this.byBucket].map(([i, set]) => [i, [...set]]) };
  }

  static from<V extends string | number>(json: WindowJson & { k: number; v: Array<[number, V[]]> }): DistinctWindow<V> {
    const w = new DistinctWindow<V>(json.b, json.n, json.k);
    w.max = json.m ?? -Infinity;
    for (const [i, values] of json.v) {
      w.byBucket.set(i, new Set(values));
      for (const v of values) w.last.set(v, i);
    }
    return w;
  }
}

/**
 * A map with a bound: the least recently touched entries go first. Per-destination state
 * inside one source's state (beacons, exfiltration, floods) uses it so a busy host cannot grow
 * its state without limit.
 */
export class BoundedMap<V> extends Map<string, V> {
  /** The most recently touched key: touching it again needs no reordering (the common case). */
  private newest: string | undefined;

  constructor(readonly cap: number, entries?: Iterable<[string, V]>) {
    super(entries);
  }

  /**
   * The entry of key, made the most recently touched; created with create(arg) if absent. The
   * argument (rather than a closure over it) spares the detectors a closure per packet.
   */
  touch<A>(key: string, create: (arg: A) => V, arg?: A): V {
    if (key === this.newest) {
      const hit = super.get(key);
      if (hit !== undefined) return hit;
    }
    let value = super.get(key);
    if (value !== undefined) super.delete(key);
    else value = create(arg as A);
    super.set(key, value);
    this.newest = key;
    while (this.size > this.cap) super.delete(this.keys().next().value as string);
    return value;
  }

  /** Sets a value as the most recently touched entry. */
  put(key: string, value: V): void {
    super.delete(key);
    super.set(key, value);
    this.newest = key;
    while (this.size > this.cap) super.delete(this.keys().next().value as string);
  }

  override set(key: string, value: V): this {
    // A plain set of another key may append after the newest: forget it.
    if (key !== this.newest) this.newest = undefined;
    return super.set(key, value);
  }

  override delete(key: string): boolean {
    if (key === this.newest) this.newest = undefined;
    return super.delete(key);
  }

  override clear(): void {
    this.newest = undefined;
    super.clear();
  }

  toJSON(): Array<[string, V]> {
    return [...this.entries()];
  }
}
