/**
 * Offline feeds are read again when their file changes (intel/feeds.ts), in a running engine
 * too: a blocklist or Tor relay list that a cron job refreshes takes effect without a restart,
 * and an update that cannot be read keeps the list that was in use (SPEC D2.22: the seed read
 * its Feodo list once).
 */
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../services/common/config/load.ts';
import type { Packet, PacketBatch } from '../../../../services/common/model.ts';
import { MemoryStore } from '../../../../services/common/state/memory-store.ts';
import { DetectionEngine } from '../../../../services/detector/engine/engine.ts';
import { FeedFile, Feeds } from '../../../../services/detector/intel/feeds.ts';
import { data, syn } from '../packets.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ns-feeds-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a feed file with a modification time of its own (the check compares time and size). */
function writeFeed(file: string, lines: string[], mtimeSeconds: number): void {
  writeFileSync(file, `# test feed\n${lines.join('\n')}\n`);
  utimesSync(file, mtimeSeconds, mtimeSeconds);
}

describe('FeedFile and Feeds', () => {
  it('reads a file again only when it changed, and keeps its entries when it cannot', () => {
    const file = path.join(dir, 'block.txt');
    writeFeed(file, ['203.0.113.0/24'], 1_000);
    const feed = new FeedFile(file);
    expect(feed.refresh()).toEqual({ outcome: 'unchanged' });
    writeFeed(file, ['203.0.113.0/24', 'evil.example'], 2_000);
    expect(feed.refresh()).toEqual({ outcome: 'reloaded' });
    expect(feed.entries).toEqual({ addresses: ['203.0.113.0/24'], domains: ['evil.example'] });
    rmSync(file);
    const failed = feed.refresh();
    expect(failed.outcome).toBe('failed');
    expect(failed.outcome === 'failed' && failed.reason).toMatch(/block\.txt: cannot read it \(ENOENT\)/);
    expect(feed.entries.domains).toEqual(['evil.example']);
    writeFeed(file, ['198.51.100.1'], 3_000);
    expect(feed.refresh()).toEqual({ outcome: 'reloaded' });
    expect(feed.entries.addresses).toEqual(['198.51.100.1']);
  });

  it('matches what the files list now', () => {
    const a = path.join(dir, 'a.txt');
    const b = path.join(dir, 'b.txt');
    writeFeed(a, ['192.0.2.1'], 1_000);
    writeFeed(b, [], 1_000);
    const feeds = new Feeds([a, b]);
    expect([feeds.match('192.0.2.1'), feeds.match('x.bad.example')]).toEqual(['feed:a.txt', null]);
    writeFeed(b, ['bad.example'], 2_000);
    expect(feeds.refresh()).toEqual([{ path: b, outcome: 'reloaded' }]);
    expect([feeds.match('192.0.2.1'), feeds.match('x.bad.example')]).toEqual(['feed:a.txt', 'feed:b.txt']);
  });
});

describe('feeds in a running engine', () => {
  const ATTACKER = '203.0.113.66';
  const SECOND = '203.0.113.70';
  const RELAY = '198.51.100.200';
  const T0 = 1_700_000_000_000;
  const batch = (packets: Packet[]): PacketBatch => ({ sensorId: 's', sensorHost: 'h', batchSeq: 0, packets });

  function engine(clock: { now: number }) {
    const blocklist = path.join(dir, 'block.txt');
    const relays = path.join(dir, 'relays.txt');
    writeFeed(blocklist, ['192.0.2.1'], 1_000);
    writeFeed(relays, ['192.0.2.2'], 1_000);
    const config = loadConfig({ env: {}, overrides: { 'intel.feeds.files': [blocklist], 'detector.tor.feedFile': relays, 'intel.feeds.reloadSeconds': 60 } });
    const changes: string[] = [];
    const e = new DetectionEngine(config, new MemoryStore(), 't', { now: () => clock.now, onFeedRefresh: (c) => changes.push(`${path.basename(c.path)} ${c.outcome}`) });
    return { e, blocklist, relays, changes };
  }

  it('uses a blocklist and a relay list as they are after their files changed, from the next check on', async () => {
    const clock = { now: 0 };
    const { e, blocklist, relays, changes } = engine(clock);
    // Two ports: below the port-scan threshold (15) unless a CRITICAL verdict lowers it to 2.
    const probes = (from: number, src = ATTACKER) => [syn(src, '10.0.0.9', 1000 + from, T0 + from), syn(src, '10.0.0.9', 1001 + from, T0 + from + 1)];
    // Client data to a port that is not Tor's: Tor only if the destination is a listed relay.
    const toRelay = (ms: number) => data('10.0.0.5', RELAY, 443, T0 + ms, 500, 50_000);
    let offset = 0;
    const step = async (packets: Packet[]) => (await e.process(0, [{ offset: String(++offset), batch: batch(packets) }])).alerts;

    expect(await step([...probes(0), toRelay(10)])).toEqual([]);
    writeFeed(blocklist, ['192.0.2.1', ATTACKER, SECOND], 2_000);
    writeFeed(relays, ['192.0.2.2', RELAY], 2_000);
    // Not yet checked: a minute of wall clock has not passed.
    clock.now = 59_000;
    expect(await step([...probes(100), toRelay(110)])).toEqual([]);
    clock.now = 60_000;
    const alerts = await step([...probes(200), toRelay(210)]);
    expect(alerts.map((a) => [a.category, a.src, a.intel.verdict, a.intel.source]).sort()).toEqual([
      ['port_scan', ATTACKER, 'CRITICAL', 'feed:block.txt'],
      ['tor_usage', '10.0.0.5', 'CLEAN', ''],
    ]);
    expect(alerts.find((a) => a.category === 'port_scan')?.title).toMatch(/ {2}\[feed:block\.txt — listed\]$/);
    expect(changes).toEqual(['block.txt reloaded', 'relays.txt reloaded']);

    // An update that cannot be read keeps the lists in use.
    rmSync(blocklist);
    clock.now = 120_000;
    expect(await step([])).toEqual([]);
    expect(changes.slice(2)).toEqual(['block.txt failed']);
    // A source the update listed, first seen now: still found on the list in use.
    const later = await step(probes(300, SECOND));
    expect(later.map((a) => [a.category, a.src, a.intel.verdict, a.intel.source])).toEqual([['port_scan', SECOND, 'CRITICAL', 'feed:block.txt']]);
  });
});
