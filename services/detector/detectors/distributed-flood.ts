/**
 * Flood at one victim from many sources (spoofed or distributed SYN / ICMP echo floods), which
 * per-source rules cannot see (SPEC D2.2). It reads victim copies (Packet.victimCopy): the
 * sensor sends every SYN, echo request and handshake completion to its destination's partition
 * too, so all of a victim's flood comes to one partition, in capture order, whichever partitions
 * carry its sources. One flood is one incident, judged on all of it; "same input, same alerts"
 * stays exact for any number of workers and any replay speed. Requires distributedMinSources
 * distinct sources, most of which never complete a handshake: a busy server takes as many new
 * connections from as many clients, but its clients go on to complete them. A completion
 * (the copied first ACK of a handshake) reaches the victim's state through presentKeyOf (only a
 * victim of SYNs has state, so the completions of ordinary traffic create none) and marks its
 * source in the window of SYN sources; above distributedMaxCompletedShare of marked sources the
 * SYNs are not a flood.
 */
import type { DetectorPacket } from '../../common/model.ts';
import { AddressKeys, belowEveryThreshold, evidence, fallsShort, judge, PairNames, PortNames, TCP, tsMs, type Detector, type DetectorContext, type Finding, type Judgement } from '../detector.ts';
import { BoundedMap, CountWindow, DistinctWindow } from '../windows.ts';
import { completesHandshake, isEchoRequest, isSynOnly } from './probe.ts';

interface Service {
  hits: CountWindow;
  /** SYN sources in the window; those that then completed a handshake are marked. */
  sources: DistinctWindow<string>;
}

type State = BoundedMap<Service>;

/** 'v:<victim>': the state key (a SYN or echo flood asks for the same one every packet). */
const victimKeys = new AddressKeys('v:');

/** '<victim>|<service>': the incident key. */
const victimServices = new PairNames('|');

/** 'tcp/<port>' strings, one per port (a flood asks for the same one every packet). */
const tcpServices = new PortNames('tcp/');

function serviceOf(p: DetectorPacket): string | null {
  if (p.protocol === TCP) return tcpServices.of(p.dstPort);
  if (isEchoRequest(p)) return 'icmp-echo';
  return null;
}

function serviceIdle(v: Service, now: number): boolean {
  return v.hits.idle(now) && v.sources.idle(now);
}

export const distributedFlood: Detector<State> = {
  name: 'distributed-flood',
  enabled: (c) => c.synFlood.enabled || c.icmpFlood.enabled,
  readsVictimCopies: true,
  keyOf: (p) => (p.dst && (isSynOnly(p) || isEchoRequest(p)) ? victimKeys.of(p.dst) : null),
  presentKeyOf: (p) => (p.dst && completesHandshake(p) ? victimKeys.of(p.dst) : null),
  create: () => new BoundedMap<Service>(32),
  revive: (json) =>
    new BoundedMap<Service>(
      32,
      // State written before completions were counted also holds an unused `completed` window.
      (json as Array<[string, Record<keyof Service, never>]>).map(([k, v]) => [k, { hits: CountWindow.from(v.hits), sources: DistinctWindow.from<string>(v.sources) }]),
    ),
  idle: (s, now) => s.deleteIdle(serviceIdle, now),
  step(s: State, p: DetectorPacket, ctx: DetectorContext): Finding | null {
    const service = serviceOf(p);
    if (service === null) return null;
    const t = tsMs(p);
    const icmp = service === 'icmp-echo';
    const cfg = ctx.config.synFlood;
    if (!icmp && !isSynOnly(p)) {
      if (!completesHandshake(p)) return null;
      // An idle service counts no completions: idle() may or may not have deleted it at a batch
      // boundary, and a deleted one counts none.
      const v = s.get(service);
      if (v !== undefined && !serviceIdle(v, t)) v.sources.mark(t, p.src);
      return null;
    }
    const windowMs = (icmp ? ctx.config.icmpFlood.windowSeconds : cfg.windowSeconds) * 1000;
    const v = s.touch(service, icmp ? newIcmpService : newSynService, ctx);
    v.hits.add(t);
    v.sources.add(t, p.src);
    const n = v.hits.total;
    const base = icmp ? Math.max(ctx.config.icmpFlood.threshold, cfg.distributedThreshold / 2) : cfg.distributedThreshold;
    if (belowEveryThreshold(base, n)) return null;
    const j = judge(ctx, p.dst, base, icmp ? ctx.config.icmpFlood.severity : cfg.severity, n);
    if (fallsShort(j, n) || v.sources.size < cfg.distributedMinSources) return null;
    if (v.sources.marked > v.sources.size * cfg.distributedMaxCompletedShare) return null;
    const key = victimServices.of(p.dst, service);
    if (j.shortfall === null && ctx.absorbed('distributed-flood', key, icmp ? 'icmp_flood' : 'syn_flood', j.severity)) return null;
    return finding(p, v, n, icmp, key, windowMs, base, j);
  },
};

function newService(windowMs: number, ctx: DetectorContext): Service {
  return { hits: CountWindow.of(windowMs), sources: DistinctWindow.of<string>(windowMs, ctx.config.synFlood.distributedMinSources * 4) };
}
const newIcmpService = (ctx: DetectorContext): Service => newService(ctx.config.icmpFlood.windowSeconds * 1000, ctx);
const newSynService = (ctx: DetectorContext): Service => newService(ctx.config.synFlood.windowSeconds * 1000, ctx);

/** Built apart from step(), so the getters' closure context is allocated only for a finding. */
function finding(p: DetectorPacket, v: Service, n: number, icmp: boolean, key: string, windowMs: number, base: number, j: Judgement): Finding {
  return {
    category: icmp ? 'icmp_flood' : 'syn_flood',
    family: 'distributed-flood',
    key,
    severity: j.severity,
    // Title and evidence are built only if the incident emits (most findings fall in its cooldown).
    get title() {
      const sources = v.sources.size >= v.sources.cap ? `${v.sources.cap}+` : String(v.sources.size);
      return `${icmp ? 'ICMP' : 'SYN'} flood (distributed): ${sources} sources sent ${n} ${icmp ? 'echo requests' : 'SYNs'} to ${p.dst}${icmp ? '' : `:${p.dstPort}`} in ${windowMs / 1000} s`;
    },
    src: 'multiple',
    dst: p.dst,
    srcPort: null,
    dstPort: icmp ? null : p.dstPort,
    protocol: p.protocol,
    flow: false,
    get evidence() {
      const sources = v.sources.size >= v.sources.cap ? `${v.sources.cap}+` : String(v.sources.size);
      return evidence(n, j.threshold, base, windowMs / 1000, 'packets', { sources, sampleSources: v.sources.sample(5).join(',') });
    },
    intel: j.intel,
    shortfall: j.shortfall,
  };
}
