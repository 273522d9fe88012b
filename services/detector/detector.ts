/**
 * The shape every detector has (one file each under detectors/): a pure, synchronous function
 * of (packet metadata, its own window state, configuration, intel verdict). No I/O, no clock:
 * time is the packet's timestamp. The engine (engine/engine.ts) loads the state a batch needs
 * from the StateStore, calls step() for every packet in partition order, turns findings into
 * incidents (engine/incidents.ts) and stores the state back, so adding a detector is writing
 * one of these objects and listing it in detectors/index.ts.
 */
import type { Category, Evidence, IntelVerdict, DetectorPacket, Severity } from '../common/model.ts';
import type { DetectorConfig } from '../common/config/sections/detector.ts';
import type { CidrSet } from './net.ts';
import { adjustSeverity, adjustThreshold } from './intel/tiers.ts';
import { flat } from '../common/flat-string.ts';
import { RecentTwo } from '../common/recent-two.ts';

export interface DetectorContext {
  readonly config: DetectorConfig;
  readonly internal: CidrSet;
  readonly torRelays: CidrSet;
  /** The verdict known for an IP or domain when the batch started (UNKNOWN if none). */
  verdict(entity: string): IntelVerdict;
  /** Asks for a lookup of an entity, with a priority (1 = at the threshold). */
  wantIntel(entity: string, priority: number): void;
  /**
   * Whether a finding of this family and key (Finding.family, Finding.key) for the packet being
   * stepped only adds to that incident while it cools down (open, not made worse by category
   * or severity, cooldown not over): then it is counted there (count, last seen) and the
   * detector returns null instead of building the finding. Nearly every finding of a flood or
   * scan is one of these; the engine's result is the same as for the built finding.
   */
  absorbed(family: string, key: string, category: Category, severity: Severity): boolean;
}

/** What a detector reports when its condition holds for a packet. */
export interface Finding {
  category: Category;
  /**
   * Findings of one family about one key are one incident. Usually the category; port_scan
   * and syn_flood share 'probe' so that a scan that turns out to be a flood is one incident
   * whose category is refined, not two.
   */
  family: string;
  /** The entities of the incident (part of its id). */
  key: string;
  severity: Severity;
  title: string;
  src: string;
  dst: string | null;
  srcPort: number | null;
  dstPort: number | null;
  protocol: number | null;
  /** Whether the incident is about one flow (then the alert carries its Community ID). */
  flow: boolean;
  evidence: Evidence;
  intel: IntelVerdict;
  /**
   * Set for a count below its threshold that a verdict not known yet could still bring over it
   * (judge()): the engine keeps the finding as its key's candidate and raises it if that verdict
   * arrives (engine/incidents.ts, candidates). Absent or null: an alert now.
   */
  shortfall?: Shortfall | null;
}

/** A count short of its threshold, as judge() saw it before its entity's verdict was known. */
export interface Shortfall {
  count: number;
  /** The threshold before intel (the detector's configured one). */
  base: number;
  /** The severity before intel. */
  severity: Severity;
}

/**
 * One detector: a plain object whose functions never use `this` (the engine calls keyOf,
 * presentKeyOf and step unbound, from arrays it makes once).
 */
export interface Detector<S = unknown> {
  /** File name under detectors/ (Alert.detector). */
  readonly name: string;
  enabled(config: DetectorConfig): boolean;
  /** Entity whose state this packet updates ('src:<ip>', 'v:<ip>', 'arp'), or null to skip it. */
  keyOf(p: DetectorPacket, ctx: DetectorContext): string | null;
  /**
   * For a packet keyOf skips: an entity whose state the packet updates only if this detector
   * already holds state for it (stored or live), never creating any. For evidence that matters
   * only about entities something else made interesting (a completed handshake only about a
   * victim of SYNs): the engine then keeps no state, and a worker writes nothing, for the many
   * packets that concern no such entity. Such a packet does not move the key's event time, and
   * one older than detector.allowedLatenessSeconds behind it is not stepped (never starts it
   * over), so the result stays independent of how the stream is cut into batches. Absent: none.
   */
  presentKeyOf?(p: DetectorPacket, ctx: DetectorContext): string | null;
  /**
   * True for a detector that judges victims: it is given only the victim copies of packets
   * (Packet.victimCopy: SYNs, echo requests and handshake completions, which the sensor also
   * sends to the partition of their destination), and every other detector only the packets
   * themselves. Such a detector asks for the verdict of a copy's destination only (the engine
   * loads no other for copies). Absent: false.
   */
  readonly readsVictimCopies?: boolean;
  create(ctx: DetectorContext): S;
  revive(json: unknown, ctx: DetectorContext): S;
  step(state: S, p: DetectorPacket, ctx: DetectorContext): Finding | null;
  /** True when nothing of the state is left in any window at event time nowMs (it is deleted). */
  idle(state: S, nowMs: number): boolean;
  /**
   * True only if step(create(ctx), p, ctx) returns null and calls nothing on ctx: a first
   * packet this detector cannot report on. When every detector a new key's first packet is
   * keyed to says so, the engine keeps the packet instead of creating their states, and steps
   * it when the key's second packet comes (engine/first-packet.ts). Absent: never.
   */
  quietFirst?(p: DetectorPacket, config: DetectorConfig): boolean;
}

/**
 * Addresses an AddressKeys remembers at most. Small enough for its table to stay in the
 * processor's caches: a spoofed flood's new addresses each miss it anyway, and a lookup in a
 * table of 200,000 cost more than making a name again (analyze −7 %, docs/performance.md,
 * session 14).
 */
export const ADDRESS_KEYS_MAX = 32_768;

/**
 * '<prefix><address>' state keys, one string per address: a detector keys most packets by an
 * address, and the engine then hashes and compares the same string instead of a new one per
 * detector call. Bounded: forgets everything past ADDRESS_KEYS_MAX addresses.
 */
export class AddressKeys {
  private readonly keys = new Map<string, string>();
  /**
   * The last two addresses named and their names: the detectors ask for one packet's source
   * key one after another (seven of them key by source), a flow's packets alternate between
   * its two ends, and comparing the same string objects is cheaper than hashing one again.
   */
  private readonly recent = new RecentTwo<string>();

  constructor(private readonly prefix: string) {}

  of(address: string): string {
    let k = this.recent.get(address);
    if (k !== undefined) return k;
    k = this.keys.get(address);
    if (k === undefined) {
      if (this.keys.size >= ADDRESS_KEYS_MAX) this.keys.clear();
      k = flat(this.prefix + address);
      this.keys.set(address, k);
    }
    this.recent.remember(address, k);
    return k;
  }

  /** Addresses named now (at most ADDRESS_KEYS_MAX). */
  get size(): number {
    return this.keys.size;
  }
}

const srcKeys = new AddressKeys('src:');

/** 'src:<ip>': the key of most detectors' state. */
export const srcKey = (p: DetectorPacket): string | null => (p.src ? srcKeys.of(p.src) : null);

/**
 * `${a}${separator}${b}` strings, one per pair: a detector that names a pair for every packet
 * (victim and service, source and destination) looks the name up instead of building a new
 * string that must be hashed again. Bounded: forgets everything past maxPairs.
 */
export class PairNames {
  private readonly byFirst = new Map<string, Map<string | number, string>>();
  private count = 0;
  /**
   * The last two pairs named and their names: a detector names the same pair for one packet
   * more than once (host sweep: in keyOf and in step), and for a flow's or a flood's packets
   * one after another, whose two ends alternate; comparing values is cheaper than two Map
   * lookups.
   */
  private lastA: string | undefined = undefined;
  private lastB: string | number | undefined = undefined;
  private lastName = '';
  private olderA: string | undefined = undefined;
  private olderB: string | number | undefined = undefined;
  private olderName = '';

  constructor(
    private readonly separator: string,
    private readonly maxPairs = 200_000,
  ) {}

  of(a: string, b: string | number): string {
    if (a === this.lastA && b === this.lastB) return this.lastName;
    if (a === this.olderA && b === this.olderB) return this.olderName;
    const name = this.lookUp(a, b);
    this.olderA = this.lastA;
    this.olderB = this.lastB;
    this.olderName = this.lastName;
    this.lastA = a;
    this.lastB = b;
    this.lastName = name;
    return name;
  }

  private lookUp(a: string, b: string | number): string {
    let second = this.byFirst.get(a);
    if (second === undefined) {
      if (this.count >= this.maxPairs) {
        this.byFirst.clear();
        this.count = 0;
      }
      second = new Map();
      this.byFirst.set(a, second);
    }
    let name = second.get(b);
    if (name === undefined) {
      name = flat(`${a}${this.separator}${b}`);
      second.set(b, name);
      this.count++;
    }
    return name;
  }
}

/**
 * '<prefix><port>' names ('tcp/443'), one string per port in an array indexed by the port: a
 * probe's service is named for every SYN, and a scan asks for a new port every packet, where a
 * PairNames lookup missed its memo and paid two Map lookups (docs/performance.md, session 14).
 */
export class PortNames {
  /** Filled up front: set index by index from empty, V8 would turn the array into a dictionary. */
  private readonly names = new Array<string | undefined>(65_536).fill(undefined);

  constructor(private readonly prefix: string) {}

  of(port: number): string {
    if (!(port >= 0 && port <= 65_535) || !Number.isInteger(port)) return this.prefix + port;
    return (this.names[port] ??= flat(this.prefix + port));
  }
}

/**
 * A value per port, in a table indexed by the port: a detector asks about a packet's ports for
 * every packet, and an object or Set keyed by a few scattered ports answered through a hash
 * table (V8 keeps an object with keys 22 and 5986 as a dictionary).
 */
export class PortTable<V> {
  /**
   * Each port's value as its index in `values` (0: none): 64 KB, where an array of 65,536
   * values took 512 KB, and a port is random enough to miss the processor's caches there.
   */
  private readonly codes = new Uint8Array(65_536);
  private readonly values: Array<V | undefined> = [undefined];

  constructor(entries: Iterable<readonly [number, V]>) {
    for (const [port, value] of entries) {
      if (!Number.isInteger(port) || port < 0 || port > 65_535) continue;
      let code = this.values.indexOf(value, 1);
      if (code < 0) {
        if (this.values.length > 255) throw new RangeError('a PortTable holds at most 255 distinct values');
        code = this.values.push(value) - 1;
      }
      this.codes[port] = code;
    }
  }

  /** A table of an object literal keyed by port ({ 22: 'ssh', 3389: 'rdp' }). */
  static byPort<V>(record: Readonly<Record<number, V>>): PortTable<V> {
    return new PortTable<V>(Object.entries(record).map(([port, value]) => [Number(port), value] as const));
  }

  /** A table of the ports of a list, each mapped to true. */
  static of(ports: Iterable<number>): PortTable<true> {
    return new PortTable<true>([...ports].map((port) => [port, true] as const));
  }

  /** The value of port; undefined for a port without one and for a value that is no port (-1: none). */
  get(port: number): V | undefined {
    return port >= 0 && port <= 65_535 ? this.values[this.codes[port]] : undefined;
  }

  has(port: number): boolean {
    // > 0, not !== 0: a port that is no integer reads undefined.
    return port >= 0 && port <= 65_535 && this.codes[port] > 0;
  }
}

/**
 * The PortTable of a configured port list, made again only when the list changes (the
 * configuration a detector reads can change between runs in one process: tests, `analyze`).
 */
export class ConfiguredPorts {
  private list: readonly number[] | null = null;
  private table: PortTable<true> = PortTable.of([]);

  of(list: readonly number[]): PortTable<true> {
    if (list !== this.list) {
      this.list = list;
      this.table = PortTable.of(list);
    }
    return this.table;
  }
}

/** '<a>><b>' names (a source and its destination, or its destination port). */
export const directedPairs = new PairNames('>');

/** The lowest threshold any verdict can make of base (the CRITICAL tier's ×0.10). */
const lowestThreshold = (base: number): number => adjustThreshold(base, 'CRITICAL');

/**
 * True when count is below the threshold under every possible verdict, and so far below the
 * unadjusted one that no lookup is asked for either (count < base / 10 < base / 2): judge()
 * could only say no. Count detectors ask this first, sparing the verdict and the judgement for
 * the many packets of entities nowhere near a threshold.
 */
export function belowEveryThreshold(base: number, count: number): boolean {
  return count < lowestThreshold(base);
}

export interface Judgement {
  threshold: number;
  severity: Severity;
  intel: IntelVerdict;
  /**
   * Not null when the count is below the threshold but the entity's verdict is unknown and it
   * is asked for: a MEDIUM or worse verdict would lower the threshold to the count. The
   * detector then builds its finding all the same, with this as Finding.shortfall, so that the
   * verdict can still raise it when it arrives after the activity stopped.
   */
  shortfall: Shortfall | null;
}

/**
 * Threshold, severity and verdict after intel tiers, and a lookup request near the threshold
 * (the lookup loop spends its quota on the entities closest to one first).
 */
export function judge(ctx: DetectorContext, entity: string, base: number, severity: Severity, count: number): Judgement {
  const intel = ctx.verdict(entity);
  const threshold = adjustThreshold(base, intel.verdict);
  let shortfall: Shortfall | null = null;
  if (intel.verdict === 'UNKNOWN' && count * 2 >= threshold) {
    ctx.wantIntel(entity, count / threshold);
    if (count < threshold) shortfall = { count, base, severity };
  }
  return { threshold, severity: adjustSeverity(severity, intel.verdict), intel, shortfall };
}

/**
 * Whether a detector stops at a judged count: below the threshold, and no verdict can change
 * that now. A detector that goes on past it must set Finding.shortfall to j.shortfall, or its
 * short count would be reported as an alert.
 */
export const fallsShort = (j: Judgement, count: number): boolean => count < j.threshold && j.shortfall === null;

export function evidence(count: number, threshold: number, baseThreshold: number, windowSeconds: number, unit: string, details: Record<string, string> = {}): Evidence {
  return { count, threshold, baseThreshold, windowSeconds, unit, details };
}

export const tsMs = (p: DetectorPacket): number => p.ts / 1000;

/** '1 query', '2 queries': a title's count (one long label is enough for a DNS alert). */
export const counted = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

export { ICMP, ICMPV6, TCP, UDP } from '../common/packet-kinds.ts';
