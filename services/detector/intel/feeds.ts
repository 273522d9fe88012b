/**
 * Offline threat-intel feeds: plain files with one IP, CIDR or domain per line ('#' starts a
 * comment); a hit is a CRITICAL verdict with source 'feed:<file name>'. Also reads the Tor relay
 * list (detector.tor.feedFile), which has the same format. Blocklists and relay lists change by
 * the hour (a cron job fetches abuse.ch's or Tor's): a file is read again when its modification
 * time or size changed (FeedFile#refresh, at most every intel.feeds.reloadSeconds), where the
 * seed read its Feodo list once and never again (SPEC D2.22).
 */
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { isIP } from 'node:net';
import { ConfigError } from '../../common/errors.ts';
import { counter } from '../../common/observability/metrics.ts';
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

/** What refresh() did with a file: nothing (unchanged), read it again, or kept the entries it had. */
export type FeedRefresh = { outcome: 'unchanged' | 'reloaded' } | { outcome: 'failed'; reason: string };

/** A feed file and its entries as last read. */
export class FeedFile {
  entries: FeedEntries;
  private stamp: string;

  /** Reads it now: a file that cannot be read at start is a configuration error. */
  constructor(readonly path: string) {
    this.stamp = stampOf(path) ?? '';
    this.entries = readFeedFile(path);
  }

  /**
   * Reads the file again if its modification time or size changed since it was read. A file
   * that cannot be read now (removed, being replaced) keeps the entries it had: a feed update
   * that fails never empties a blocklist.
   */
  refresh(): FeedRefresh {
    const stamp = stampOf(this.path);
    if (stamp === this.stamp) return { outcome: 'unchanged' };
    try {
      this.entries = readFeedFile(this.path);
    } catch (err) {
      return { outcome: 'failed', reason: (err as Error).message };
    }
    this.stamp = stamp ?? '';
    return { outcome: 'reloaded' };
  }
}

function stampOf(path: string): string | null {
  try {
    const st = statSync(path);
    return `${st.mtimeMs}:${st.size}`;
  } catch {
    return null;
  }
}

export class Feeds {
  private readonly files: FeedFile[];
  private sets: Array<{ name: string; cidrs: CidrSet; domains: string[] }> = [];

  constructor(files: readonly string[]) {
    this.files = files.map((file) => new FeedFile(file));
    this.build();
  }

  /** Reads again the files that changed (FeedFile#refresh); what happened to each that did. */
  refresh(): Array<{ path: string } & FeedRefresh> {
    const changed = [];
    for (const file of this.files) {
      const result = file.refresh();
      if (result.outcome !== 'unchanged') changed.push({ path: file.path, ...result });
    }
    if (changed.some((c) => c.outcome === 'reloaded')) this.build();
    return changed;
  }

  private build(): void {
    this.sets = this.files.map((file) => ({ name: `feed:${basename(file.path)}`, cidrs: new CidrSet(file.entries.addresses), domains: file.entries.domains }));
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

const feedReloads = counter('netsentinel_intel_feed_reloads_total', 'Feed files (intel.feeds.files, detector.tor.feedFile) read again after they changed, by outcome (failed: the old entries are kept).', ['outcome']);

export interface FeedSourcesOptions {
  /** intel.feeds.files */
  files: readonly string[];
  /** detector.tor.feedFile ('' = none) */
  torFile: string;
  /** How often the files are checked (intel.feeds.reloadSeconds × 1000); 0 = never. */
  reloadMs: number;
  /** Wall clock that paces the checks. */
  now: () => number;
  /** Told about each file read again, or kept because it could not be. */
  onRefresh?: (change: { path: string } & FeedRefresh) => void;
}

/** An engine's feeds and Tor relay list, read again when their files change. */
export class FeedSources {
  readonly feeds: Feeds;
  /** The relay list as last read (a new set after each change). */
  torRelays: CidrSet;
  private readonly torFeed: FeedFile | null;
  private nextCheck: number;

  constructor(private readonly o: FeedSourcesOptions) {
    this.feeds = new Feeds(o.files);
    this.torFeed = o.torFile ? new FeedFile(o.torFile) : null;
    this.torRelays = new CidrSet(this.torFeed?.entries.addresses ?? []);
    this.nextCheck = o.now() + o.reloadMs;
  }

  /** Reads again the files that changed, once reloadMs has passed since the last check. */
  refreshIfDue(): void {
    if (this.o.reloadMs <= 0 || this.o.now() < this.nextCheck) return;
    this.nextCheck = this.o.now() + this.o.reloadMs;
    const changes = this.feeds.refresh();
    if (this.torFeed !== null) {
      const tor = this.torFeed.refresh();
      if (tor.outcome === 'reloaded') this.torRelays = new CidrSet(this.torFeed.entries.addresses);
      if (tor.outcome !== 'unchanged') changes.push({ path: this.torFeed.path, ...tor });
    }
    for (const change of changes) {
      feedReloads.inc({ outcome: change.outcome });
      this.o.onRefresh?.(change);
    }
  }
}
