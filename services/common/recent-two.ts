/**
 * The last two keys looked up and their values, in front of a Map or a computation that a hot
 * path asks again and again for the same key. Two, not one: a flow's packets alternate between
 * its two ends (client to server, server to client), so a memo of one key misses every other
 * packet, and two string comparisons of the same objects cost less than hashing the key again
 * (docs/performance.md, session 14).
 */
export class RecentTwo<V> {
  private newestKey: string | undefined = undefined;
  private newestValue: V | undefined = undefined;
  private olderKey: string | undefined = undefined;
  private olderValue: V | undefined = undefined;

  /** The value remembered for key, or undefined when key is not one of the last two. */
  get(key: string): V | undefined {
    if (key === this.newestKey) return this.newestValue;
    if (key === this.olderKey) return this.olderValue;
    return undefined;
  }

  /** Remembers key's value as the newest; the older of the two is forgotten. */
  remember(key: string, value: V): void {
    this.olderKey = this.newestKey;
    this.olderValue = this.newestValue;
    this.newestKey = key;
    this.newestValue = value;
  }

  /** Forgets both (the values they name have changed). */
  clear(): void {
    this.newestKey = this.olderKey = undefined;
    this.newestValue = this.olderValue = undefined;
  }
}
