import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateCerts, subjectAltNames } from '../../../../services/cli/commands/certs.ts';
import { verifyPassword } from '../../../../services/gateway/auth.ts';

describe('netsentinel certs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-certs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a CA, a server certificate naming this host, an API key and a user, secrets mode 600, nothing secret on stdout', () => {
    const out = execFileSync('node', ['bin/netsentinel.js', 'certs', '-o', dir, '--user', 'admin', '--host', 'sentinel.lab', '--host', '10.9.8.7'], { encoding: 'utf8' });
    const credentials = JSON.parse(readFileSync(join(dir, 'credentials.json'), 'utf8')) as { apiKey: string; username: string; password: string };
    expect(credentials.apiKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(out).not.toContain(credentials.apiKey);
    expect(out).not.toContain(credentials.password);
    for (const file of ['ca.key', 'server.key', 'credentials.json', 'gateway.config.json']) expect(statSync(join(dir, file)).mode & 0o777, file).toBe(0o600);
    const san = execFileSync('openssl', ['x509', '-in', join(dir, 'server.crt'), '-noout', '-ext', 'subjectAltName'], { encoding: 'utf8' });
    for (const name of ['DNS:localhost', 'IP Address:127.0.0.1', 'DNS:sentinel.lab', 'IP Address:10.9.8.7']) expect(san).toContain(name);
    for (const name of subjectAltNames([]).filter((n) => n.startsWith('IP:') && !n.includes(':', 3))) expect(san).toContain(name.replace('IP:', 'IP Address:'));
    expect(execFileSync('openssl', ['verify', '-CAfile', join(dir, 'ca.crt'), join(dir, 'server.crt')], { encoding: 'utf8' })).toContain('OK');
    const config = JSON.parse(readFileSync(join(dir, 'gateway.config.json'), 'utf8'));
    expect(config.gateway.apiKeys).toEqual([credentials.apiKey]);
    expect(verifyPassword(credentials.password, config.gateway.users[0].passwordHash)).toBe(true);
    expect(config.gateway.tls.cert).toBe(join(dir, 'server.crt'));
  });

  it('refuses to overwrite existing material without --force', () => {
    expect(() => generateCerts({ out: dir, hosts: [], days: 30 })).toThrow(/--force/);
  });
});
