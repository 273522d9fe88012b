import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MemoryBus } from '../../../services/common/bus/memory-bus.ts';
import { silentLogger } from '../../../services/common/observability/logger.ts';
import { createSerde } from '../../../services/common/serde/create-serde.ts';
import { topicNames } from '../../../services/common/topics.ts';
import { startGateway, type RunningGateway } from '../../../services/gateway/run.ts';
import { makeAlert, makeHeartbeat } from './fixtures.ts';
import { API_KEY, testConfig } from './harness.ts';

interface Frame {
  type: string;
  seq: number;
  data: Record<string, unknown>;
}

function connect(url: string, headers: Record<string, string>): Promise<{ ws: WebSocket; frames: Frame[] } | { status: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws') + '/ws', { headers });
    const frames: Frame[] = [];
    ws.on('message', (data) => frames.push(JSON.parse(String(data)) as Frame));
    ws.once('open', () => resolve({ ws, frames }));
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0 });
      ws.terminate();
    });
    ws.once('error', (err) => reject(err));
  });
}

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = probe();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('gateway on a bus, through a real socket', () => {
  let gateway: RunningGateway | null = null;
  const sockets: WebSocket[] = [];
  afterEach(async () => {
    for (const ws of sockets) ws.terminate();
    await gateway?.close();
    gateway = null;
  });

  it('refuses /ws without or with a wrong credential, and streams alerts, state changes, stats and sensors to a client with one', async () => {
    const config = testConfig({ 'gateway.port': 0 });
    const bus = new MemoryBus({ partitions: 2 });
    const serde = createSerde(config, silentLogger);
    await serde.init();
    gateway = await startGateway(config, silentLogger, { bus, serde });
    await gateway.consuming;
    expect(await connect(gateway.url, {})).toEqual({ status: 401 });
    expect(await connect(gateway.url, { 'x-api-key': 'wrong-wrong-wrong-wrong-wrong' })).toEqual({ status: 401 });
    expect(await connect(gateway.url, { cookie: 'ns_session=abc.def' })).toEqual({ status: 401 });
    const client = await connect(gateway.url, { 'x-api-key': API_KEY });
    if (!('ws' in client)) throw new Error(`expected a connection, got ${client.status}`);
    sockets.push(client.ws);
    await until('hello', () => client.frames.find((f) => f.type === 'hello'));

    const topics = topicNames(config);
    const alert = makeAlert({ severity: 'CRITICAL' });
    await bus.produce(topics.alerts, [{ key: alert.src, value: serde.encode('alert', alert) }]);
    await bus.produce(topics.alerts, [{ key: alert.src, value: Buffer.from('not avro') }]);
    await bus.produce(topics.alerts, [{ key: alert.src, value: serde.encode('alert', { ...alert, revision: 3, count: 7 }) }]);
    await bus.produce(topics.alerts, [{ key: alert.src, value: serde.encode('alert', { ...alert, revision: 2, count: 5 }) }]);
    await bus.produce(topics.heartbeats, [{ key: 'sensor-a', value: serde.encode('heartbeat', makeHeartbeat({ ts: Date.now() })) }]);

    const alertFrames = await until('two alert events', () => {
      const frames = client.frames.filter((f) => f.type === 'alert');
      return frames.length >= 2 && frames;
    });
    expect(alertFrames.map((f) => [f.data.outcome, (f.data.alert as { revision: number }).revision])).toEqual([
      ['created', 0],
      ['updated', 3],
    ]);
    const stored = await gateway.context.store.get(alert.id);
    expect(stored?.alert.count).toBe(7);
    await until('a sensors event listing the sensor', () => client.frames.find((f) => f.type === 'sensors' && (f.data.online as number) === 1));
    // Stats are pushed on a clock, computed from the store: one computed before the alert was
    // stored may arrive after the alert events, so wait for one that counts it (or time out).
    const threatLevel = (f: Frame): string => (f.data.threat as { level: string }).level;
    const stats = await until('a stats event whose threat level counts the CRITICAL alert', () => client.frames.find((f) => f.type === 'stats' && threatLevel(f) === 'CRITICAL'));
    expect((stats.data.threat as { level: string }).level).toBe('CRITICAL');

    const response = await fetch(`${gateway.url}/api/alerts/${alert.id}/acknowledge`, { method: 'POST', headers: { 'x-api-key': API_KEY } });
    expect(response.status).toBe(200);
    const stateFrame = await until('alert-state', () => client.frames.find((f) => f.type === 'alert-state'));
    expect(stateFrame.data).toMatchObject({ ids: [alert.id], state: 'acknowledged' });
    // only one alert stored, the undecodable message was skipped, the stale revision ignored
    expect((await gateway.context.store.query({}, { offset: 0, limit: 10 })).total).toBe(1);
  });

  it('answers 401 through a real socket on the REST routes too', async () => {
    const config = testConfig({ 'gateway.port': 0 });
    gateway = await startGateway(config, silentLogger, { bus: new MemoryBus() });
    for (const path of ['/api/alerts', '/api/stats', '/api/export?format=csv', '/metrics', '/docs/json']) {
      expect((await fetch(`${gateway.url}${path}`)).status, path).toBe(401);
      expect((await fetch(`${gateway.url}${path}`, { headers: { authorization: 'Bearer wrong-key-wrong-key-wrong' } })).status, path).toBe(401);
      expect((await fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${API_KEY}` } })).status, path).toBe(200);
    }
  });
});
