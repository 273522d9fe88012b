/**
 * Who this sensor is: a stable id (configured, or random and kept in a state file so it
 * survives restarts), the hostname, the OS and the host's non-internal addresses.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { hostname, networkInterfaces, platform, release, arch } from 'node:os';
import path from 'node:path';
import { ConfigError } from '../common/errors.ts';

export interface SensorIdentity {
  id: string;
  hostname: string;
  os: string;
  addresses: string[];
}

const STATE_FILE = 'sensor-id.json';

export function loadSensorIdentity(sensor: { id: string; stateDir: string }): SensorIdentity {
  return {
    id: sensor.id !== '' ? sensor.id : persistentId(sensor.stateDir),
    hostname: hostname(),
    os: `${platform()} ${release()} ${arch()}`,
    addresses: hostAddresses(),
  };
}

function persistentId(stateDir: string): string {
  const file = path.join(stateDir, STATE_FILE);
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { id?: unknown };
    if (typeof saved.id === 'string' && saved.id !== '') return saved.id;
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOENT' && !(err instanceof SyntaxError)) {
      throw new ConfigError(`sensor.stateDir: cannot read ${file} (expected a readable directory: ${(err as Error).message})`, { cause: err });
    }
  }
  const id = `sensor-${randomUUID()}`;
  try {
    mkdirSync(stateDir, { recursive: true });
    // Write then rename: a crash never leaves a half-written id behind.
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ id, createdAt: new Date().toISOString() })}\n`);
    renameSync(tmp, file);
  } catch (err) {
    throw new ConfigError(`sensor.stateDir: cannot write ${file} (expected a writable directory: ${(err as Error).message})`, { cause: err });
  }
  return id;
}

function hostAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (!a.internal) out.push(a.address);
  }
  return out;
}
