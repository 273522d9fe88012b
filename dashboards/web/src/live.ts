/**
 * The live stream: one WebSocket to /ws (the session cookie authenticates it), reconnecting
 * with backoff. Every (re)connect and every "resync" (the gateway skipped events for us) calls
 * onCatchUp so the page reloads what it may have missed.
 */
export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'offline';

export interface LiveHandlers {
  onEvent(type: string, data: unknown): void;
  onStatus(status: LiveStatus, detail: string): void;
  onCatchUp(): void;
  onUnauthorized(): void;
}

export class LiveStream {
  private socket: WebSocket | null = null;
  private attempt = 0;
  private timer: number | null = null;
  private stopped = false;

  constructor(private readonly handlers: LiveHandlers) {}

  start(): void {
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) window.clearTimeout(this.timer);
    this.socket?.close();
  }

  private open(): void {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
    this.handlers.onStatus(this.attempt === 0 ? 'connecting' : 'reconnecting', '');
    const socket = new WebSocket(url);
    this.socket = socket;
    let opened = false;
    socket.onopen = () => {
      opened = true;
      this.attempt = 0;
      this.handlers.onStatus('live', '');
      this.handlers.onCatchUp();
    };
    socket.onmessage = (event) => {
      let frame: { type: string; data: unknown };
      try {
        frame = JSON.parse(String(event.data)) as { type: string; data: unknown };
      } catch {
        return;
      }
      if (frame.type === 'resync') this.handlers.onCatchUp();
      else this.handlers.onEvent(frame.type, frame.data);
    };
    socket.onclose = () => {
      if (this.stopped) return;
      this.attempt += 1;
      const delay = Math.min(15_000, 500 * 2 ** Math.min(this.attempt, 5));
      this.handlers.onStatus(this.attempt > 3 ? 'offline' : 'reconnecting', `retry in ${Math.round(delay / 1000)} s`);
      if (!opened) {
        // A refused upgrade may mean the session ended: ask the API, which says 401 clearly.
        fetch('/api/me', { credentials: 'same-origin' })
          .then((r) => {
            if (r.status === 401) this.handlers.onUnauthorized();
          })
          .catch(() => undefined);
      }
      this.timer = window.setTimeout(() => this.open(), delay);
    };
  }
}
