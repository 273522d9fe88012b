/**
 * Detection on the labelled real captures (../shared/pcaps, manifest.json) through the same
 * engine as the workers (`analyze` path, in-memory store): every attack found with the right
 * category and attacker, nothing on benign captures. Differences from the manifest's labels
 * are stated, with reasons, in test/detector-expectations.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../services/common/config/load.ts';
import type { Alert } from '../../../services/common/model.ts';
import { analyzeFiles } from '../../../services/detector/analyze-runner.ts';
import { CATEGORY_OF, EXPECTATIONS } from '../../detector-expectations.ts';

const PCAPS = process.env.NETSENTINEL_PCAPS ?? join(import.meta.dirname, '../../../../shared/pcaps');

interface ManifestFile {
  file: string;
  category: string;
  attacker: string[];
  expected: Record<string, { outcome: string }>;
}

const manifest = JSON.parse(readFileSync(join(PCAPS, 'manifest.json'), 'utf8')) as { files: ManifestFile[] };
const config = loadConfig({ env: {}, overrides: { 'detector.tor.feedFile': join(import.meta.dirname, '../../fixtures/tor-relays.txt') } });

/** Attacker entities of the manifest: "08:00:27:9c:b3:fe / 10.2.1.99", "69.64.34.124:6667 (IRC server)". */
function attackerEntities(labels: string[]): string[] {
  return labels.flatMap((l) => l.split(/[\s/,()]+/)).map((t) => t.replace(/:\d+$/, '').replace(/^(\d+\.\d+\.\d+\.\d+):.*$/, '$1')).filter((t) => /[.:]/.test(t));
}

function involves(alert: Alert, entity: string): boolean {
  return alert.src === entity || alert.dst === entity;
}

describe('labelled captures', () => {
  it('finds the corpus', () => {
    expect(existsSync(join(PCAPS, 'manifest.json'))).toBe(true);
    expect(manifest.files.length).toBeGreaterThanOrEqual(50);
  });

  for (const entry of manifest.files) {
    it(entry.file, async () => {
      const { incidents } = await analyzeFiles(config, [join(PCAPS, entry.file)]);
      const special = EXPECTATIONS[entry.file];
      const wanted = special
        ? special.expect
        : Object.entries(entry.expected)
            .filter(([, e]) => e.outcome === 'fire')
            .map(([detector]) => ({ category: CATEGORY_OF[detector], attacker: attackerEntities(entry.attacker)[0] ?? '' }));
      const got = [...new Set(incidents.map((a) => a.category))].sort();
      expect(got, `incidents: ${incidents.map((a) => `${a.category} ${a.src}->${a.dst}`).join('; ')}`).toEqual([...new Set(wanted.map((w) => w.category))].sort());
      for (const w of wanted) {
        if (w.attacker === '') continue;
        const candidates = special ? [w.attacker] : attackerEntities(entry.attacker);
        const match = incidents.filter((a) => a.category === w.category && candidates.some((c) => involves(a, c)));
        expect(match.length, `${w.category} naming ${candidates.join(' or ')}`).toBeGreaterThan(0);
        if ('technique' in w) expect(match.map((a) => a.evidence.details.technique)).toContain(w.technique);
      }
      if (entry.category === 'benign' || entry.category === 'linktypes') expect(incidents).toEqual([]);
    });
  }
});
