import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCerts } from '../../../services/cli/commands/certs.ts';
import { MemoryBus } from '../../../services/common/bus/memory-bus.ts';
import { silentLogger } from '../../../services/common/observability/logger.ts';
import { startGateway, type RunningGateway } from '../../../services/gateway/run.ts';
import { PASSWORD, testConfig, USERNAME } from './harness.ts';

function httpsCall(url: string, ca: Buffer, body?: unknown): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, method: body ? 'POST' : 'GET', headers: body ? { 'content-type': 'application/json' } : {}, servername: 'localhost' }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

describe('gateway with TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-tls-'));
  let gateway: RunningGateway;
  let ca: Buffer;
  beforeAll(async () => {
    const certs = generateCerts({ out: dir, hosts: [], days: 30 });
    ca = readFileSync(certs.files.caCert);
    const config = testConfig({ 'gateway.port': 0, 'gateway.tls.cert': certs.files.serverCert, 'gateway.tls.key': certs.files.serverKey });
    gateway = await startGateway(config, silentLogger, { bus: new MemoryBus() });
  });
  afterAll(async () => {
    await gateway?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves HTTPS verified by the generated CA, with HSTS and a Secure session cookie', async () => {
    expect(gateway.url.startsWith('https://')).toBe(true);
    const url = gateway.url.replace('127.0.0.1', 'localhost');
    const live = await httpsCall(`${url}/api/health/live`, ca);
    expect(live.status).toBe(200);
    expect(live.headers['strict-transport-security']).toContain('max-age=');
    const login = await httpsCall(`${url}/api/login`, ca, { username: USERNAME, password: PASSWORD });
    expect(login.status).toBe(200);
    expect(String(login.headers['set-cookie'])).toMatch(/; Secure/);
    // by address too: the certificate names 127.0.0.1
    expect((await httpsCall(`${gateway.url}/api/stats`, ca)).status).toBe(401);
  });
});
