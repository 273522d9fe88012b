/**
 * A real WebSocket client that stops reading: the gateway first skips alert events for it, then
 * disconnects it, and its backlog never passes gateway.ws.maxBufferedBytes (plus one frame).
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Socket } from 'node:net';
import { MemoryBus } from '../../../services/common/bus/memory-bus.ts';
import { silentLogger } from '../../../services/common/observability/logger.ts';
import { metricsRegistry } from '../../../services/common/observability/metrics.ts';
import { startGateway, type RunningGateway } from '../../../services/gateway/run.ts';
import { WS_CLOSE_TOO_SLOW } from '../../../services/gateway/ws-hub.ts';
import { makeAlert } from './fixtures.ts';
import { API_KEY, testConfig } from './harness.ts';

async function metric(name: string): Promise<number> {
  const m = (await metricsRegistry.getMetricsAsJSON()).find((x) => x.name === name);
  return (m?.values ?? []).reduce((s, v) => s + Number(v.value), 0);
}

describe('a WebSocket client that stops reading', () => {
  let gateway: RunningGateway | null = null;
  afterEach(async () => {
    await gateway?.close();
  });

  it('is sampled, then dropped, while a healthy client gets everything', async () => {
    const maxBufferedBytes = 256 * 1024;
    gateway = await startGateway(testConfig({ 'gateway.port': 0, 'gateway.ws.sampleBufferedBytes': 64 * 1024, 'gateway.ws.maxBufferedBytes': maxBufferedBytes }), silentLogger, { bus: new MemoryBus() });
    const url = `${gateway.url.replace('http', 'ws')}/ws`;
    const open = (ws: WebSocket) => new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));
    const slow = new WebSocket(url, { headers: { 'x-api-key': API_KEY } });
    const healthy = new WebSocket(url, { headers: { 'x-api-key': API_KEY } });
    await Promise.all([open(slow), open(healthy)]);
    let healthyAlerts = 0;
    healthy.on('message', (data) => {
      if (String(data).startsWith('{"type":"alert"')) healthyAlerts += 1;
    });
    let closeCode = 0;
    slow.on('close', (code) => (closeCode = code));
    (slow as unknown as { _socket: Socket })._socket.pause();

    const skippedBefore = await metric('netsentinel_gateway_ws_events_skipped_total');
    const droppedBefore = await metric('netsentinel_gateway_ws_clients_dropped_total');
    const hub = gateway.context.hub as unknown as { clients: Set<{ socket: WebSocket }>; broadcast: (t: string, d: unknown) => void };
    const padding = 'x'.repeat(2000);
    let maxSeenBuffered = 0;
    const sent = 4000;
    for (let i = 0; i < sent; i += 1) {
      hub.broadcast('alert', { ...makeAlert(), padding });
      for (const client of hub.clients) maxSeenBuffered = Math.max(maxSeenBuffered, client.socket.bufferedAmount);
      // a 'stats' now and then pushes the backlog past the hard limit even while alerts are skipped
      if (i % 50 === 0) hub.broadcast('stats', { padding: padding.repeat(10) });
      if (i % 200 === 0) await new Promise((r) => setImmediate(r));
      // The healthy client is one that keeps up: on a loaded machine it may read slower than this
      // loop writes, and would then rightly be sampled too. Pace the loop to it (the paused one
      // keeps falling behind all the same).
      if (i % 100 === 99) {
        const caughtUp = Date.now() + 5000;
        while (healthyAlerts < i - 100 && Date.now() < caughtUp) await new Promise((r) => setTimeout(r, 5));
      }
    }
    const deadline = Date.now() + 10_000;
    while (healthyAlerts < sent && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(healthyAlerts).toBe(sent);
    expect(await metric('netsentinel_gateway_ws_events_skipped_total')).toBeGreaterThan(skippedBefore);
    expect(await metric('netsentinel_gateway_ws_clients_dropped_total')).toBe(droppedBefore + 1);
    expect(hub.clients.size).toBe(1);
    expect(maxSeenBuffered).toBeLessThanOrEqual(maxBufferedBytes + 25_000);
    (slow as unknown as { _socket: Socket })._socket.resume();
    const closedBy = Date.now() + 5000;
    while (closeCode === 0 && Date.now() < closedBy) await new Promise((r) => setTimeout(r, 20));
    expect([WS_CLOSE_TOO_SLOW, 1006]).toContain(closeCode);
    healthy.terminate();
    slow.terminate();
  });
});
