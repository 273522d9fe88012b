import { describe, expect, it } from 'vitest';
import { API_KEY, PASSWORD, testGateway, USERNAME } from './harness.ts';

describe('gateway logs', () => {
  it('never contain the API key, the password or the session cookie, at trace level, on success or failure', async () => {
    const h = await testGateway();
    try {
      const login = await h.app.inject({ method: 'POST', url: '/api/login', payload: { username: USERNAME, password: PASSWORD } });
      const cookie = String(login.headers['set-cookie']).split(';')[0];
      await h.app.inject({ method: 'POST', url: '/api/login', payload: { username: USERNAME, password: `${PASSWORD}-wrong` } });
      await h.app.inject({ url: '/api/alerts', headers: { 'x-api-key': API_KEY } });
      await h.app.inject({ url: '/api/alerts', headers: { authorization: `Bearer ${API_KEY}x` } });
      await h.app.inject({ url: '/api/alerts?limit=-1', headers: { cookie } });
      // a handler that logs the request object itself: the logger's redaction catches the headers
      h.app.log.info({ req: { headers: { 'x-api-key': API_KEY, authorization: `Bearer ${API_KEY}`, cookie } } }, 'request dump');
      h.app.log.info({ user: { password: PASSWORD, apiKey: API_KEY } }, 'object dump');
      expect(h.logs.lines.length).toBeGreaterThan(8);
      expect(h.logs.text).toContain('[redacted]');
      expect(h.logs.text).not.toContain(API_KEY);
      expect(h.logs.text).not.toContain(PASSWORD);
      expect(h.logs.text).not.toContain(cookie.split('=')[1]);
      expect(h.logs.text).toContain('login failed');
    } finally {
      await h.app.close();
    }
  });
});
