/**
 * A gateway built for tests: memory store, known credentials, every log line captured (at
 * trace level, so a secret logged at any level is caught). Shared by the API, WebSocket and
 * browser tests; pass `store` to run it on Redis.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { loadConfig } from '../../../services/common/config/load.ts';
import type { Config } from '../../../services/common/config/schema.ts';
import { createLogger } from '../../../services/common/observability/logger.ts';
import { buildGateway } from '../../../services/gateway/app.ts';
import { hashPassword } from '../../../services/gateway/auth.ts';
import { storeLimits } from '../../../services/gateway/run.ts';
import { MemoryAlertStore } from '../../../services/gateway/store/memory-alert-store.ts';
import type { AlertStore } from '../../../services/gateway/store/port.ts';

export const API_KEY = 'test-api-key-0123456789-abcdefghijklmnop';
export const PASSWORD = 'correct horse battery staple 42';
export const USERNAME = 'alice';
const PASSWORD_HASH = hashPassword(PASSWORD);

export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
  get text(): string {
    return this.lines.join('\n');
  }
}

export function testConfig(overrides: Record<string, unknown> = {}): Readonly<Config> {
  return loadConfig({
    env: {},
    overrides: {
      'gateway.apiKeys': [API_KEY],
      'gateway.users': [{ username: USERNAME, passwordHash: PASSWORD_HASH }],
      'gateway.sessionSecret': 'session-secret-for-tests-only-0123456789',
      'gateway.store': 'memory',
      'gateway.ws.statsIntervalMs': 200,
      ...overrides,
    },
  });
}

export async function testGateway(options: { overrides?: Record<string, unknown>; store?: AlertStore; now?: () => number } = {}) {
  const config = testConfig(options.overrides);
  const logs = new LogCapture();
  const logger = createLogger({ level: 'trace', destination: logs }) as pino.Logger;
  const store = options.store ?? new MemoryAlertStore(storeLimits(config.gateway));
  const { app, context } = await buildGateway({ config: config.gateway, store, logger, now: options.now });
  await app.ready();
  return { app, context, store, logs, config };
}

export const auth = { 'x-api-key': API_KEY };
