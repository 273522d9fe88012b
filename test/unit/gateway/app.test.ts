import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { makeAlert, makeHeartbeat } from './fixtures.ts';
import { API_KEY, auth, PASSWORD, testGateway, USERNAME } from './harness.ts';

type Harness = Awaited<ReturnType<typeof testGateway>>;

/** Every response the tests saw, checked for secrets at the end. */
const seen: LightMyRequestResponse[] = [];

function concrete(url: string): string {
  return url.replace(':id', 'al-00000001').replace('*', 'index.html');
}

describe('gateway API', () => {
  let h: Harness;
  const NOW = 1_800_000_000_000;
  beforeEach(async () => {
    h = await testGateway({ now: () => NOW });
  });
  afterEach(async () => {
    await h.app.close();
    const secretsSeen = seen.filter((r) => r.body.includes(API_KEY) || r.body.includes(PASSWORD) || JSON.stringify(r.headers).includes(API_KEY));
    expect(secretsSeen.map((r) => r.body.slice(0, 100))).toEqual([]);
    expect(h.logs.text).not.toContain(API_KEY);
    expect(h.logs.text).not.toContain(PASSWORD);
  });

  async function req(opts: InjectOptions): Promise<LightMyRequestResponse> {
    const response = await h.app.inject(opts);
    seen.push(response);
    return response;
  }

  it('answers 401 on every protected route without a credential, with a wrong one, or with a forged session', async () => {
    const protectedRoutes = h.context.routes.filter((r) => !r.public && r.method !== 'OPTIONS');
    expect(protectedRoutes.length).toBeGreaterThan(20);
    const urls = protectedRoutes.map((r) => r.url);
    for (const needed of ['/api/alerts', '/api/alerts/:id', '/api/alerts/:id/acknowledge', '/api/alerts/resolve', '/api/stats', '/api/sensors', '/api/export', '/api/report', '/api/health', '/metrics', '/ws', '/docs/json', '/api/logout', '/api/me']) {
      expect(urls).toContain(needed);
    }
    const forged = 'eyJ1IjoiYWxpY2UiLCJleHAiOjk5OTk5OTk5OTk5OTl9.AAAA';
    const wrong = [{}, { 'x-api-key': `${API_KEY}x` }, { authorization: 'Bearer nope-nope-nope-nope-nope-nope' }, { authorization: `Basic ${Buffer.from(`x:${API_KEY}`).toString('base64')}` }, { cookie: `ns_session=${forged}` }];
    for (const route of [...protectedRoutes, { method: 'GET', url: '/api/no-such-route' }]) {
      for (const headers of wrong) {
        const response = await req({ method: route.method as InjectOptions['method'], url: concrete(route.url), headers, payload: route.method === 'POST' ? {} : undefined });
        expect(response.statusCode, `${route.method} ${route.url} ${JSON.stringify(headers)}`).toBe(401);
        if (route.method !== 'HEAD') expect(response.json()).toMatchObject({ code: 'NS_ERR_AUTH' });
      }
    }
    // the liveness probe and the login form are the only public API routes
    expect(h.context.routes.filter((r) => r.public && r.url.startsWith('/api')).map((r) => r.url).sort()).toEqual(['/api/health/live', '/api/health/live', '/api/login']);
  });

  it('accepts the API key as x-api-key and as a bearer token', async () => {
    expect((await req({ url: '/api/me', headers: auth })).json()).toEqual({ name: expect.stringMatching(/^api-key:[0-9a-f]{8}$/), kind: 'api-key' });
    expect((await req({ url: '/api/me', headers: { authorization: `Bearer ${API_KEY}` } })).statusCode).toBe(200);
  });

  it('logs a user in with an HttpOnly SameSite=Strict cookie, and out again', async () => {
    const bad = await req({ method: 'POST', url: '/api/login', payload: { username: USERNAME, password: 'wrong' } });
    expect(bad.statusCode).toBe(401);
    const unknown = await req({ method: 'POST', url: '/api/login', payload: { username: 'mallory', password: PASSWORD } });
    expect(unknown.statusCode).toBe(401);
    const ok = await req({ method: 'POST', url: '/api/login', payload: { username: USERNAME, password: PASSWORD } });
    expect(ok.statusCode).toBe(200);
    const setCookie = String(ok.headers['set-cookie']);
    expect(setCookie).toMatch(/^ns_session=[^;]+;/);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).not.toContain('Secure');
    const cookie = setCookie.split(';')[0];
    expect((await req({ url: '/api/me', headers: { cookie } })).json()).toEqual({ name: USERNAME, kind: 'user' });
    // a session may not change state from another site
    const crossSite = await req({ method: 'POST', url: '/api/alerts/acknowledge', headers: { cookie, origin: 'https://evil.example' }, payload: { ids: ['x'] } });
    expect(crossSite.statusCode).toBe(403);
    const logout = await req({ method: 'POST', url: '/api/logout', headers: { cookie } });
    expect(logout.statusCode).toBe(204);
    expect((await req({ url: '/api/me', headers: { cookie } })).statusCode).toBe(401);
  });

  it('answers 400 naming the field for bad input', async () => {
    const cases: Array<[InjectOptions, string]> = [
      [{ url: '/api/alerts?limit=5000' }, 'limit'],
      [{ url: '/api/alerts?limit=abc' }, 'limit'],
      [{ url: '/api/alerts?severity=HIGH,SEVERE' }, 'severity'],
      [{ url: '/api/alerts?category=nope' }, 'category'],
      [{ url: '/api/alerts?state=closed' }, 'state'],
      [{ url: '/api/alerts?from=yesterday' }, 'from'],
      [{ url: '/api/alerts?from=2030-01-02&to=2030-01-01' }, 'from'],
      [{ url: '/api/alerts?bogus=1' }, 'bogus'],
      [{ url: `/api/alerts?q=${'x'.repeat(201)}` }, 'q'],
      [{ url: '/api/alerts/bad%20id' }, 'id'],
      [{ url: '/api/export?format=xml' }, 'format'],
      [{ url: '/api/report?since=forever' }, 'since'],
      [{ method: 'POST', url: '/api/alerts/acknowledge', payload: {} }, 'body'],
      [{ method: 'POST', url: '/api/alerts/acknowledge', payload: { ids: [] } }, 'ids'],
      [{ method: 'POST', url: '/api/alerts/acknowledge', payload: { filter: { severity: 'BAD' } } }, 'filter.severity'],
      [{ method: 'POST', url: '/api/alerts/acknowledge', payload: { filter: {} } }, 'filter'],
      [{ method: 'POST', url: '/api/login', payload: { username: 'a' } }, 'password'],
    ];
    for (const [opts, field] of cases) {
      const response = await req({ ...opts, headers: { ...auth, ...((opts.headers as Record<string, string>) ?? {}) } });
      expect(response.statusCode, `${opts.url}`).toBe(400);
      const body = response.json();
      expect(body.code).toBe('NS_ERR_REQUEST');
      expect(body.field, `${opts.url}`).toBe(field);
      expect(body.message).toContain(field.split('.').pop());
    }
  });

  it('lists, filters, searches and pages alerts; one alert comes with its group', async () => {
    const a = makeAlert({ severity: 'CRITICAL', category: 'syn_flood', src: '10.5.5.5', title: 'SYN flood on web01' });
    const b = makeAlert({ severity: 'LOW', src: '10.5.5.5' });
    const c = makeAlert({ severity: 'HIGH', src: '10.6.6.6', dst: '10.5.5.5' });
    await h.store.upsert([a, b, c], NOW);
    const all = (await req({ url: '/api/alerts', headers: auth })).json();
    expect(all.total).toBe(3);
    expect(all.items.map((s: { alert: { id: string } }) => s.alert.id)).toEqual([c.id, b.id, a.id]);
    expect((await req({ url: '/api/alerts?severity=CRITICAL,HIGH&limit=1&offset=1', headers: auth })).json()).toMatchObject({ total: 2, items: [{ alert: { id: a.id } }] });
    expect((await req({ url: '/api/alerts?q=web01', headers: auth })).json().total).toBe(1);
    expect((await req({ url: '/api/alerts?address=10.5.5.5', headers: auth })).json().total).toBe(3);
    const one = (await req({ url: `/api/alerts/${a.id}`, headers: auth })).json();
    expect(one.alert.alert.id).toBe(a.id);
    expect(one.group.map((s: { alert: { id: string } }) => s.alert.id).sort()).toEqual([b.id, c.id].sort());
    expect((await req({ url: '/api/alerts/al-nothere', headers: auth })).statusCode).toBe(404);
  });

  it('acknowledges, resolves and reopens one alert or all matching, recording who', async () => {
    const alerts = [makeAlert({ severity: 'HIGH' }), makeAlert({ severity: 'HIGH' }), makeAlert({ severity: 'LOW' })];
    await h.store.upsert(alerts, NOW);
    const one = await req({ method: 'POST', url: `/api/alerts/${alerts[2].id}/acknowledge`, headers: auth });
    expect(one.json()).toMatchObject({ changed: 1, state: 'acknowledged' });
    expect((await h.store.get(alerts[2].id))?.stateBy).toMatch(/^api-key:/);
    const bulk = await req({ method: 'POST', url: '/api/alerts/resolve', headers: auth, payload: { filter: { severity: 'HIGH' } } });
    expect(bulk.json()).toEqual({ changed: 2, state: 'resolved' });
    expect((await req({ url: '/api/alerts?state=resolved', headers: auth })).json().total).toBe(2);
    const reopen = await req({ method: 'POST', url: '/api/alerts/reopen', headers: auth, payload: { ids: [alerts[0].id] } });
    expect(reopen.json()).toEqual({ changed: 1, state: 'new' });
    expect((await req({ method: 'POST', url: '/api/alerts/al-missing/resolve', headers: auth })).statusCode).toBe(404);
  });

  it('reports stats with the threat level over the recent window, and the sensors', async () => {
    await h.store.upsert([makeAlert({ severity: 'MEDIUM' }), makeAlert({ severity: 'MEDIUM' }), makeAlert({ severity: 'MEDIUM' })], NOW - 5 * 60_000);
    let stats = (await req({ url: '/api/stats', headers: auth })).json();
    expect(stats.threat).toMatchObject({ level: 'ELEVATED', windowMinutes: 15 });
    expect(stats.timeline).toHaveLength(60);
    expect(stats.last5Minutes).toBe(0);
    await h.store.upsert([makeAlert({ severity: 'CRITICAL', category: 'arp_spoofing' })], NOW - 20 * 60_000);
    stats = (await req({ url: '/api/stats', headers: auth })).json();
    // a CRITICAL 20 minutes ago is outside the 15-minute window
    expect(stats.threat.level).toBe('ELEVATED');
    expect(stats.bySeverity.CRITICAL).toBe(1);
    await h.store.recordHeartbeat(makeHeartbeat({ sensorId: 's1', ts: NOW - 1000 }), NOW);
    await h.store.recordHeartbeat(makeHeartbeat({ sensorId: 's2', ts: NOW - 100_000 }), NOW);
    const sensors = (await req({ url: '/api/sensors', headers: auth })).json();
    expect(sensors).toMatchObject({ online: 1, total: 2 });
  });

  it('exports JSON, NDJSON and CSV as downloads, and a report in the seed format', async () => {
    const alerts = [makeAlert({ severity: 'HIGH', title: '=HYPERLINK("x")' }), makeAlert({ severity: 'CRITICAL', category: 'arp_spoofing' })];
    await h.store.upsert(alerts, NOW);
    const json = await req({ url: '/api/export', headers: auth });
    expect(json.headers['content-disposition']).toMatch(/attachment; filename="netsentinel-alerts-.*\.json"/);
    expect(JSON.parse(json.body).map((a: { id: string }) => a.id)).toEqual([alerts[1].id, alerts[0].id]);
    const ndjson = await req({ url: '/api/export?format=ndjson&severity=HIGH', headers: auth });
    expect(ndjson.body.trim().split('\n').map((l) => JSON.parse(l).id)).toEqual([alerts[0].id]);
    const csv = await req({ url: '/api/export?format=csv', headers: auth });
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0].startsWith('id,revision,severity,category,title')).toBe(true);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toContain(`"'=HYPERLINK(""x"")"`);
    const report = (await req({ url: '/api/report?since=1h', headers: auth })).json();
    expect(Object.keys(report)).toEqual(expect.arrayContaining(['report_metadata', 'executive_summary', 'threat_events', 'network_state', 'system_metrics', 'recommendations']));
    expect(report.executive_summary).toMatchObject({ total_threats: 2, risk_level: 'CRITICAL' });
    expect(report.threat_events[0].severity).toBe('CRITICAL');
    expect(report.recommendations).toContain('Enable dynamic ARP inspection (DAI) on managed switches.');
  });

  it('sends security headers and keeps CORS closed by default', async () => {
    const response = await req({ url: '/api/stats', headers: { ...auth, origin: 'https://elsewhere.example' } });
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
    expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    expect(response.headers['strict-transport-security']).toBeUndefined();
  });

  it('serves the login page and assets without a credential, and no secret in them', async () => {
    const page = await req({ url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain(API_KEY);
    for (const asset of page.body.match(/\/assets\/[^"]+/g) ?? []) {
      const response = await req({ url: asset });
      expect(response.statusCode).toBe(200);
      expect(response.body).not.toContain(API_KEY);
    }
  });

  it('serves the health, metrics and OpenAPI documents to a caller with a key', async () => {
    expect((await req({ url: '/api/health/live' })).json()).toEqual({ status: 'ok' });
    expect((await req({ url: '/api/health', headers: auth })).json()).toMatchObject({ status: 'ok' });
    expect((await req({ url: '/metrics', headers: auth })).body).toContain('netsentinel_');
    const openapi = (await req({ url: '/docs/json', headers: auth })).json();
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/api/alerts', '/api/alerts/{id}', '/api/stats', '/api/export', '/api/report']));
  });
});

describe('gateway rate limits', () => {
  it('answers 429 to a flood, and to a login flood sooner', async () => {
    const h = await testGateway({ overrides: { 'gateway.rateLimit.max': 30, 'gateway.rateLimit.loginMax': 5 } });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 40; i += 1) codes.push((await h.app.inject({ url: '/api/stats', headers: auth, remoteAddress: '10.0.0.1' })).statusCode);
      expect(codes.filter((c) => c === 200)).toHaveLength(30);
      expect(codes.slice(30).every((c) => c === 429)).toBe(true);
      // unauthenticated floods are limited too, before any password hashing
      const logins: number[] = [];
      for (let i = 0; i < 8; i += 1) logins.push((await h.app.inject({ method: 'POST', url: '/api/login', payload: { username: USERNAME, password: 'guess' }, remoteAddress: '10.0.0.2' })).statusCode);
      expect(logins.slice(0, 5).every((c) => c === 401)).toBe(true);
      expect(logins.slice(5).every((c) => c === 429)).toBe(true);
      const limited = await h.app.inject({ url: '/api/stats', headers: auth, remoteAddress: '10.0.0.1' });
      expect(limited.json()).toMatchObject({ statusCode: 429, code: 'NS_ERR_RATE_LIMIT' });
    } finally {
      await h.app.close();
    }
  });
});
