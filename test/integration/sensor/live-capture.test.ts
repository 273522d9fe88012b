/**
 * Live capture (needs root and the @netsentinel/pcap addon): a network namespace of our own,
 * joined to the root namespace by a veth pair whose root end has no address (nothing changes in
 * the host's routing). Inside the namespace a bounded burst of UDP datagrams is sent to a static
 * neighbour whose MAC is not the root end's, so the root namespace discards the frames as "other
 * host" and never routes them; the sensor captures on the root end with a small snaplen,
 * publishes to the real Kafka, and the datagrams are found in the packets topic, cut at the
 * snaplen, with libpcap's counters in the result, the counters and the last heartbeat. The
 * namespace and the link are removed in finally.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { createKafkaBus } from '../../../services/common/bus/kafka-bus.ts';
import { loadConfig } from '../../../services/common/config/load.ts';
import { createLogger } from '../../../services/common/observability/logger.ts';
import { createSerde } from '../../../services/common/serde/create-serde.ts';
import { topicNames } from '../../../services/common/topics.ts';
import { HeartbeatEmitter } from '../../../services/sensor/heartbeat.ts';
import { captureSummary, runLiveCapture } from '../../../services/sensor/live-capture.ts';
import { newCounters } from '../../../services/sensor/sensor-counters.ts';
import { loadSensorIdentity } from '../../../services/sensor/sensor-identity.ts';
import { servicesEnv } from '../../setup/global-services.ts';

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 }).toString();

/** A namespace with a veth pair; the root end stays in the root namespace without an address. */
function addLink(ns: string, rootEnd: string, nsEnd: string): void {
  ip('netns', 'add', ns);
  ip('link', 'add', rootEnd, 'type', 'veth', 'peer', 'name', nsEnd);
  ip('link', 'set', nsEnd, 'netns', ns);
  ip('link', 'set', rootEnd, 'up');
  ip('netns', 'exec', ns, 'ip', 'addr', 'add', '10.254.77.2/24', 'dev', nsEnd);
  ip('netns', 'exec', ns, 'ip', 'link', 'set', nsEnd, 'up');
  ip('netns', 'exec', ns, 'ip', 'neigh', 'add', '10.254.77.1', 'lladdr', '02:00:00:4e:53:02', 'dev', nsEnd);
}

function removeLink(ns: string, rootEnd: string): void {
  try {
    ip('link', 'del', rootEnd);
  } catch {
    /* removed with the namespace */
  }
  try {
    ip('netns', 'del', ns);
  } catch {
    /* never created */
  }
}

/** 20 UDP datagrams of 300 bytes from inside the namespace (node: the machines have no ping), one every 10 ms. */
function burst(ns: string): void {
  const script =
    "const s=require('dgram').createSocket('udp4');const b=Buffer.alloc(300,0x6e);let n=0;const t=setInterval(()=>{s.send(b,9999,'10.254.77.1');if(++n===20){clearInterval(t);setTimeout(()=>s.close(),50);}},10);";
  execFileSync('ip', ['netns', 'exec', ns, process.execPath, '-e', script], { stdio: 'ignore', timeout: 10_000 });
}

describe('live capture', () => {
  it('captures a burst sent inside a network namespace on a veth link', async () => {
    expect(process.getuid?.(), 'the live-capture test needs root (network namespaces, raw capture)').toBe(0);
    const id = randomUUID().slice(0, 6);
    const ns = `ns-sensor-${id}`;
    const rootEnd = `nsr${id}`;
    const nsEnd = `nsp${id}`;
    const stateDir = mkdtempSync(path.join(tmpdir(), 'ns-live-'));
    const config = loadConfig({
      env: servicesEnv(inject('services')),
      overrides: { 'topics.prefix': `it-live-${id}.`, 'sensor.stateDir': stateDir, 'sensor.batchMaxDelayMs': 50, 'sensor.idleBatchSeconds': 1 },
    });
    const logger = createLogger({ level: 'warn' });
    const serde = createSerde(config, logger);
    await serde.init();
    const bus = createKafkaBus(config, logger);
    try {
      addLink(ns, rootEnd, nsEnd);

      const counters = newCounters();
      const identity = loadSensorIdentity(config.sensor);
      const heartbeat = new HeartbeatEmitter({
        bus, serde, topic: topicNames(config).heartbeats, identity, mode: 'live', input: rootEnd,
        intervalMs: 60_000, counters, onError: () => {},
      });
      const abort = new AbortController();
      const snaplen = 96;
      const capture = runLiveCapture({
        iface: rootEnd, filter: 'udp port 9999', snaplen, bufferSizeMb: 4, promiscuous: false, config, bus, serde, logger,
        identity, counters, signal: abort.signal,
      });
      await new Promise((r) => setTimeout(r, 1000));
      burst(ns);
      await new Promise((r) => setTimeout(r, 500));
      abort.abort();
      const result = await capture;
      expect(counters.packetsSeen).toBe(20);
      // 14 Ethernet + 20 IPv4 + 8 UDP + 300 payload bytes per frame.
      expect(counters.bytesSeen).toBe(20 * 342);
      expect(result).toMatchObject({ addon: '@netsentinel/pcap', linkType: 'ETHERNET', promiscuous: false, snaplen });
      expect(result.stats?.received).toBeGreaterThanOrEqual(20);
      expect(result.stats?.dropped).toBe(0);
      expect(counters.packetsDroppedByCapture).toBe(result.stats?.dropped);
      expect(heartbeat.record('stopped').packetsDropped).toBe(counters.packetsDropped + counters.packetsDroppedByCapture);
      const summary = captureSummary(rootEnd, counters, result, identity.id);
      expect(summary).toContain(`captured 20 packets on ${rootEnd} (not promiscuous, snaplen ${snaplen}); 20 published, 0 dropped by the sensor`);
      expect(summary).toMatch(/libpcap \d+ received, 0 dropped by the kernel, \d+ by the interface/);

      let echoes = 0;
      /** Partitions that got an empty batch (sensor.idleBatchSeconds: each got none in its first second). */
      const idle = new Set<number>();
      const found: Array<{ capLength: number; length: number; ts: number }> = [];
      const sub = await bus.consume({
        groupId: `it-live-${id}`,
        topics: [topicNames(config).packets],
        fromBeginning: true,
        onBatch: async (b) => {
          for (const m of b.messages) {
            const batch = await serde.decode('packetBatch', m.value);
            if (batch.packets.length === 0) idle.add(b.partition);
            for (const p of batch.packets) {
              if (p.src === '10.254.77.2' && p.dst === '10.254.77.1' && p.protocol === 17 && p.dstPort === 9999) {
                echoes++;
                found.push({ capLength: p.capLength, length: p.length, ts: p.ts });
              }
            }
          }
        },
      });
      const deadline = Date.now() + 30_000;
      while ((echoes < 20 || idle.size < config.kafka.partitions) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      await sub.stop();
      expect(echoes).toBe(20);
      expect([...idle].sort((a, b) => a - b)).toEqual(Array.from({ length: config.kafka.partitions }, (_, i) => i));
      // Cut by libpcap at the snaplen; the records keep the wire length and the kernel's time.
      const now = Date.now() * 1000;
      for (const p of found) {
        expect(p).toMatchObject({ capLength: snaplen, length: 342 });
        expect(Math.abs(p.ts - now)).toBeLessThan(120_000_000);
      }
    } finally {
      await bus.close();
      removeLink(ns, rootEnd);
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it('names a filter expression libpcap cannot compile as the filter, not as the interface', async () => {
    const stateDir = mkdtempSync(path.join(tmpdir(), 'ns-live-'));
    const config = loadConfig({ env: servicesEnv(inject('services')), overrides: { 'topics.prefix': `it-live-bad-${randomUUID().slice(0, 6)}.`, 'sensor.stateDir': stateDir } });
    const logger = createLogger({ level: 'silent' });
    const serde = createSerde(config, logger);
    await serde.init();
    const bus = createKafkaBus(config, logger);
    try {
      const capture = runLiveCapture({
        iface: 'lo', filter: 'udp prot 9999', snaplen: 96, bufferSizeMb: 1, promiscuous: false, config, bus, serde, logger,
        identity: loadSensorIdentity(config.sensor), counters: newCounters(), signal: new AbortController().signal,
      });
      await expect(capture).rejects.toMatchObject({ code: 'NS_ERR_CONFIG', message: 'sensor.filter (--filter) "udp prot 9999": can\'t parse filter expression: syntax error' });
    } finally {
      await bus.close();
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it('libpcap\'s kernel drops reach the counters and the heartbeat on Kafka', async () => {
    expect(process.getuid?.(), 'the live-capture test needs root (network namespaces, raw capture)').toBe(0);
    const id = randomUUID().slice(0, 6);
    const ns = `ns-sensor-${id}`;
    const rootEnd = `nsr${id}`;
    const stateDir = mkdtempSync(path.join(tmpdir(), 'ns-live-'));
    const config = loadConfig({
      env: servicesEnv(inject('services')),
      overrides: { 'topics.prefix': `it-live-drop-${id}.`, 'sensor.stateDir': stateDir, 'sensor.batchMaxDelayMs': 50 },
    });
    const logger = createLogger({ level: 'warn' });
    const serde = createSerde(config, logger);
    await serde.init();
    const bus = createKafkaBus(config, logger);
    try {
      addLink(ns, rootEnd, `nsp${id}`);
      const counters = newCounters();
      const identity = loadSensorIdentity(config.sensor);
      const heartbeat = new HeartbeatEmitter({
        bus, serde, topic: topicNames(config).heartbeats, identity, mode: 'live', input: rootEnd,
        intervalMs: 60_000, counters, onError: () => {},
      });
      const abort = new AbortController();
      const capture = runLiveCapture({
        iface: rootEnd, filter: 'udp port 9995', snaplen: 96, bufferSizeMb: 1, config, bus, serde, logger,
        identity, counters, signal: abort.signal,
      });
      await new Promise((r) => setTimeout(r, 1000));
      // 20000 datagrams as fast as the namespace sends them, while this process waits for the
      // sender (its event loop blocked): a 1 MiB ring holds about 6000 of them.
      const flood =
        "const s=require('dgram').createSocket('udp4');const b=Buffer.alloc(1000,0x6e);let n=0;const go=()=>{if(n===20000){setTimeout(()=>s.close(),50);return;}n++;s.send(b,9995,'10.254.77.1',go);};go();";
      execFileSync('ip', ['netns', 'exec', ns, process.execPath, '-e', flood], { stdio: 'ignore', timeout: 30_000 });
      // Two stats reads (one a second) before stopping: the running capture reports the drops too.
      await new Promise((r) => setTimeout(r, 2500));
      const droppedWhileRunning = counters.packetsDroppedByCapture;
      abort.abort();
      const result = await capture;
      expect(result.stats?.received).toBe(20_000);
      expect(result.stats?.dropped).toBeGreaterThan(0);
      expect(droppedWhileRunning).toBe(result.stats?.dropped);
      expect(counters.packetsDroppedByCapture).toBe(result.stats?.dropped);
      expect(counters.packetsSeen + counters.packetsDroppedByCapture).toBe(20_000);
      await heartbeat.stop();

      let last: { status: string; packetsDropped: number } | undefined;
      const sub = await bus.consume({
        groupId: `it-live-drop-${id}`,
        topics: [topicNames(config).heartbeats],
        fromBeginning: true,
        onBatch: async (b) => {
          for (const m of b.messages) last = await serde.decode('heartbeat', m.value);
        },
      });
      const deadline = Date.now() + 30_000;
      while (last?.status !== 'stopped' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      await sub.stop();
      expect(last?.status).toBe('stopped');
      expect(last?.packetsDropped).toBe(counters.packetsDropped + counters.packetsDroppedByCapture);
      expect(last?.packetsDropped).toBeGreaterThanOrEqual(result.stats?.dropped ?? Infinity);
    } finally {
      await bus.close();
      removeLink(ns, rootEnd);
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it('netsentinel sensor --no-promisc --snaplen: the interface stays out of promiscuous mode, libpcap\'s counters on /metrics and in the summary line', async () => {
    expect(process.getuid?.(), 'the live-capture test needs root (network namespaces, raw capture)').toBe(0);
    const id = randomUUID().slice(0, 6);
    const ns = `ns-sensor-${id}`;
    const rootEnd = `nsr${id}`;
    const stateDir = mkdtempSync(path.join(tmpdir(), 'ns-live-'));
    let child: ChildProcess | undefined;
    try {
      addLink(ns, rootEnd, `nsp${id}`);
      child = spawn(
        process.execPath,
        ['bin/netsentinel.js', 'sensor', '--iface', rootEnd, '--filter', 'udp port 9999', '--no-promisc', '--snaplen', '100', '--buffer-size', '2'],
        {
          env: {
            ...process.env,
            ...servicesEnv(inject('services')),
            NETSENTINEL_TOPICS_PREFIX: `it-live-cli-${id}.`,
            NETSENTINEL_SENSOR_STATE_DIR: stateDir,
            NETSENTINEL_LOG_LEVEL: 'info',
            NETSENTINEL_METRICS_PORT: '0',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
      const deadline = Date.now() + 60_000;
      while (!stderr.includes('live capture started') && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(stderr, stderr).toContain('live capture started');
      const [link] = JSON.parse(ip('-d', '-j', 'link', 'show', 'dev', rootEnd)) as Array<{ promiscuity: number }>;
      expect(link.promiscuity).toBe(0);
      burst(ns);
      await new Promise((r) => setTimeout(r, 1500));
      // libpcap's counters on /metrics while the capture runs (read every second).
      const metricsUrl = /"url":"(http:\/\/127\.0\.0\.1:\d+\/metrics)"/.exec(stderr)?.[1];
      expect(metricsUrl, stderr).toBeDefined();
      const text = await (await fetch(metricsUrl as string)).text();
      expect(text).toMatch(/^netsentinel_sensor_packets_seen_total\{sensor="[^"]+"\} 20$/m);
      expect(text).toMatch(/^netsentinel_sensor_capture_dropped_total\{sensor="[^"]+"\} 0$/m);
      child.kill('SIGINT');
      const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 30_000))]);
      expect(code, stderr).toBe(0);
      expect(stdout).toMatch(
        new RegExp(`^captured 20 packets on ${rootEnd} \\(not promiscuous, snaplen 100\\); 20 published, 0 dropped by the sensor; libpcap (\\d+) received, 0 dropped by the kernel, \\d+ by the interface; sensor \\S+\\n$`),
      );
      expect(Number(/libpcap (\d+) received/.exec(stdout)?.[1])).toBeGreaterThanOrEqual(20);
    } finally {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      removeLink(ns, rootEnd);
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
