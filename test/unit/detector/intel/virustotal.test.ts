/** The VirusTotal v3 client against the local VirusTotal-format server. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookupVirusTotal } from '../../../../services/detector/intel/virustotal.ts';
import { startFakeVirusTotal, type FakeVirusTotal } from '../../../support/fake-virustotal.ts';

let vt: FakeVirusTotal;
beforeAll(async () => {
  vt = await startFakeVirusTotal();
});
afterAll(() => vt.close());

const opts = () => ({ apiKey: vt.apiKey, baseUrl: vt.baseUrl, timeoutMs: 300 });

describe('lookupVirusTotal', () => {
  it('reads last_analysis_stats and reputation of an IP and of a domain, with the x-apikey header', async () => {
    vt.answers.set('198.51.100.7', { malicious: 4, suspicious: 2, reputation: -30 });
    vt.answers.set('evil.example', { malicious: 11 });
    expect(await lookupVirusTotal('198.51.100.7', opts())).toEqual({ status: 'ok', stats: { malicious: 4, suspicious: 2, reputation: -30 } });
    expect(await lookupVirusTotal('evil.example', opts())).toEqual({ status: 'ok', stats: { malicious: 11, suspicious: 0, reputation: 0 } });
    expect(vt.requests.slice(-2).map((r) => [r.kind, r.entity, r.apiKey])).toEqual([
      ['ip_addresses', '198.51.100.7', vt.apiKey],
      ['domains', 'evil.example', vt.apiKey],
    ]);
  });

  it('asks for an IPv6 address on the ip_addresses endpoint', async () => {
    vt.answers.set('2001:db8::1', { suspicious: 5 });
    expect(await lookupVirusTotal('2001:db8::1', opts())).toEqual({ status: 'ok', stats: { malicious: 0, suspicious: 5, reputation: 0 } });
    expect(vt.requests.at(-1)?.kind).toBe('ip_addresses');
  });

  it('maps 404, 429, 401 and 5xx', async () => {
    expect(await lookupVirusTotal('203.0.113.250', opts())).toEqual({ status: 'not-found' });
    vt.answers.set('203.0.113.251', { status: 429 });
    expect(await lookupVirusTotal('203.0.113.251', opts())).toEqual({ status: 'rate-limited' });
    expect(await lookupVirusTotal('203.0.113.250', { ...opts(), apiKey: 'wrong' })).toEqual({ status: 'unauthorized' });
    vt.answers.set('203.0.113.252', { status: 500 });
    expect(await lookupVirusTotal('203.0.113.252', opts())).toEqual({ status: 'error', message: 'HTTP 500' });
  });

  it('gives up after timeoutMs and says so', async () => {
    vt.answers.set('203.0.113.253', { delayMs: 2000 });
    const started = Date.now();
    expect(await lookupVirusTotal('203.0.113.253', opts())).toEqual({ status: 'error', message: 'timeout after 300 ms' });
    expect(Date.now() - started).toBeLessThan(1500);
  });
});
