import { describe, expect, it } from 'vitest';
import { Authenticator, hashPassword, verifyPassword } from '../../../services/gateway/auth.ts';

describe('auth', () => {
  it('hashes passwords with scrypt and verifies them', () => {
    const hash = hashPassword('s3cret!');
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(hash).not.toContain('s3cret');
    expect(verifyPassword('s3cret!', hash)).toBe(true);
    expect(verifyPassword('s3cret?', hash)).toBe(false);
    expect(verifyPassword('x', 'plain-text')).toBe(false);
  });

  it('accepts only configured API keys and signed, unexpired, unrevoked sessions of existing users', () => {
    let now = 1000;
    const auth = new Authenticator({ apiKeys: ['k'.repeat(40)], users: [{ username: 'bob', passwordHash: hashPassword('pw') }], sessionSecret: 'x'.repeat(32), sessionTtlMs: 60_000, now: () => now });
    expect(auth.checkApiKey('k'.repeat(40))?.kind).toBe('api-key');
    expect(auth.checkApiKey('k'.repeat(39))).toBeNull();
    expect(auth.login('bob', 'pw')).toEqual({ kind: 'user', name: 'bob' });
    expect(auth.login('bob', 'nope')).toBeNull();
    expect(auth.login('eve', 'pw')).toBeNull();
    const { token } = auth.issueSession('bob');
    expect(auth.checkSession(token)).toEqual({ kind: 'user', name: 'bob' });
    const [body, mac] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), u: 'admin' })).toString('base64url');
    expect(auth.checkSession(`${forged}.${mac}`)).toBeNull();
    const otherSecret = new Authenticator({ apiKeys: [], users: [{ username: 'bob', passwordHash: 'x' }], sessionSecret: 'y'.repeat(32), sessionTtlMs: 60_000, now: () => now });
    expect(otherSecret.checkSession(token)).toBeNull();
    now += 60_001;
    expect(auth.checkSession(token)).toBeNull();
    now = 1000;
    auth.revokeSession(token);
    expect(auth.checkSession(token)).toBeNull();
  });
});
