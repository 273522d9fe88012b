/**
 * Who is calling: machines present an API key (x-api-key or Authorization: Bearer), people log
 * in once and carry an HttpOnly, SameSite=Strict session cookie. Every comparison of a secret
 * is constant-time; passwords are scrypt hashes; nothing here ever logs a secret.
 */
import { createHash, createHmac, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'ns_session';

export interface Principal {
  kind: 'api-key' | 'user';
  /** User name, or "api-key:<first 8 hex of the key's SHA-256>" (safe to show and log). */
  name: string;
}

export interface UserEntry {
  username: string;
  passwordHash: string;
}

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 };

export function hashPassword(password: string, salt: Buffer = randomBytes(16)): string {
  const hash = scryptSync(password, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

export function verifyPassword(password: string, encoded: string): boolean {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, salt, hash] = parts;
  const expected = Buffer.from(hash, 'base64url');
  const actual = scryptSync(password, Buffer.from(salt, 'base64url'), expected.length, { N: Number(n), r: Number(r), p: Number(p), maxmem: 64 * 1024 * 1024 });
  return timingSafeEqual(actual, expected);
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

export function apiKeyLabel(key: string): string {
  return `api-key:${sha256(key).toString('hex').slice(0, 8)}`;
}

export function generateApiKey(): string {
  return randomBytes(32).toString('base64url');
}

export interface AuthenticatorOptions {
  apiKeys: readonly string[];
  users: readonly UserEntry[];
  /** Empty = a random secret for this process. */
  sessionSecret: string;
  sessionTtlMs: number;
  now?: () => number;
}

interface SessionPayload {
  u: string;
  exp: number;
  n: string;
}

export class Authenticator {
  private readonly keyDigests: Array<{ digest: Buffer; label: string }>;
  private readonly users: Map<string, string>;
  private readonly secret: Buffer;
  private readonly sessionTtlMs: number;
  private readonly now: () => number;
  /** Logged-out session nonces until they expire anyway (bounded by the login rate limit). */
  private readonly revoked = new Map<string, number>();
  // Fixed-cost work for unknown user names, so timing does not tell which names exist.
  private readonly dummyHash = hashPassword('not-a-user', Buffer.alloc(16));

  constructor(options: AuthenticatorOptions) {
    this.keyDigests = options.apiKeys.map((key) => ({ digest: sha256(key), label: apiKeyLabel(key) }));
    this.users = new Map(options.users.map((u) => [u.username, u.passwordHash]));
    this.secret = options.sessionSecret ? Buffer.from(options.sessionSecret, 'utf8') : randomBytes(32);
    this.sessionTtlMs = options.sessionTtlMs;
    this.now = options.now ?? Date.now;
  }

  get hasCredentials(): boolean {
    return this.keyDigests.length > 0 || this.users.size > 0;
  }

  /** Constant-time over the candidate: every configured key is compared by digest. */
  checkApiKey(candidate: string): Principal | null {
    const digest = sha256(candidate);
    let match: string | null = null;
    for (const key of this.keyDigests) if (timingSafeEqual(digest, key.digest)) match = key.label;
    return match ? { kind: 'api-key', name: match } : null;
  }

  login(username: string, password: string): Principal | null {
    const hash = this.users.get(username);
    const ok = verifyPassword(password, hash ?? this.dummyHash);
    return hash && ok ? { kind: 'user', name: username } : null;
  }

  issueSession(username: string): { token: string; maxAgeSeconds: number } {
    const payload: SessionPayload = { u: username, exp: this.now() + this.sessionTtlMs, n: randomBytes(9).toString('base64url') };
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return { token: `${body}.${this.sign(body)}`, maxAgeSeconds: Math.floor(this.sessionTtlMs / 1000) };
  }

  checkSession(token: string): Principal | null {
    const dot = token.indexOf('.');
    if (dot <= 0) return null;
    const body = token.slice(0, dot);
    const mac = Buffer.from(token.slice(dot + 1), 'base64url');
    const expected = Buffer.from(this.sign(body), 'base64url');
    if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) return null;
    let payload: SessionPayload;
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as SessionPayload;
    } catch {
      return null;
    }
    if (typeof payload.exp !== 'number' || payload.exp <= this.now() || this.revoked.has(payload.n)) return null;
    // A user removed from the configuration loses access at once.
    if (!this.users.has(payload.u)) return null;
    return { kind: 'user', name: payload.u };
  }

  revokeSession(token: string): void {
    const body = token.split('.')[0];
    try {
      const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as SessionPayload;
      if (!this.checkSession(token)) return;
      const now = this.now();
      for (const [nonce, exp] of this.revoked) if (exp <= now) this.revoked.delete(nonce);
      this.revoked.set(payload.n, payload.exp);
    } catch {
      // not a token of ours: nothing to revoke
    }
  }

  private sign(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url');
  }

  /** The principal of a request: API key header, bearer token, or session cookie. */
  authenticate(request: FastifyRequest): Principal | null {
    const header = request.headers['x-api-key'];
    if (typeof header === 'string' && header) return this.checkApiKey(header);
    const authorization = request.headers.authorization;
    if (typeof authorization === 'string' && /^Bearer /i.test(authorization)) return this.checkApiKey(authorization.slice(7).trim());
    const cookie = request.cookies?.[SESSION_COOKIE];
    if (cookie) return this.checkSession(cookie);
    return null;
  }
}
