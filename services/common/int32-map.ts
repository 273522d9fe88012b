/**
 * A map from int32 to int32 in typed arrays of a fixed capacity: open addressing, linear
 * probing, and deletion by shifting the entries after the hole back (no tombstones, so a table
 * that sees millions of inserts and deletes never needs rebuilding). A JavaScript Map of the
 * same entries rehashes into a new table as entries come and go, and every table it drops
 * survives a scavenge first; this one allocates nothing after its constructor. Used where a
 * hot path keeps a bounded set of numeric keys: the handshakes VictimCopies awaits.
 */
export class Int32Map {
  private readonly keys: Int32Array;
  private readonly values: Int32Array;
  /** 1 where a slot holds an entry (every int32 is a valid key, so none can mark an empty slot). */
  private readonly used: Uint8Array;
  private readonly mask: number;
  private readonly shift: number;
  private count = 0;

  /** Holds up to maxEntries (the table is twice that, rounded up to a power of two). */
  constructor(readonly maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1 || maxEntries > 1 << 29) throw new RangeError(`maxEntries must be an integer from 1 to 2^29, not ${maxEntries}`);
    let bits = 1;
    while (1 << bits < 2 * maxEntries) bits++;
    this.keys = new Int32Array(1 << bits);
    this.values = new Int32Array(1 << bits);
    this.used = new Uint8Array(1 << bits);
    this.mask = (1 << bits) - 1;
    this.shift = 32 - bits;
  }

  get size(): number {
    return this.count;
  }

  get(key: number): number | undefined {
    const at = this.find(key);
    return at < 0 ? undefined : this.values[at];
  }

  has(key: number): boolean {
    return this.find(key) >= 0;
  }

  /** Sets key's value; throws when a new key would pass maxEntries (the caller bounds its keys). */
  set(key: number, value: number): void {
    let at = this.home(key);
    while (this.used[at] === 1) {
      if (this.keys[at] === key) {
        this.values[at] = value;
        return;
      }
      at = (at + 1) & this.mask;
    }
    if (this.count >= this.maxEntries) throw new RangeError(`Int32Map full: ${this.maxEntries} entries`);
    this.used[at] = 1;
    this.keys[at] = key;
    this.values[at] = value;
    this.count++;
  }

  /** Deletes key; returns whether it was there. */
  delete(key: number): boolean {
    let hole = this.find(key);
    if (hole < 0) return false;
    this.count--;
    // Shift back each later entry of the run that may no longer be reached past the hole.
    let at = (hole + 1) & this.mask;
    while (this.used[at] === 1) {
      const home = this.home(this.keys[at]);
      // The entry stays unless its home lies cyclically in (hole, at]: then the hole is on its path.
      const stays = hole <= at ? hole < home && home <= at : hole < home || home <= at;
      if (!stays) {
        this.keys[hole] = this.keys[at];
        this.values[hole] = this.values[at];
        hole = at;
      }
      at = (at + 1) & this.mask;
    }
    this.used[hole] = 0;
    return true;
  }

  clear(): void {
    this.used.fill(0);
    this.count = 0;
  }

  private home(key: number): number {
    return Math.imul(key, 0x9e3779b1) >>> this.shift;
  }

  private find(key: number): number {
    let at = this.home(key);
    while (this.used[at] === 1) {
      if (this.keys[at] === key) return at;
      at = (at + 1) & this.mask;
    }
    return -1;
  }
}
