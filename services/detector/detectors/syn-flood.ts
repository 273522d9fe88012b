/**
 * SYN flood from one source at one victim. Anchor: the SAS seed (200 SYN-only / 5 s, CRITICAL,
 * ">=" so the boundary fires), counted per victim (a flood is many packets at one victim, a
 * sweep over many hosts is host-sweep.ts) and only while connections stay half-open (the
 * source's ACK-bearing packets to the victim stay under maxCompletedRatio per SYN: a load test
 * that completes its handshakes is not a flood). Scan-shaped SYNs (many ports) belong to
 * port-scan.ts, unless their rate reaches scanRateOverride per second: then the 'probe'
 * incident the scan opened is refined to syn_flood (one incident, one category).
 */
import { TcpFlag, type DetectorPacket } from '../../common/model.ts';
import { belowEveryThreshold, evidence, fallsShort, judge, srcKey, TCP, tsMs, type Detector, type DetectorContext, type Finding, type Judgement } from '../detector.ts';
import { BoundedMap, CountWindow, DistinctWindow } from '../windows.ts';
import { isSynOnly } from './probe.ts';

interface Victim {
  syn: CountWindow;
  ack: CountWindow;
  perSecond: CountWindow;
  ports: DistinctWindow<number>;
  /** Event time until which this victim counts as being scanned by the source. */
  scanUntil: number;
}

type State = BoundedMap<Victim>;

const MAX_VICTIMS = 64;

function newVictim(ctx: DetectorContext): Victim {
  const w = ctx.config.synFlood.windowSeconds * 1000;
  return {
    syn: CountWindow.of(w),
    ack: CountWindow.of(w),
    perSecond: CountWindow.of(1000),
    ports: DistinctWindow.of<number>(ctx.config.portScan.windowSeconds * 1000, ctx.config.portScan.threshold + 1),
    scanUntil: 0,
  };
}

/** Every field spent: a victim deleted now must look like a new one to any later packet. */
function victimIdle(v: Victim, now: number): boolean {
  return v.syn.idle(now) && v.ack.idle(now) && v.ports.idle(now) && now >= v.scanUntil;
}

export const synFlood: Detector<State> = {
  name: 'syn-flood',
  enabled: (c) => c.synFlood.enabled,
  keyOf: (p) => (p.protocol === TCP ? srcKey(p) : null),
  // One SYN (a first packet that is not one changes nothing: no victim yet).
  quietFirst: (_p, c) => belowEveryThreshold(c.synFlood.threshold, 1),
  create: () => new BoundedMap<Victim>(MAX_VICTIMS),
  revive: (json) =>
    new BoundedMap<Victim>(
      MAX_VICTIMS,
      (json as Array<[string, Record<keyof Victim, never>]>).map(([k, v]) => [k, { syn: CountWindow.from(v.syn), ack: CountWindow.from(v.ack), perSecond: CountWindow.from(v.perSecond), ports: DistinctWindow.from<number>(v.ports), scanUntil: Number(v.scanUntil) }]),
    ),
  idle: (s, now) => s.deleteIdle(victimIdle, now),
  step(s: State, p: DetectorPacket, ctx: DetectorContext): Finding | null {
    const cfg = ctx.config.synFlood;
    const t = tsMs(p);
    if (!isSynOnly(p)) {
      if ((p.tcpFlags & TcpFlag.ACK) === 0) return null;
      // An idle victim counts no completions: idle() may or may not have deleted it at a batch
      // boundary, and a deleted one counts none.
      const v = s.get(p.dst);
      if (v !== undefined && !victimIdle(v, t)) v.ack.add(t);
      return null;
    }
    const v = s.touch(p.dst, newVictim, ctx);
    v.syn.add(t);
    v.perSecond.add(t);
    v.ports.add(t, p.dstPort);
    // Once scan-shaped, stay a scan for the incident's lifetime: nmap hammering one port for a
    // while in the middle of a scan is still the scan.
    if (v.ports.size >= ctx.config.portScan.threshold) v.scanUntil = t + ctx.config.incidentIdleSeconds * 1000;
    const syns = v.syn.total;
    if (belowEveryThreshold(cfg.threshold, syns)) return null;
    const j = judge(ctx, p.src, cfg.threshold, cfg.severity, syns);
    if (fallsShort(j, syns)) return null;
    if (v.ack.total > syns * cfg.maxCompletedRatio) return null;
    const scanShaped = t < v.scanUntil;
    if (scanShaped && v.perSecond.total < cfg.scanRateOverride) return null;
    if (j.shortfall === null && ctx.absorbed('probe', p.src, 'syn_flood', j.severity)) return null;
    return finding(p, v, syns, j, ctx);
  },
};

/**
 * Built apart from step(): the getters' closures would otherwise make V8 allocate their context
 * on every call of step(), finding or not.
 */
function finding(p: DetectorPacket, v: Victim, syns: number, j: Judgement, ctx: DetectorContext): Finding {
  const cfg = ctx.config.synFlood;
  const onePort = v.ports.size === 1;
  return {
    category: 'syn_flood',
    family: 'probe',
    key: p.src,
    severity: j.severity,
    // Title and evidence are built only if the incident emits (most findings fall in its cooldown).
    get title() {
      return `SYN flood: ${p.src} sent ${syns} SYNs to ${p.dst}${onePort ? `:${p.dstPort}` : ''} in ${cfg.windowSeconds} s`;
    },
    src: p.src,
    dst: p.dst,
    srcPort: null,
    dstPort: onePort ? p.dstPort : null,
    protocol: TCP,
    flow: false,
    get evidence() {
      return evidence(syns, j.threshold, cfg.threshold, cfg.windowSeconds, 'packets', { completed: String(v.ack.total), distinctPorts: String(v.ports.size) });
    },
    intel: j.intel,
    shortfall: j.shortfall,
  };
}
