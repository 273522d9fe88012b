/**
 * Event-time sliding windows, bucketed: a window of W ms is kept as `buckets` buckets of W/buckets
 * ms, and slides with the latest event time its owner has seen (never the wall clock). Counts
 * are therefore exact up to one bucket (10 % of the window by default). Both kinds serialise
 * to flat JSON arrays for the StateStore (a worker writes every state a step touched: arrays of
 * numbers are what JSON.stringify writes fastest and Redis stores smallest) and are bounded.
 * Both still read the object form of earlier versions, so state written before an upgrade is
 * not lost.
 */

/** The object form earlier versions wrote: bucket ms, buckets, highest bucket index. */
interface WindowObjectJson {
  b: number;
  n: number;
  m: number | null;
}

/** The highest bucket index as JSON writes it (-Infinity, a window never added to, is null). */
const maxOf = (m: number | null | undefined): number => (typeof m === 'number' ? m : -Infinity);

/**
 * A sum over the window (packets, bytes, attempts): a ring of `buckets` counts indexed by
 * bucket number modulo buckets, and their running sum, so adding and reading the total cost
 * the same whatever the window holds. The ring is allocated only once two buckets hold counts:
 * until then the sum is all in bucket `max` (many windows are never used, or see one burst).
 */
export class CountWindow {
  private ring: number[] | null = null;
  private sum = 0;
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
    const n = this.buckets;
    let ring = this.ring;
    if (ring === null) {
      if (i === this.max) {
        this.sum += amount;
        return;
      }
      if (i - this.max >= n) {
        // The first add (max is -Infinity), or everything before is out of the window.
        this.max = i;
        this.sum = amount;
        return;
      }
      if (i <= this.max - n) return;
      ring = this.ring = this.spread();
    }
    if (i > this.max) {
      // The slots of buckets max+1..i held buckets that are now out of the window.
      if (i - this.max >= n) {
        ring.fill(0);
        this.sum = 0;
      } else {
        for (let j = this.max + 1; j <= i; j++) {
          const slot = slotOf(j, n);
          this.sum -= ring[slot];
          ring[slot] = 0;
        }
      }
      this.max = i;
    } else if (i <= this.max - n) {
      return; // older than the window: already out of it
    }
    ring[slotOf(i, n)] += amount;
    this.sum += amount;
  }

  /** Sum of the window ending at the latest event seen. */
  get total(): number {
    return this.sum;
  }

  /** True when nothing remains in the window that ends at nowMs. */
  idle(nowMs: number): boolean {
    return Math.floor(nowMs / this.bucketMs) - this.buckets >= this.max;
  }

  /** [bucket ms, buckets, highest bucket, then (highest - bucket, count) for each non-empty bucket]. */
  toJSON(): Array<number | null> {
    const out: Array<number | null> = [this.bucketMs, this.buckets, this.max === -Infinity ? null : this.max];
    const ring = this.ring;
    if (ring === null) {
      if (this.sum !== 0) out.push(0, this.sum);
    } else {
      for (let age = this.buckets - 1; age >= 0; age--) {
        const count = ring[slotOf(this.max - age, this.buckets)];
        if (count !== 0) out.push(age, count);
      }
    }
    return out;
  }

  static from(json: Array<number | null> | (WindowObjectJson & { c: number[][] })): CountWindow {
    if (!Array.isArray(json)) {
      const w = new CountWindow(json.b, json.n);
      w.max = maxOf(json.m);
      for (const [i, c] of json.c) w.restore(i, c);
      return w;
    }
    const w = new CountWindow(json[0] as number, json[1] as number);
    w.max = maxOf(json[2]);
    for (let k = 3; k + 1 < json.length; k += 2) w.restore(w.max - (json[k] as number), json[k + 1] as number);
    return w;
  }

  private restore(i: number, count: number): void {
    if (i <= this.max - this.buckets || i > this.max) return;
    if (this.ring === null) {
      if (i === this.max) {
        this.sum += count;
        return;
      }
      this.ring = this.spread();
    }
    this.ring[slotOf(i, this.buckets)] += count;
    this.sum += count;
  }

  /** The ring for a second bucket: the sum so far is all in bucket max. */
  private spread(): number[] {
    const ring = new Array<number>(this.buckets).fill(0);
    if (this.max !== -Infinity) ring[slotOf(this.max, this.buckets)] = this.sum;
    return ring;
  }
}

/** The ring slot of bucket index i (indexes are never negative for real timestamps, but may be). */
const slotOf = (i: number, n: number): number => {
  // One division, not two: this runs for every count a window adds.
  const r = i % n;
  return r < 0 ? r + n : r;
};

/** Up to this many values a DistinctWindow finds a value by scanning; beyond, through a Map. */
const SCAN_MAX = 16;

/**
 * Distinct values (ports, hosts, names) seen within the window; at most `cap` are kept. Values
 * and the bucket each was last seen in are two parallel arrays in first-seen order (the order
 * sample() reports, the same live and revived), found by a scan while few and through an index
 * Map past SCAN_MAX: most windows hold a handful of values and cost two small arrays.
 */
export class DistinctWindow<V extends string | number = string | number> {
  private vals: V[] = [];
  private bkt: number[] = [];
  /** value -> its position in vals, once there are more than SCAN_MAX values. */
  private index: Map<V, number> | null = null;
  /** 1 for each value mark() was called for, parallel to vals; null until the first mark. */
  private marks: number[] | null = null;
  private markedCount = 0;
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
      const floor = i - this.buckets;
      this.max = i;
      this.prune(floor);
    } else if (i <= this.max - this.buckets) {
      return false;
    }
    const at = this.positionOf(value);
    if (at >= 0) {
      if (this.bkt[at] < i) this.bkt[at] = i;
      return false;
    }
    if (this.vals.length >= this.cap) return false;
    if (this.vals.length === 0) {
      // Exactly sized: a first push would reserve 16 slots, and most windows keep one value.
      this.vals = [value];
      this.bkt = [i];
      if (this.marks !== null) this.marks = [0];
      return true;
    }
    this.vals.push(value);
    this.bkt.push(i);
    this.marks?.push(0);
    if (this.index !== null) this.index.set(value, this.vals.length - 1);
    else if (this.vals.length > SCAN_MAX) this.reindex();
    return true;
  }

  has(value: V): boolean {
    return this.positionOf(value) >= 0;
  }

  /**
   * Marks a value that is in the window at tsMs (a SYN source that then completed a handshake);
   * the window does not slide. Returns true when the value was in it and not marked yet. A mark
   * leaves with its value.
   */
  mark(tsMs: number, value: V): boolean {
    // Every value marked (a client's few ports after its first ACK): nothing to look up.
    if (this.markedCount === this.vals.length) return false;
    const at = this.positionOf(value);
    if (at < 0 || this.bkt[at] <= Math.floor(tsMs / this.bucketMs) - this.buckets) return false;
    const marks = (this.marks ??= new Array<number>(this.vals.length).fill(0));
    if (marks[at] === 1) return false;
    marks[at] = 1;
    this.markedCount++;
    return true;
  }

  /** How many of the values are marked. */
  get marked(): number {
    return this.markedCount;
  }

  values(): IterableIterator<V> {
    return this.vals.values();
  }

  get size(): number {
    return this.vals.length;
  }

  /** The first few values still in the window (first seen first), for evidence. */
  sample(count: number): V[] {
    return this.vals.slice(0, count);
  }

  idle(nowMs: number): boolean {
    return Math.floor(nowMs / this.bucketMs) - this.buckets >= this.max;
  }

  private positionOf(value: V): number {
    if (this.index !== null) return this.index.get(value) ?? -1;
    const vals = this.vals;
    for (let k = 0; k < vals.length; k++) if (vals[k] === value) return k;
    return -1;
  }

  /** Drops the values last seen in a bucket at or below floor, keeping the others' order. */
  private prune(floor: number): void {
    const vals = this.vals;
    const bkt = this.bkt;
    const marks = this.marks;
    // Kept up to date in place: a new Map at every slide of a window over 16 values (a flood's
    // 200 sources) was about 8 MB of what survived scavenges per million packets in analyze.
    const index = this.index;
    let kept = 0;
    for (let k = 0; k < vals.length; k++) {
      if (bkt[k] <= floor) {
        if (marks !== null && marks[k] === 1) this.markedCount--;
        if (index !== null) index.delete(vals[k]);
        continue;
      }
      if (kept !== k) {
        vals[kept] = vals[k];
        bkt[kept] = bkt[k];
        if (marks !== null) marks[kept] = marks[k];
        if (index !== null) index.set(vals[kept], kept);
      }
      kept++;
    }
    if (kept === vals.length) return;
    vals.length = kept;
    bkt.length = kept;
    if (marks !== null) marks.length = kept;
    if (index !== null && kept <= SCAN_MAX) this.index = null;
  }

  private reindex(): void {
    const index = new Map<V, number>();
    for (let k = 0; k < this.vals.length; k++) index.set(this.vals[k], k);
    this.index = index;
  }

  /**
   * [bucket ms, buckets, highest bucket, cap, the values in first-seen order, then for each
   * value how many buckets before the highest it was last seen, and, once any value is marked,
   * the positions of the marked values].
   */
  toJSON(): [number, number, number | null, number, V[], number[]] | [number, number, number | null, number, V[], number[], number[]] {
    const ages = new Array<number>(this.bkt.length);
    for (let k = 0; k < ages.length; k++) ages[k] = this.max - this.bkt[k];
    const head: [number, number, number | null, number, V[], number[]] = [this.bucketMs, this.buckets, this.max === -Infinity ? null : this.max, this.cap, this.vals, ages];
    if (this.markedCount === 0) return head;
    const marked: number[] = [];
    for (let k = 0; k < this.marks!.length; k++) if (this.marks![k] === 1) marked.push(k);
    return [...head, marked];
  }

  /** Reads toJSON()'s form, and the per-bucket object form ({v: [[bucket, values]]}) of earlier versions. */
  static from<V extends string | number>(json: [number, number, number | null, number, V[], number[], number[]?] | (WindowObjectJson & { k: number; v: Array<[number, V[]]> })): DistinctWindow<V> {
    let w: DistinctWindow<V>;
    if (Array.isArray(json)) {
      const [bucketMs, buckets, max, cap, values, ages, marked] = json;
      w = new DistinctWindow<V>(bucketMs, buckets, cap);
      w.max = maxOf(max);
      w.vals = values.slice();
      w.bkt = ages.map((age) => w.max - age);
      if (marked !== undefined && marked.length > 0) {
        w.marks = new Array<number>(w.vals.length).fill(0);
        for (const k of marked) {
          if (k < 0 || k >= w.vals.length || w.marks[k] === 1) continue;
          w.marks[k] = 1;
          w.markedCount++;
        }
      }
    } else {
      w = new DistinctWindow<V>(json.b, json.n, json.k);
      w.max = maxOf(json.m);
      for (const [i, values] of json.v) {
        for (const v of values) {
          w.vals.push(v);
          w.bkt.push(i);
        }
      }
    }
    if (w.vals.length > SCAN_MAX) w.reindex();
    return w;
  }
}

/** A window's own idle(), as BoundedMap.deleteIdle takes it (one function, not a closure per call). */
export const windowIdle = (w: { idle(nowMs: number): boolean }, nowMs: number): boolean => w.idle(nowMs);

/**
 * A map with a bound: the least recently touched entries go first. Per-destination state
 * inside one source's state (beacons, exfiltration, floods) uses it so a busy host cannot grow
 * its state without limit. Insertion-ordered like a Map (the first key is the least recently
 * touched), and a Map underneath, but only from its second entry on: most sources talk to one
 * destination (every source of a spoofed flood), and an entry held in two fields costs a
 * third of an empty Map.
 */
export class BoundedMap<V> implements Iterable<[string, V]> {
  /** The only entry, while map is null. */
  private k0: string | undefined = undefined;
  private v0: V | undefined = undefined;
  private map: Map<string, V> | null = null;
  /** The most recently touched key: touching it again needs no reordering (the common case). */
  private newest: string | undefined;

  constructor(
    readonly cap: number,
    entries?: Iterable<[string, V]>,
  ) {
    if (entries !== undefined) for (const [k, v] of entries) this.set(k, v);
  }

  get size(): number {
    if (this.map !== null) return this.map.size;
    return this.k0 === undefined ? 0 : 1;
  }

  get(key: string): V | undefined {
    if (this.map !== null) return this.map.get(key);
    return key === this.k0 ? this.v0 : undefined;
  }

  has(key: string): boolean {
    if (this.map !== null) return this.map.has(key);
    return key === this.k0;
  }

  /**
   * The entry of key, made the most recently touched; created with create(arg) if absent. The
   * argument (rather than a closure over it) spares the detectors a closure per packet.
   */
  touch<A>(key: string, create: (arg: A) => V, arg?: A): V {
    if (this.map === null) {
      if (key === this.k0) {
        this.newest = key;
        return this.v0 as V;
      }
      if (this.k0 === undefined) {
        const value = create(arg as A);
        this.k0 = key;
        this.v0 = value;
        this.newest = key;
        return value;
      }
    } else if (key === this.newest) {
      const hit = this.map.get(key);
      if (hit !== undefined) return hit;
    }
    let value = this.get(key);
    if (value !== undefined) this.remove(key);
    else value = create(arg as A);
    this.append(key, value);
    return value;
  }

  /** Sets a value as the most recently touched entry. */
  put(key: string, value: V): void {
    this.remove(key);
    this.append(key, value);
  }

  /** Map.set: a new key goes last, an existing one keeps its place. */
  set(key: string, value: V): this {
    // A plain set of another key may append after the newest: forget it.
    if (key !== this.newest) this.newest = undefined;
    if (this.map !== null) this.map.set(key, value);
    else if (this.k0 === undefined || this.k0 === key) {
      this.k0 = key;
      this.v0 = value;
    } else this.grow().set(key, value);
    return this;
  }

  delete(key: string): boolean {
    if (key === this.newest) this.newest = undefined;
    return this.remove(key);
  }

  /**
   * Deletes every entry whose value isIdle at nowMs; true when none is left (a detector's
   * idle()). Walks the Map with forEach: a for...of over its entries made an array per entry,
   * and the engine asks every state a batch stepped (analyze: 50 MB of them a million packets).
   */
  deleteIdle(isIdle: (value: V, nowMs: number) => boolean, nowMs: number): boolean {
    const map = this.map;
    if (map === null) {
      if (this.k0 !== undefined && isIdle(this.v0 as V, nowMs)) this.delete(this.k0);
      return this.k0 === undefined;
    }
    map.forEach((value, key) => {
      if (isIdle(value, nowMs)) this.delete(key);
    });
    return map.size === 0;
  }

  clear(): void {
    this.newest = undefined;
    this.k0 = undefined;
    this.v0 = undefined;
    this.map = null;
  }

  // The Map's own iterators, or one over a copy of the single entry (no generators: idle() and
  // toJSON() walk every state a batch touched). Deleting while iterating is safe in both.
  entries(): IterableIterator<[string, V]> {
    if (this.map !== null) return this.map.entries();
    return (this.k0 === undefined ? [] : [[this.k0, this.v0 as V] as [string, V]]).values();
  }

  keys(): IterableIterator<string> {
    if (this.map !== null) return this.map.keys();
    return (this.k0 === undefined ? [] : [this.k0]).values();
  }

  values(): IterableIterator<V> {
    if (this.map !== null) return this.map.values();
    return (this.k0 === undefined ? [] : [this.v0 as V]).values();
  }

  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.entries();
  }

  toJSON(): Array<[string, V]> {
    if (this.map !== null) return [...this.map];
    return this.k0 === undefined ? [] : [[this.k0, this.v0 as V]];
  }

  /** Appends key as the most recently touched entry and drops the oldest beyond the cap. */
  private append(key: string, value: V): void {
    this.newest = key;
    if (this.map === null && this.k0 === undefined) {
      this.k0 = key;
      this.v0 = value;
      return;
    }
    const map = this.map ?? this.grow();
    map.set(key, value);
    while (map.size > this.cap) map.delete(map.keys().next().value as string);
  }

  private remove(key: string): boolean {
    if (this.map !== null) return this.map.delete(key);
    if (key !== this.k0) return false;
    this.k0 = undefined;
    this.v0 = undefined;
    return true;
  }

  /** Moves the single entry into a Map (the second key is coming). */
  private grow(): Map<string, V> {
    const map = new Map<string, V>();
    if (this.k0 !== undefined) map.set(this.k0, this.v0 as V);
    this.k0 = undefined;
    this.v0 = undefined;
    this.map = map;
    return map;
  }
}
