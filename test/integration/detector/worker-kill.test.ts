/**
 * A `netsentinel detector` process killed with SIGKILL in the middle of a replay and started
 * again loses and duplicates nothing.
 *
 * How it is counted: every message of the alerts topic is read back. Its (id, revision) pairs
 * must be exactly the pairs `analyze` emits for the same capture (none missing = 0 lost, none
 * extra = 0 duplicated incidents or revisions). The same (id, revision) may arrive more than
 * once — the restarted worker re-emits the outbox of a batch whose Kafka offset the killed one
 * had not committed — and that is allowed only when every copy is byte-equal (the very same
 * record); a pair delivered with different contents counts as a duplicate and fails the test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Kafka } from 'kafkajs';
import { describe, expect, inject, it } from 'vitest';
import { kafkaClientConfig } from '../../../services/common/bus/kafka-bus.ts';
import type { Config } from '../../../services/common/config/schema.ts';
import { topicNames } from '../../../services/common/topics.ts';
import { servicesEnv } from '../../setup/services-env.ts';
import { alertSet, analyzeSet, deliveryStats, dropRedisKeys, isolation, isolationEnv, logger, pcap, pipelineConfig, readAlerts, replay, repoRoot, waitGroupCaughtUp } from './pipeline.ts';

const FILES = [
  'synflood/syn_flood_spoofed_random_sources_stopddos.pcap',
  'arpspoof/arp_mitm_bidirectional_gateway_and_host.pcapng',
  'portscan/nmap_tcp_connect_scan_evilfingers.pcap',
  'lateral/wmi_processcallcreate_dcerpc.pcapng',
  'dnstunnel/dnscat2_exfil_cname_mx_txt.pcap',
].map(pcap);

interface Worker {
  child: ChildProcess;
  log: () => string;
}

function startWorker(env: Record<string, string>): Worker {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/netsentinel.js'), 'detector'], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-20_000);
  });
  return { child, log: () => stderr };
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

async function killHard(w: Worker | null): Promise<void> {
  if (!w || w.child.pid === undefined || w.child.exitCode !== null || w.child.signalCode !== null) return;
  process.kill(w.child.pid, 'SIGKILL');
  await exited(w.child);
}

/** Alert messages produced so far (sum of the alerts topic's high watermarks). */
async function alertsProduced(config: Readonly<Config>): Promise<number> {
  const admin = new Kafka(kafkaClientConfig(config, logger)).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topicNames(config).alerts).catch(() => []);
    return offsets.reduce((sum, o) => sum + Number(o.high), 0);
  } finally {
    await admin.disconnect();
  }
}

describe('detector worker killed with SIGKILL mid-replay', () => {
  it('gives the same alert set after a restart: 0 lost, 0 duplicated', { timeout: 300_000 }, async () => {
    const overrides = isolation('kill');
    const config = pipelineConfig(inject('services'), overrides);
    const env = { ...servicesEnv(inject('services')), ...isolationEnv(overrides) };
    const expected = await analyzeSet(config, FILES);
    const expectedPairs = expected.map((a) => `${a.id}#${a.revision}`).sort();

    let first: Worker | null = startWorker(env);
    let second: Worker | null = null;
    let atKill = 0;
    try {
      // Paced (x20: about 12 s) so that the kill lands while packets are still arriving.
      const replaying = replay(config, FILES, 20);
      const deadline = Date.now() + 60_000;
      while ((await alertsProduced(config)) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      await new Promise((r) => setTimeout(r, 1500));
      atKill = await alertsProduced(config);
      await killHard(first);
      expect(first.child.signalCode).toBe('SIGKILL');
      expect(atKill, `the first worker produced some alerts before it was killed\n${first.log()}`).toBeGreaterThan(0);
      expect(atKill, 'it was killed before producing all of them').toBeLessThan(expected.length);
      first = null;

      second = startWorker(env);
      await replaying;
      // The killed member holds its partitions until its session times out (30 s).
      expect(await waitGroupCaughtUp(config, 150_000), `the restarted worker caught up\n${second.log()}`).toBe(true);
    } finally {
      await killHard(first);
      if (second?.child.pid !== undefined && second.child.exitCode === null && second.child.signalCode === null) {
        process.kill(second.child.pid, 'SIGTERM');
        const timer = setTimeout(() => void killHard(second), 10_000);
        await exited(second.child);
        clearTimeout(timer);
      }
      await dropRedisKeys(config);
    }

    const delivered = await readAlerts(config);
    const stats = deliveryStats(delivered);
    const pairs = [...new Set(delivered.map((d) => `${d.alert.id}#${d.alert.revision}`))].sort();
    expect(pairs.filter((p) => !expectedPairs.includes(p)), 'extra (duplicated) incidents or revisions').toEqual([]);
    expect(expectedPairs.filter((p) => !pairs.includes(p)), 'lost revisions').toEqual([]);
    expect(stats.conflicting, 'an (id, revision) delivered twice with different contents').toEqual([]);
    expect(stats.distinct).toBe(expected.length);
    expect(alertSet(delivered.map((d) => d.alert))).toEqual(alertSet(expected));
    console.info(`SIGKILL after ${atKill} alert messages; ${delivered.length} messages, ${stats.distinct} distinct (id, revision), ${stats.duplicated} byte-equal re-deliveries`);
  });
});
