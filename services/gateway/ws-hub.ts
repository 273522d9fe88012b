/**
 * Fan-out of live events to WebSocket clients. Each event is serialised once. A client whose
 * socket has more than sampleBufferedBytes unsent skips alert events (it is told how many it
 * missed with a "resync" event once it drains, and catches up from /api/alerts); past
 * maxBufferedBytes it is disconnected. So a slow client costs at most maxBufferedBytes of
 * server memory, and never slows the others.
 */
import type { WebSocket } from 'ws';
import { counter, gauge } from '../common/observability/metrics.ts';
import type { Principal } from './auth.ts';

export type HubEventType = 'hello' | 'alert' | 'alert-state' | 'stats' | 'sensors' | 'resync';

export interface HubLimits {
  sampleBufferedBytes: number;
  maxBufferedBytes: number;
  maxClients: number;
}

interface Client {
  socket: WebSocket;
  principal: Principal;
  missed: number;
  alive: boolean;
}

const sentTotal = counter('netsentinel_gateway_ws_events_sent_total', 'WebSocket events sent to clients', ['type']);
const skippedTotal = counter('netsentinel_gateway_ws_events_skipped_total', 'Alert events not sent to a slow WebSocket client');
const droppedTotal = counter('netsentinel_gateway_ws_clients_dropped_total', 'WebSocket clients disconnected for falling too far behind');
const clientsGauge = gauge('netsentinel_gateway_ws_clients', 'Connected WebSocket clients');

export const WS_CLOSE_TOO_SLOW = 4008;
export const WS_CLOSE_FULL = 1013;

export class WsHub {
  private readonly clients = new Set<Client>();
  private seq = 0;
  private pingTimer: NodeJS.Timeout | null = null;

  constructor(private readonly limits: HubLimits) {}

  get size(): number {
    return this.clients.size;
  }

  /** Returns false (and closes the socket) when the hub is full. */
  add(socket: WebSocket, principal: Principal): boolean {
    if (this.clients.size >= this.limits.maxClients) {
      socket.close(WS_CLOSE_FULL, 'too many clients');
      return false;
    }
    const client: Client = { socket, principal, missed: 0, alive: true };
    this.clients.add(client);
    clientsGauge.set(this.clients.size);
    socket.on('close', () => {
      this.clients.delete(client);
      clientsGauge.set(this.clients.size);
    });
    socket.on('pong', () => {
      client.alive = true;
    });
    // Clients only listen; anything they send is ignored (bounded by ws maxPayload).
    this.sendTo(client, this.frame('hello', { user: principal.name, kind: principal.kind }), 'hello');
    return true;
  }

  private frame(type: HubEventType, data: unknown): string {
    this.seq += 1;
    return JSON.stringify({ type, seq: this.seq, data });
  }

  broadcast(type: HubEventType, data: unknown): void {
    if (this.clients.size === 0) return;
    const text = this.frame(type, data);
    for (const client of this.clients) this.sendTo(client, text, type);
  }

  private sendTo(client: Client, text: string, type: HubEventType): void {
    const socket = client.socket;
    if (socket.readyState !== socket.OPEN) return;
    const buffered = socket.bufferedAmount;
    if (buffered + text.length > this.limits.maxBufferedBytes) {
      droppedTotal.inc();
      this.clients.delete(client);
      clientsGauge.set(this.clients.size);
      socket.close(WS_CLOSE_TOO_SLOW, 'client too slow');
      // close() waits for the buffered data; terminate frees it now.
      setTimeout(() => socket.terminate(), 1000).unref();
      return;
    }
    if (type === 'alert' && buffered > this.limits.sampleBufferedBytes) {
      client.missed += 1;
      skippedTotal.inc();
      return;
    }
    if (client.missed > 0 && buffered <= this.limits.sampleBufferedBytes) {
      const missed = client.missed;
      client.missed = 0;
      socket.send(this.frame('resync', { missed }));
      sentTotal.inc({ type: 'resync' });
    }
    socket.send(text);
    sentTotal.inc({ type });
  }

  /** Pings every interval; a client that did not answer the previous ping is terminated. */
  startKeepalive(intervalMs = 30_000): void {
    this.pingTimer = setInterval(() => {
      for (const client of this.clients) {
        if (!client.alive) {
          client.socket.terminate();
          continue;
        }
        client.alive = false;
        client.socket.ping();
      }
    }, intervalMs);
    this.pingTimer.unref();
  }

  close(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    for (const client of this.clients) client.socket.close(1001, 'gateway shutting down');
    this.clients.clear();
    clientsGauge.set(0);
  }
}
