/**
 * Secure by default: a gateway with no API key and no user does not start open. It creates an
 * admin user with a random password and an API key once, in a file only its owner can read,
 * and logs where the file is (never what is in it).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from '../common/errors.ts';
import { generateApiKey, hashPassword, type UserEntry } from './auth.ts';

export interface BootstrapCredentials {
  username: string;
  password: string;
  apiKey: string;
}

export function loadOrCreateCredentials(file: string): { credentials: BootstrapCredentials; created: boolean } {
  if (existsSync(file)) {
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as BootstrapCredentials;
      if (parsed.username && parsed.password && parsed.apiKey) return { credentials: parsed, created: false };
    } catch {
      // fall through to the error below
    }
    throw new ConfigError(`gateway.credentialsFile ${file}: not a credentials file (expected {"username","password","apiKey"}); delete it to have a new one generated`);
  }
  const credentials: BootstrapCredentials = { username: 'admin', password: randomBytes(18).toString('base64url'), apiKey: generateApiKey() };
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return { credentials, created: true };
}

export function usersFromCredentials(credentials: BootstrapCredentials): UserEntry[] {
  return [{ username: credentials.username, passwordHash: hashPassword(credentials.password) }];
}
