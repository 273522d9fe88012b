/**
 * C2 beaconing per (source, destination, port). Anchor: RITA's beacon analysis (Active
 * Countermeasures): the regularity of connection intervals (Bowley skewness, median absolute
 * deviation about the median, how many of the expected connections are present) and of the
 * bytes the client sends per connection, averaged into a score in [0, 1]. Scored once
 * minConnections starts spanning minSpanSeconds are known, with a median interval of at least
 * minIntervalSeconds (a burst of retries is brute force, not a beacon). Connection starts are
 * SYNs with a new source port (retransmissions collapse).
 */
import type { DetectorPacket } from '../../common/model.ts';
import { evidence, judge, PairNames, srcKey, TCP, tsMs, type Detector, type DetectorContext, type Finding } from '../detector.ts';
import { BoundedMap } from '../windows.ts';
import { isClientData, isSynOnly } from './probe.ts';

interface Channel {
  /** Start times (ms) and client bytes of the most recent connections. */
  starts: number[];
  bytes: number[];
  lastPort: number;
}

type State = BoundedMap<Channel>;

function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** RITA's per-series regularity: mean of (1 - |Bowley skew|) and (1 - MADM / median). */
export function regularity(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const q1 = quantile(sorted, 0.25);
  const q2 = quantile(sorted, 0.5);
  const q3 = quantile(sorted, 0.75);
  const skew = q3 - q1 === 0 || q2 === q1 || q2 === q3 ? 0 : (q1 + q3 - 2 * q2) / (q3 - q1);
  const madm = quantile(
    values.map((v) => Math.abs(v - q2)).sort((a, b) => a - b),
    0.5,
  );
  const madmScore = q2 === 0 ? (madm === 0 ? 1 : 0) : Math.max(0, 1 - madm / q2);
  return ((1 - Math.abs(skew)) + madmScore) / 2;
}

export function beaconScore(starts: number[], bytes: number[]): { score: number; medianMs: number; spanMs: number } {
  const intervals: number[] = [];
  for (let i = 1; i < starts.length; i++) intervals.push(starts[i] - starts[i - 1]);
  const sorted = [...intervals].sort((a, b) => a - b);
  const medianMs = quantile(sorted, 0.5);
  const spanMs = starts[starts.length - 1] - starts[0];
  const expected = medianMs > 0 ? spanMs / medianMs : 0;
  const presence = expected > 0 ? Math.min(1, intervals.length / expected) : 0;
  const ts = (2 * regularity(intervals) + presence) / 3;
  const ds = regularity(bytes.slice(0, -1).length >= 3 ? bytes.slice(0, -1) : bytes);
  return { score: (ts * 2 + ds) / 3, medianMs, spanMs };
}

/** '<destination>:<port>': the channel's name in its source's state. */
const channels = new PairNames(':');

const newChannel = (): Channel => ({ starts: [], bytes: [], lastPort: -1 });

/** A channel whose last connection is more than a day before nowMs: deleted, or started over. */
const STALE_MS = 86_400_000;
const stale = (c: Channel, nowMs: number): boolean => c.starts.length > 0 && nowMs - c.starts[c.starts.length - 1] > STALE_MS;

export const beacon: Detector<State> = {
  name: 'beacon',
  enabled: (c) => c.beacon.enabled,
  keyOf: (p) => (isSynOnly(p) || isClientData(p) ? srcKey(p) : null),
  // One connection start is never scored (client data without a start changes nothing).
  quietFirst: (_p, c) => c.beacon.minConnections > 1,
  create: () => new BoundedMap<Channel>(128),
  revive: (json) => new BoundedMap<Channel>(128, json as Array<[string, Channel]>),
  idle: (s, now) => s.deleteIdle(stale, now),
  step(s: State, p: DetectorPacket, ctx: DetectorContext): Finding | null {
    const cfg = ctx.config.beacon;
    // Client data of a source that started no connection: nothing to count, and no name to
    // look up (a quarter of the data packets on the benchmark capture).
    if (s.size === 0 && !isSynOnly(p)) return null;
    const key = channels.of(p.dst, p.dstPort);
    const t = tsMs(p);
    if (!isSynOnly(p)) {
      const c = s.get(key);
      if (c && c.lastPort === p.srcPort && !stale(c, t)) c.bytes[c.bytes.length - 1] += p.payloadLength;
      return null;
    }
    const c = s.touch(key, newChannel);
    // A channel idle for a day starts over here exactly as idle() would have deleted it.
    if (stale(c, t)) {
      c.starts = [];
      c.bytes = [];
      c.lastPort = -1;
    }
    if (c.lastPort === p.srcPort) return null; // retransmitted SYN
    if (c.starts.length > 0 && t < c.starts[c.starts.length - 1]) return null;
    if (c.starts.length === 0) {
      // Exactly sized (a first push reserves 16 slots): most channels never see a second start.
      c.starts = [t];
      c.bytes = [0];
    } else {
      c.starts.push(t);
      c.bytes.push(0);
    }
    c.lastPort = p.srcPort;
    if (c.starts.length > cfg.historySize) {
      c.starts.shift();
      c.bytes.shift();
    }
    if (c.starts.length < cfg.minConnections) return null;
    // The span needs no scoring (a burst of connections is common and never a beacon).
    if (c.starts[c.starts.length - 1] - c.starts[0] < cfg.minSpanSeconds * 1000) return null;
    const { score, medianMs, spanMs } = beaconScore(c.starts, c.bytes);
    if (spanMs < cfg.minSpanSeconds * 1000 || medianMs < cfg.minIntervalSeconds * 1000) return null;
    const j = judge(ctx, p.dst, cfg.scoreThreshold, cfg.severity, score);
    // Intel tiers lower a score threshold multiplicatively too, but never below 0.5.
    const threshold = Math.max(0.5, cfg.scoreThreshold * j.intel.multiplier);
    if (score < threshold) return null;
    return {
      category: 'c2_beaconing',
      family: 'c2_beaconing',
      key: `${p.src}>${key}`,
      severity: j.severity,
      title: `C2 beaconing: ${p.src} connects to ${key} every ${(medianMs / 1000).toFixed(1)} s (score ${score.toFixed(2)}, ${c.starts.length} connections)`,
      src: p.src,
      dst: p.dst,
      srcPort: null,
      dstPort: p.dstPort,
      protocol: TCP,
      flow: true,
      evidence: evidence(Number(score.toFixed(3)), threshold, cfg.scoreThreshold, spanMs / 1000, 'score', { connections: String(c.starts.length), medianIntervalSeconds: (medianMs / 1000).toFixed(2) }),
      intel: j.intel,
    };
  },
};
