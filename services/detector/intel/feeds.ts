/**
 * Offline threat-intel feeds: plain files with one IP, CIDR or domain per line ('#' starts a
 * comment). Read once at start; a hit is a CRITICAL verdict with source 'feed:<file name>'.
 * Also reads the Tor relay list (detector.tor.feedFile), which has the same format.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { isIP } from 'node:net';
import { ConfigError } from '../../common/errors.ts';
import { CidrSet, domainMatches } from '../net.ts';

export interface FeedEntries {
  addresses: string[];
  domains: string[];
}

export function readFeedFile(path: string): FeedEntries {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`feed file ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)}); fix intel.feeds.files or detector.tor.feedFile`);
  }
  const addresses: string[] = [];
  const domains: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim().split(/[\s,]+/)[0] ?? '';
    if (!line) continue;
    if (isIP(line.split('/')[0])) addresses.push(line);
    else if (/^[a-z0-9_.-]+\.[a-z0-9-]+$/i.test(line)) domains.push(line.toLowerCase());
  }
  return { addresses, domains };
}

export class Feeds {
  private readonly sets: Array<{ name: string; cidrs: CidrSet; domains: string[] }>;

  constructor(files: readonly string[]) {
    this.sets = files.map((file) => {
      const entries = readFeedFile(file);
      return { name: `feed:${basename(file)}`, cidrs: new CidrSet(entries.addresses), domains: entries.domains };
    });
  }

  get empty(): boolean {
    return this.sets.length === 0;
  }

  /** The feed that lists this IP or domain, if any. */
  match(entity: string): string | null {
    const ip = isIP(entity) !== 0;
    for (const set of this.sets) {
      if (ip ? set.cidrs.has(entity) : set.domains.some((d) => domainMatches(entity, d))) return set.name;
    }
    return null;
  }
}
