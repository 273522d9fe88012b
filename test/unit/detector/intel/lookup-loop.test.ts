/**
 * The shared-quota lookup loop against the local VirusTotal-format server, on the in-memory
 * StateStore: priority order, cache hits, negative caching, the quota, and 401 / 429 / timeout.
 * (The quota shared by three workers over the real Redis: test/integration/detector/virustotal-quota.test.ts.)
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../services/common/config/load.ts';
import { createLogger } from '../../../../services/common/observability/logger.ts';
import { MemoryStore } from '../../../../services/common/state/memory-store.ts';
import { INTEL_QUEUE } from '../../../../services/detector/engine/engine.ts';
import { startIntelLookups } from '../../../../services/detector/intel/lookup-loop.ts';
import { intelCacheKey } from '../../../../services/detector/intel/view.ts';
import { startFakeVirusTotal, type FakeVirusTotal } from '../../../support/fake-virustotal.ts';

let vt: FakeVirusTotal;
let clock: number;
let store: MemoryStore;
let lines: string[];
beforeEach(async () => {
  vt = await startFakeVirusTotal();
  clock = Date.UTC(2026, 0, 1, 12, 0, 0);
  store = new MemoryStore({ now: () => clock });
  lines = [];
});
afterEach(() => vt.close());

function loop(over: Record<string, unknown> = {}) {
  const config = loadConfig({
    env: {},
    overrides: { 'intel.virustotal.apiKey': vt.apiKey, 'intel.virustotal.baseUrl': vt.baseUrl, 'intel.virustotal.timeoutMs': 200, 'intel.virustotal.requestsPerMinute': 100, ...over },
  });
  const logger = createLogger({ level: 'info', destination: { write: (s: string) => void lines.push(s) } as never });
  return { config, loop: startIntelLookups(config, store, logger, { autostart: false, now: () => clock }) };
}

const want = (member: string, score = 1) => store.queuePush(INTEL_QUEUE, [{ member, score }], 100, 86_400_000);
const cached = async (entity: string) => {
  const [raw] = await store.get([intelCacheKey(entity)]);
  return raw === null ? null : (JSON.parse(raw) as Record<string, unknown>);
};

describe('intel lookup loop', () => {
  it('looks up the entity closest to a threshold first and caches the verdict for cacheTtlSeconds', async () => {
    vt.answers.set('198.51.100.1', { malicious: 1 });
    vt.answers.set('198.51.100.2', { malicious: 9 });
    const { loop: l } = loop();
    await want('198.51.100.1', 0.5);
    await want('198.51.100.2', 0.9);
    expect(await l.tick()).toBe('looked-up');
    expect(await l.tick()).toBe('looked-up');
    expect(vt.requests.map((r) => r.entity)).toEqual(['198.51.100.2', '198.51.100.1']);
    expect(await cached('198.51.100.1')).toMatchObject({ malicious: 1, source: 'virustotal' });
    expect(await l.tick()).toBe('idle');
    // The clean-ish verdict lives an hour; the malicious one (>= 3 engines) only 5 minutes.
    clock += 301_000;
    expect(await cached('198.51.100.2')).toBeNull();
    expect(await cached('198.51.100.1')).not.toBeNull();
    clock += 3_300_000;
    expect(await cached('198.51.100.1')).toBeNull();
  });

  it('does not ask the server again for a cached entity (cache hit)', async () => {
    vt.answers.set('evil.example', { malicious: 5 });
    const { loop: l } = loop();
    await want('evil.example');
    await l.tick();
    await want('evil.example');
    expect(await l.tick()).toBe('looked-up');
    expect(vt.requestsFor('evil.example')).toBe(1);
  });

  it('caches a 404 as an unknown (CLEAN) entity for negativeCacheTtlSeconds', async () => {
    const { loop: l } = loop({ 'intel.virustotal.negativeCacheTtlSeconds': 600 });
    await want('203.0.113.9');
    await l.tick();
    expect(await cached('203.0.113.9')).toMatchObject({ malicious: 0, suspicious: 0, reputation: 0, notFound: true });
    await want('203.0.113.9');
    await l.tick();
    expect(vt.requestsFor('203.0.113.9')).toBe(1);
    clock += 601_000;
    expect(await cached('203.0.113.9')).toBeNull();
    await want('203.0.113.9');
    await l.tick();
    expect(vt.requestsFor('203.0.113.9')).toBe(2);
  });

  it('never exceeds requestsPerMinute / requestsPerDay and waits for the window to roll over', async () => {
    const { loop: l } = loop({ 'intel.virustotal.requestsPerMinute': 4, 'intel.virustotal.requestsPerDay': 6 });
    for (let i = 0; i < 20; i++) await want(`198.51.100.${10 + i}`, i);
    const outcomes = [];
    for (let i = 0; i < 10; i++) outcomes.push(await l.tick());
    expect(vt.requests).toHaveLength(4);
    expect(outcomes.filter((o) => o === 'quota').length).toBe(6);
    clock += 60_000;
    for (let i = 0; i < 10; i++) await l.tick();
    expect(vt.requests).toHaveLength(6);
    // Nothing was lost while waiting: the 14 not looked up are still queued.
    expect((await store.queuePop(INTEL_QUEUE, 100)).length).toBe(14);
  });

  it('on 429 puts the entity back and pauses 60 s', async () => {
    vt.answers.set('198.51.100.50', { malicious: 2 });
    const { loop: l } = loop();
    vt.forceStatus = 429;
    await want('198.51.100.50');
    await l.tick();
    expect(vt.requests).toHaveLength(1);
    for (let i = 0; i < 5; i++) expect(await l.tick()).toBe('quota');
    clock += 59_000;
    expect(await l.tick()).toBe('quota');
    expect(vt.requests).toHaveLength(1);
    vt.forceStatus = null;
    clock += 1_500;
    await l.tick();
    expect(vt.requests).toHaveLength(2);
    expect(await cached('198.51.100.50')).toMatchObject({ malicious: 2 });
    expect(lines.filter((s) => s.includes('429')).length).toBe(1);
  });

  it('on 401 stops asking and logs one error', async () => {
    const { loop: l } = loop({ 'intel.virustotal.apiKey': 'revoked-key' });
    for (let i = 0; i < 5; i++) await want(`198.51.100.${60 + i}`);
    for (let i = 0; i < 5; i++) await l.tick();
    expect(vt.requests).toHaveLength(1);
    expect(await l.tick()).toBe('disabled');
    const errors = lines.map((s) => JSON.parse(s) as { level: number; msg: string }).filter((e) => e.level >= 50);
    expect(errors).toHaveLength(1);
    expect(errors[0].msg).toContain('401');
    expect(lines.join('')).not.toContain('revoked-key');
  });

  it('re-queues a timed-out lookup at a lower priority', async () => {
    vt.answers.set('198.51.100.70', { delayMs: 1000, then: { malicious: 3 } });
    vt.answers.set('198.51.100.71', { malicious: 0 });
    const { loop: l } = loop();
    await want('198.51.100.70', 0.8);
    await want('198.51.100.71', 0.5);
    await l.tick();
    expect(await cached('198.51.100.70')).toBeNull();
    const queued = await store.queuePop(INTEL_QUEUE, 10);
    expect(queued).toEqual([
      { member: '198.51.100.71', score: 0.5 },
      { member: '198.51.100.70', score: 0.4 },
    ]);
  });

  it('without a key never asks (every verdict is CLEAN)', async () => {
    const { loop: l } = loop({ 'intel.virustotal.apiKey': '' });
    await want('198.51.100.80');
    expect(await l.tick()).toBe('disabled');
    expect(vt.requests).toHaveLength(0);
  });
});
