/** What route plugins need, handed to each of them by app.ts. */
import type { Config } from '../common/config/schema.ts';
import type { Logger } from '../common/observability/logger.ts';
import type { Authenticator } from './auth.ts';
import type { AlertStore } from './store/port.ts';
import type { WsHub } from './ws-hub.ts';

export interface GatewayContext {
  config: Config['gateway'];
  store: AlertStore;
  hub: WsHub;
  auth: Authenticator;
  logger: Logger;
  now: () => number;
  version: string;
  tls: boolean;
  /** Extra readiness checks (bus connected, store reachable), by name. */
  readiness: () => Promise<Record<string, boolean>>;
  /** Every route registered, for tests and docs: method, url, and whether it needs no credential. */
  routes: Array<{ method: string; url: string; public: boolean }>;
}
