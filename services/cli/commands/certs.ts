/**
 * `netsentinel certs`: a CA, a server certificate whose names are this host's names and
 * addresses (plus localhost and any --host), an API key, a session secret and optionally a
 * dashboard user. Uses the system openssl. Secrets go only into files of mode 600; the
 * terminal shows paths and fingerprints, never a key or a password (the seed printed its key).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ConfigError, UsageError } from '../../common/errors.ts';
import { apiKeyLabel, generateApiKey, hashPassword } from '../../gateway/auth.ts';

export interface CertsOptions {
  out: string;
  hosts: string[];
  days: number;
  user?: string;
  force?: boolean;
}

export interface CertsResult {
  dir: string;
  files: Record<'caCert' | 'caKey' | 'serverCert' | 'serverKey' | 'config' | 'credentials', string>;
  names: string[];
  apiKeyLabel: string;
}

function openssl(args: string[], input?: string): string {
  try {
    return execFileSync('openssl', args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new ConfigError('openssl is not installed: install it (apt-get install openssl) and run netsentinel certs again');
    throw new ConfigError(`openssl ${args[0]} failed: ${(e.stderr ?? e.message).trim().split('\n')[0]}`);
  }
}

/** Every name this host answers to: localhost, its host name, its addresses, and the extras. */
export function subjectAltNames(extra: string[]): string[] {
  const names = new Set<string>(['DNS:localhost', 'IP:127.0.0.1', 'IP:::1']);
  const host = hostname();
  if (host && !isIP(host)) names.add(`DNS:${host}`);
  for (const list of Object.values(networkInterfaces())) {
    for (const address of list ?? []) {
      if (address.family === 'IPv6' && address.address.startsWith('fe80')) continue;
      names.add(`IP:${address.address}`);
    }
  }
  for (const name of extra) names.add(isIP(name) ? `IP:${name}` : `DNS:${name}`);
  return [...names];
}

function writeSecret(file: string, text: string): void {
  writeFileSync(file, text, { mode: 0o600 });
  chmodSync(file, 0o600);
}

export function generateCerts(options: CertsOptions): CertsResult {
  const dir = resolve(options.out);
  const files = {
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    serverCert: join(dir, 'server.crt'),
    serverKey: join(dir, 'server.key'),
    config: join(dir, 'gateway.config.json'),
    credentials: join(dir, 'credentials.json'),
  };
  if (!options.force && Object.values(files).some((f) => existsSync(f))) {
    throw new UsageError(`${dir} already holds certificates or secrets; pass --force to replace them`);
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const names = subjectAltNames(options.hosts);
  const caPass = process.env.NETSENTINEL_CA_PASSPHRASE;

  openssl(['ecparam', '-name', 'secp384r1', '-genkey', '-noout', '-out', files.caKey]);
  chmodSync(files.caKey, 0o600);
  openssl([
    'req', '-x509', '-new', '-key', files.caKey, '-sha384', '-days', '3650', '-out', files.caCert,
    '-subj', '/CN=NetSentinel CA/O=NetSentinel/OU=Security',
    '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:0',
    '-addext', 'keyUsage=critical,digitalSignature,keyCertSign,cRLSign',
  ]);

  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', files.serverKey]);
  chmodSync(files.serverKey, 0o600);
  const csr = openssl(['req', '-new', '-key', files.serverKey, '-subj', '/CN=NetSentinel Server/O=NetSentinel']);
  const ext = join(dir, 'server.ext');
  writeFileSync(
    ext,
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      `subjectAltName=${names.join(',')}`,
    ].join('\n'),
  );
  openssl(['x509', '-req', '-CA', files.caCert, '-CAkey', files.caKey, '-CAcreateserial', '-days', String(options.days), '-sha256', '-extfile', ext, '-out', files.serverCert], csr);

  if (caPass) {
    // Encrypt the CA key at rest with the operator's passphrase (the seed wrote it in clear).
    const encrypted = openssl(['pkey', '-in', files.caKey, '-aes256', '-passout', 'env:NETSENTINEL_CA_PASSPHRASE']);
    writeSecret(files.caKey, encrypted);
  }

  const apiKey = generateApiKey();
  const credentials: Record<string, string> = { apiKey };
  const users = [];
  if (options.user) {
    const password = randomBytes(18).toString('base64url');
    credentials.username = options.user;
    credentials.password = password;
    users.push({ username: options.user, passwordHash: hashPassword(password) });
  }
  writeSecret(files.credentials, `${JSON.stringify(credentials, null, 2)}\n`);
  writeSecret(
    files.config,
    `${JSON.stringify({ gateway: { apiKeys: [apiKey], users, sessionSecret: randomBytes(32).toString('base64url'), tls: { cert: files.serverCert, key: files.serverKey } } }, null, 2)}\n`,
  );
  return { dir, files, names, apiKeyLabel: apiKeyLabel(apiKey) };
}

export function registerCerts(program: Command): void {
  program
    .command('certs')
    .description('generate a CA, a server certificate for this host, an API key and a session secret (files of mode 600; nothing secret is printed)')
    .option('-o, --out <dir>', 'output directory', 'certs')
    .option('--host <name...>', 'extra DNS names or addresses for the server certificate')
    .option('--days <n>', 'validity of the server certificate in days', '825')
    .option('--user <name>', 'also create a dashboard user with a random password (in credentials.json)')
    .option('--force', 'replace existing files')
    .action((opts: { out: string; host?: string[]; days: string; user?: string; force?: boolean }) => {
      const days = Number(opts.days);
      if (!Number.isInteger(days) || days < 1 || days > 3650) throw new UsageError(`--days ${opts.days}: expected 1-3650`);
      const result = generateCerts({ out: opts.out, hosts: opts.host ?? [], days, user: opts.user, force: opts.force });
      const fingerprint = openssl(['x509', '-in', result.files.serverCert, '-noout', '-fingerprint', '-sha256']).trim();
      process.stdout.write(
        [
          `CA certificate:      ${result.files.caCert}  (key ${result.files.caKey}${process.env.NETSENTINEL_CA_PASSPHRASE ? ', encrypted' : ', unencrypted: set NETSENTINEL_CA_PASSPHRASE to encrypt it, or move it offline'})`,
          `server certificate:  ${result.files.serverCert}  (${fingerprint})`,
          `  names: ${result.names.join(', ')}`,
          `API key ${result.apiKeyLabel} and ${opts.user ? `the password of ${opts.user}` : 'no user'}: in ${result.files.credentials} (mode 600)`,
          `gateway configuration: netsentinel gateway --config ${result.files.config}`,
          '',
        ].join('\n'),
      );
    });
}
