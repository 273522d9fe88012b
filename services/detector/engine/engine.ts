/**
 * The detection engine: the one code path behind the distributed worker (worker.ts) and the
 * embedded `analyze`. For one partition batch it
 *   1. works out which state blobs and cached verdicts the packets need,
 *   2. loads them with the partition's applied offset and outbox (one round trip),
 *   3. skips what is already applied (redelivery) and re-emits the stored outbox,
 *   4. folds every remaining packet, in partition order, through every detector,
 *   5. writes the changed state, the new offset and the outbox in one fenced commit (one round
 *      trip; on a conflict it reloads and decides again),
 * and returns the alerts to publish. The fold is sequential per partition and uses only event
 * time, so the result does not depend on how the stream was cut into batches, on the replay
 * speed or on which worker runs it.
 */
import type { Config } from '../../common/config/schema.ts';
import type { Alert, Packet, PacketBatch } from '../../common/model.ts';
import { StateStoreError } from '../../common/errors.ts';
import { compareOffsets, type PartitionRef, type StateStore, type StateWrite } from '../../common/state/port.ts';
import type { Detector, DetectorContext, Finding } from '../detector.ts';
import { DETECTORS } from '../detectors/index.ts';
import { Feeds, readFeedFile } from '../intel/feeds.ts';
import { intelCacheKey, IntelView } from '../intel/view.ts';
import { CidrSet, domainMatches, registrableDomain } from '../net.ts';
import { pruneIncidents, recordFinding, type Incident } from './incidents.ts';
import { Suppressions } from './suppressions.ts';

export interface BatchMessage {
  offset: string;
  batch: PacketBatch;
}

export interface BatchResult {
  alerts: Alert[];
  /** Alerts re-emitted from the outbox of an already applied batch. */
  replayed: number;
  packets: number;
  /** Messages skipped because their effect was already in the store. */
  skippedMessages: number;
  suppressed: number;
}

interface Blob {
  /** latest event time (ms) */
  t: number;
  /** detector name -> state JSON */
  d: Record<string, unknown>;
  /** incidents */
  i: Record<string, Incident>;
}

interface LiveBlob {
  raw: Blob;
  live: Map<string, unknown>;
}

export const INTEL_QUEUE = 'intel';

export class DetectionEngine {
  private readonly detectors: ReadonlyArray<Detector<unknown>>;
  private readonly intel: IntelView;
  private readonly ctx: DetectorContext;
  private readonly suppressions: Suppressions;
  private readonly allowlist: CidrSet;
  private readonly policy: { cooldownMs: number; idleMs: number };
  private readonly ttlMs: number;

  constructor(
    private readonly config: Readonly<Config>,
    private readonly store: StateStore,
    private readonly stream: string,
  ) {
    const c = config.detector;
    this.detectors = (DETECTORS as ReadonlyArray<Detector<unknown>>).filter((d) => d.enabled(c));
    const internal = new CidrSet(c.internalNetworks);
    const tor = new CidrSet(c.tor.feedFile ? readFeedFile(c.tor.feedFile).addresses : []);
    this.intel = new IntelView(new Feeds(config.intel.feeds.files), internal, config.intel.virustotal.apiKey !== '');
    const intel = this.intel;
    this.ctx = {
      config: c,
      internal,
      torRelays: tor,
      verdict: (entity) => intel.verdict(entity),
      wantIntel: (entity, priority) => intel.want(entity, priority),
    };
    this.suppressions = new Suppressions(c.suppressions);
    this.allowlist = new CidrSet(c.allowlist.addresses);
    this.policy = { cooldownMs: c.cooldownSeconds * 1000, idleMs: c.incidentIdleSeconds * 1000 };
    this.ttlMs = c.stateTtlSeconds * 1000;
  }

  async process(partition: number, messages: BatchMessage[]): Promise<BatchResult> {
    const ref: PartitionRef = { stream: this.stream, partition };
    const prefix = `s:${this.stream}:${partition}:`;
    const { keys, entities } = this.keysOf(messages);
    const stateKeys = [...keys].map((k) => prefix + k);
    const intelKeys = entities.map(intelCacheKey);
    const lastOffset = messages[messages.length - 1].offset;

    for (let attempt = 0; attempt < 5; attempt++) {
      const snap = await this.store.load(ref, [...stateKeys, ...intelKeys]);
      const replay = snap.applied !== null ? messages.filter((m) => compareOffsets(m.offset, snap.applied!) <= 0).length : 0;
      const outboxAlerts = replay > 0 && snap.outbox ? (JSON.parse(snap.outbox) as Alert[]) : [];
      if (replay === messages.length) {
        return { alerts: outboxAlerts, replayed: outboxAlerts.length, packets: 0, skippedMessages: replay, suppressed: 0 };
      }
      this.intel.setCached(entities, snap.values.slice(stateKeys.length));
      const blobs = new Map<string, LiveBlob>();
      [...keys].forEach((k, i) => {
        const raw = snap.values[i];
        blobs.set(k, { raw: raw ? (JSON.parse(raw) as Blob) : { t: 0, d: {}, i: {} }, live: new Map() });
      });
      const { alerts, packets, suppressed } = this.fold(messages.slice(replay), blobs, partition);
      const { writes, deletes } = this.serialise(blobs, prefix);
      const outcome = await this.store.commit({
        ref,
        expectedApplied: snap.applied,
        applied: lastOffset,
        writes,
        deletes,
        outbox: JSON.stringify(alerts),
        metaTtlMs: this.ttlMs,
      });
      if (outcome === 'committed') {
        await this.queueLookups();
        return { alerts: [...outboxAlerts, ...alerts], replayed: outboxAlerts.length, packets, skippedMessages: replay, suppressed };
      }
    }
    throw new StateStoreError(`partition ${partition} of ${this.stream}: the applied offset kept moving under this worker (5 conflicts); another worker owns it`);
  }

  private keysOf(messages: BatchMessage[]): { keys: Set<string>; entities: string[] } {
    const keys = new Set<string>();
    const entities = new Set<string>();
    const ctx = this.ctx;
    for (const m of messages) {
      for (const p of m.batch.packets) {
        for (const d of this.detectors) {
          const k = d.keyOf(p, ctx);
          if (k !== null) keys.add(k);
        }
        if (this.intel.lookups) {
          if (this.intel.wantsCache(p.src)) entities.add(p.src);
          if (this.intel.wantsCache(p.dst)) entities.add(p.dst);
          if (p.dns && !p.dns.response && p.dns.qname) entities.add(registrableDomain(p.dns.qname));
        }
      }
    }
    return { keys, entities: [...entities] };
  }

  private fold(messages: BatchMessage[], blobs: Map<string, LiveBlob>, partition: number): { alerts: Alert[]; packets: number; suppressed: number } {
    const alerts: Alert[] = [];
    let packets = 0;
    let suppressed = 0;
    const ctx = this.ctx;
    for (const m of messages) {
      const sensor = { id: m.batch.sensorId, host: m.batch.sensorHost };
      for (const p of m.batch.packets) {
        packets++;
        const t = p.ts / 1000;
        for (const d of this.detectors) {
          const k = d.keyOf(p, ctx);
          if (k === null) continue;
          const blob = blobs.get(k)!;
          if (t > blob.raw.t) blob.raw.t = t;
          let state = blob.live.get(d.name);
          if (state === undefined) {
            const stored = blob.raw.d[d.name];
            state = stored === undefined ? d.create(ctx) : d.revive(stored, ctx);
            blob.live.set(d.name, state);
          }
          const finding = d.step(state, p, ctx);
          if (finding === null) continue;
          if (this.silenced(finding, t)) {
            suppressed++;
            continue;
          }
          // The partition number, not the topic name: ids must not depend on a deployment's
          // topic prefix (nor differ between the pipeline and `analyze`).
          const scope = k.startsWith('src:') ? null : String(partition);
          const alert = recordFinding(blob.raw.i, finding, p, d.name, scope, this.policy, sensor);
          if (alert) alerts.push(alert);
        }
      }
    }
    return { alerts, packets, suppressed };
  }

  private silenced(f: Finding, tsMs: number): boolean {
    if (!this.allowlist.empty && (this.allowlist.has(f.src) || (f.dst !== null && this.allowlist.has(f.dst)))) return true;
    if (f.category === 'dns_tunnelling' && f.dst !== null && this.config.detector.allowlist.domains.some((d) => domainMatches(f.dst!, d))) return true;
    return this.suppressions.matches(f, tsMs);
  }

  private serialise(blobs: Map<string, LiveBlob>, prefix: string): { writes: StateWrite[]; deletes: string[] } {
    const writes: StateWrite[] = [];
    const deletes: string[] = [];
    const byName = new Map(this.detectors.map((d) => [d.name, d]));
    for (const [k, blob] of blobs) {
      if (blob.live.size === 0) continue;
      const now = blob.raw.t;
      for (const [name, state] of blob.live) {
        if (byName.get(name)!.idle(state, now)) delete blob.raw.d[name];
        else blob.raw.d[name] = state;
      }
      pruneIncidents(blob.raw.i, now, this.policy.idleMs);
      if (Object.keys(blob.raw.d).length === 0 && Object.keys(blob.raw.i).length === 0) deletes.push(prefix + k);
      else writes.push({ key: prefix + k, value: JSON.stringify(blob.raw), ttlMs: this.ttlMs });
    }
    return { writes, deletes };
  }

  private async queueLookups(): Promise<void> {
    if (this.intel.wanted.size === 0) return;
    const items = [...this.intel.wanted].map(([member, score]) => ({ member, score }));
    this.intel.wanted.clear();
    await this.store.queuePush(INTEL_QUEUE, items, this.config.intel.virustotal.queueMax, 86_400_000);
  }
}
