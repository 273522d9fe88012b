/**
 * A partition's record of the incidents whose last alert went out before the intel verdict of
 * its entity was known (VirusTotal answers minutes later, at 4 lookups a minute), so that the
 * verdict can still revise them when it arrives after the attack stopped: SPEC D2.8, the seed's
 * first alert on a new address stayed CLEAN-tier forever; and so that it can raise a count that
 * fell short of the threshold it lowers (incidents.ts, Candidate). The lookup loop appends every
 * verdict that lowers a threshold to a log shared by all workers (intel/view.ts VERDICT_LOG);
 * each partition reads the log from its cursor, and this record says which of its state keys
 * hold incidents or candidates about an arrived entity. It is stored with the partition's applied offset and
 * committed with it, so a verdict revises an incident exactly once whichever worker owns it.
 *
 * Bounded: at most MAX_ENTITIES entities (the least recently noted go first), MAX_KEYS each,
 * and none noted longer ago than an incident can stay open (the blob would have dropped it).
 */
const MAX_ENTITIES = 10_000;
const MAX_KEYS = 64;

type Stored = { c: number; w: Array<[string, Array<[string, number]>]> };

export class AwaitingVerdicts {
  private constructor(
    /** The number of the last verdict-log entry this partition has read. */
    public cursor: number,
    /** entity -> state key -> event time (ms) it was last noted, least recently noted entity first. */
    private readonly byEntity: Map<string, Map<string, number>>,
  ) {}

  /**
   * The stored record, or a new one that starts at the log's head when there is none: the
   * verdicts before it were in the cache that this partition's steps read already.
   */
  static from(json: string | null, head: number): AwaitingVerdicts {
    if (json === null) return new AwaitingVerdicts(head, new Map());
    try {
      const stored = JSON.parse(json) as Stored;
      return new AwaitingVerdicts(stored.c, new Map(stored.w.map(([entity, keys]) => [entity, new Map(keys)])));
    } catch {
      // A damaged record loses the pending revisions, never the partition.
      return new AwaitingVerdicts(head, new Map());
    }
  }

  /** Notes that state key `key` holds an incident that awaits `entity`'s verdict, at event time t (ms). */
  note(entity: string, key: string, t: number, maxAgeMs: number): void {
    let keys = this.byEntity.get(entity);
    if (keys === undefined) keys = new Map();
    else this.byEntity.delete(entity);
    this.byEntity.set(entity, keys);
    keys.delete(key);
    keys.set(key, t);
    if (keys.size > MAX_KEYS) keys.delete(keys.keys().next().value as string);
    for (const [oldest, oldestKeys] of this.byEntity) {
      if (this.byEntity.size <= MAX_ENTITIES && newest(oldestKeys) >= t - maxAgeMs) break;
      this.byEntity.delete(oldest);
    }
  }

  /** The state keys noted for an entity (none if it awaits nothing here). */
  keysOf(entity: string): string[] {
    const keys = this.byEntity.get(entity);
    return keys === undefined ? [] : [...keys.keys()];
  }

  forget(entity: string): void {
    this.byEntity.delete(entity);
  }

  get entities(): number {
    return this.byEntity.size;
  }

  toJSON(): string {
    const stored: Stored = { c: this.cursor, w: [...this.byEntity].map(([entity, keys]) => [entity, [...keys]]) };
    return JSON.stringify(stored);
  }
}

function newest(keys: Map<string, number>): number {
  let t = -Infinity;
  for (const v of keys.values()) if (v > t) t = v;
  return t;
}
