/** `netsentinel analyze` as a user runs it: what it says about VirusTotal. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const capture = path.resolve(repoRoot, '../shared/pcaps/portscan/nmap_xmas_scan_evilfingers.pcap');

function analyze(env: Record<string, string>) {
  const run = spawnSync(process.execPath, ['bin/netsentinel.js', 'analyze', capture], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000, env: { ...process.env, VIRUSTOTAL_API_KEY: '', ...env } });
  const alerts = run.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { src: string; intel: { verdict: string } });
  return { status: run.status, stderr: run.stderr, alerts };
}

describe('netsentinel analyze and VirusTotal', () => {
  it('says once that it makes no lookups when a key is set; without one it says nothing of it', () => {
    const withKey = analyze({ VIRUSTOTAL_API_KEY: 'k', NETSENTINEL_DETECTOR_INTERNAL_NETWORKS: '10.0.0.0/8' });
    expect(withKey.status).toBe(0);
    expect(withKey.stderr.match(/does not query VirusTotal/g)).toHaveLength(1);
    // The scanner is external under these internal networks: not looked up, so UNKNOWN.
    expect(withKey.alerts.map((a) => [a.src, a.intel.verdict])).toEqual([['192.168.1.10', 'UNKNOWN']]);
    const without = analyze({});
    expect(without.status).toBe(0);
    expect(without.stderr).not.toContain('VirusTotal');
    expect(without.alerts.map((a) => [a.src, a.intel.verdict])).toEqual([['192.168.1.10', 'CLEAN']]);
  });
});
