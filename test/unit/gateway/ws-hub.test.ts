import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { WS_CLOSE_TOO_SLOW, WsHub } from '../../../services/gateway/ws-hub.ts';

/** A socket whose unsent byte count the test controls, as a stalled network would. */
class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  sent: string[] = [];
  closedWith: number | null = null;
  send(text: string): void {
    this.sent.push(text);
    this.bufferedAmount += text.length;
  }
  close(code: number): void {
    this.closedWith = code;
    this.readyState = 3;
    this.emit('close');
  }
  terminate(): void {
    this.readyState = 3;
  }
  ping(): void {}
}

const limits = { sampleBufferedBytes: 1000, maxBufferedBytes: 5000, maxClients: 3 };
const principal = { kind: 'api-key' as const, name: 'api-key:test' };

describe('WsHub', () => {
  it('skips alert events for a client with a backlog, then tells it how many it missed', () => {
    const hub = new WsHub(limits);
    const slow = new FakeSocket();
    const fast = new FakeSocket();
    hub.add(slow as unknown as WebSocket, principal);
    hub.add(fast as unknown as WebSocket, principal);
    slow.bufferedAmount = 1500;
    for (let i = 0; i < 10; i += 1) hub.broadcast('alert', { n: i });
    fast.bufferedAmount = 0;
    expect(fast.sent.filter((t) => t.includes('"alert"'))).toHaveLength(10);
    expect(slow.sent.filter((t) => JSON.parse(t).type === 'alert')).toHaveLength(0);
    // stats still flow to the slow client, they replace each other
    hub.broadcast('stats', { total: 1 });
    expect(JSON.parse(slow.sent.at(-1)!).type).toBe('stats');
    slow.bufferedAmount = 0;
    hub.broadcast('alert', { n: 10 });
    const tail = slow.sent.slice(-2).map((t) => JSON.parse(t));
    expect(tail[0]).toMatchObject({ type: 'resync', data: { missed: 10 } });
    expect(tail[1]).toMatchObject({ type: 'alert', data: { n: 10 } });
  });

  it('disconnects a client whose backlog would pass the hard limit, so its memory is bounded', () => {
    const hub = new WsHub(limits);
    const stuck = new FakeSocket();
    hub.add(stuck as unknown as WebSocket, principal);
    stuck.bufferedAmount = 4990;
    hub.broadcast('stats', { big: 'x'.repeat(100) });
    expect(stuck.closedWith).toBe(WS_CLOSE_TOO_SLOW);
    expect(hub.size).toBe(0);
    const sentBefore = stuck.sent.length;
    hub.broadcast('alert', {});
    expect(stuck.sent.length).toBe(sentBefore);
  });

  it('refuses clients beyond maxClients', () => {
    const hub = new WsHub(limits);
    const sockets = Array.from({ length: 4 }, () => new FakeSocket());
    const accepted = sockets.map((s) => hub.add(s as unknown as WebSocket, principal));
    expect(accepted).toEqual([true, true, true, false]);
    expect(sockets[3].closedWith).toBe(1013);
    expect(hub.size).toBe(3);
  });
});
