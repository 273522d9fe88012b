/** `netsentinel analyze` as a user runs it: what it says about VirusTotal, a damaged capture, captures piped in or gzip-compressed. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { incidentTable } from '../../../services/cli/commands/analyze.ts';
import { RECOMMENDATIONS, type Report } from '../../../services/gateway/report.ts';
import { sampleAlert } from '../../support/sample-records.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const capture = path.resolve(repoRoot, '../shared/pcaps/portscan/nmap_xmas_scan_evilfingers.pcap');

function analyze(env: Record<string, string>, file = capture) {
  const run = spawnSync(process.execPath, ['bin/netsentinel.js', 'analyze', file], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000, env: { ...process.env, VIRUSTOTAL_API_KEY: '', ...env } });
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

describe('netsentinel analyze of a damaged capture', () => {
  it('gives the alerts of every packet before the damage, then names it and exits 1', () => {
    // The scan's first 80 %: cut inside a record header, with its probes still in one partly
    // filled batch (a partition's batch is folded when full, or at the end).
    const dir = mkdtempSync(path.join(tmpdir(), 'ns-analyze-'));
    try {
      const whole = readFileSync(capture);
      const cut = path.join(dir, 'cut.pcap');
      writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.8)));
      const run = analyze({}, cut);
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/NS_ERR_CAPTURE_FILE: .*cut\.pcap: truncated record header at byte \d+/);
      expect(run.alerts.map((a) => a.src)).toEqual(['192.168.1.10']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('netsentinel analyze of standard input, gzip and directories', () => {
  const run = (args: string[], input?: Buffer) =>
    spawnSync(process.execPath, ['bin/netsentinel.js', 'analyze', ...args], { cwd: repoRoot, input, encoding: 'utf8', timeout: 120_000, env: { ...process.env, VIRUSTOTAL_API_KEY: '' } });

  it('gives the alerts of the file for the file piped in as -, gzip-compressed or not, and for its directory', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ns-analyze-'));
    try {
      const whole = readFileSync(capture);
      const byFile = run([capture]);
      expect(byFile.status).toBe(0);
      expect(byFile.stdout.split('\n').filter(Boolean)).toHaveLength(1);
      const piped = run(['-'], whole);
      expect(piped.status).toBe(0);
      expect(piped.stdout).toBe(byFile.stdout);
      expect(run(['-'], gzipSync(whole)).stdout).toBe(byFile.stdout);
      writeFileSync(path.join(dir, 'scan.pcap.gz'), gzipSync(whole));
      writeFileSync(path.join(dir, 'notes.txt'), 'not a capture');
      const byDirectory = run([dir]);
      expect(byDirectory.status).toBe(0);
      expect(byDirectory.stdout).toBe(byFile.stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses - twice and a directory without captures, with exit code 2', () => {
    const twice = run(['-', '-'], Buffer.alloc(0));
    expect(twice.status).toBe(2);
    expect(twice.stderr).toContain('"-" (standard input) given 2 times: it can be read only once');
    const dir = mkdtempSync(path.join(tmpdir(), 'ns-analyze-'));
    try {
      const empty = run([dir]);
      expect(empty.status).toBe(2);
      expect(empty.stderr).toMatch(/no capture files \(.*gzip-compressed as \.gz\) found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the incident table of analyze --format table', () => {
  it('gives each incident a line in columns, with what it is in words last and whole', () => {
    const title = 'SYN flood (distributed): 200+ sources sent 200 SYNs to 10.10.10.10:25565 in 5 s, a title longer than any column';
    const table = incidentTable([
      sampleAlert({ firstSeen: Date.UTC(2021, 3, 28, 10, 30, 21), category: 'syn_flood', severity: 'CRITICAL', src: 'multiple', dst: '10.10.10.10', count: 36841, title }),
      sampleAlert({ firstSeen: Date.UTC(2009, 0, 3, 18, 58, 34), category: 'port_scan', severity: 'HIGH', src: '192.168.1.10', dst: null, count: 1, title: 'Port scan' }),
    ]);
    const lines = table.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0].split(/ {2,}/)).toEqual(['first seen (UTC)', 'category', 'severity', 'src', 'dst', 'count', 'mitre', 'what']);
    expect(lines[1].split(/ {2,}/).slice(0, 6)).toEqual(['2021-04-28 10:30:21', 'syn_flood', 'CRITICAL', 'multiple', '10.10.10.10', '36841']);
    expect(lines[1].endsWith(`  ${title}`)).toBe(true);
    expect(lines[2].split(/ {2,}/).slice(0, 6)).toEqual(['2009-01-03 18:58:34', 'port_scan', 'HIGH', '192.168.1.10', '-', '1']);
    // Columns line up: each starts where its header does.
    const whatAt = lines[0].indexOf('what');
    expect(lines[1].indexOf(title)).toBe(whatAt);
    expect(lines[2].indexOf('Port scan')).toBe(whatAt);
  });
});

describe('netsentinel analyze --format report', () => {
  const report = (files: string[]) => {
    const run = spawnSync(process.execPath, ['bin/netsentinel.js', 'analyze', '--format', 'report', ...files], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000, env: { ...process.env, VIRUSTOTAL_API_KEY: '' } });
    expect(run.status, run.stderr).toBe(0);
    return JSON.parse(run.stdout) as Report;
  };

  it("writes the incident report of the captures, over their packets' time span", () => {
    const scan = path.resolve(repoRoot, '../shared/pcaps/portscan/nmap_tcp_syn_scan_evilfingers.pcap');
    const found = report([scan]);
    expect(found.executive_summary).toMatchObject({ total_threats: 1, by_category: { port_scan: 1 }, by_severity: { HIGH: 1 }, risk_level: 'MEDIUM', sensors_total: 0 });
    expect(found.threat_events.map((e) => [e.threat_type, e.source_ip, e.dest_ip, e.state])).toEqual([['PORT_SCAN', '192.168.1.10', '192.168.1.25', 'new']]);
    expect(found.recommendations).toContain(RECOMMENDATIONS.port_scan[0]);
    // The capture's first and last packets (tshark -r F -T fields -e frame.time_epoch).
    expect(found.report_metadata.period).toEqual({ from: '2009-01-03T18:58:34.958Z', to: '2009-01-03T18:58:36.199Z' });
    expect(found.report_metadata.captures).toEqual([scan]);
  });

  it('says CLEAN with nothing found on benign traffic', () => {
    const benign = report([path.resolve(repoRoot, '../shared/pcaps/benign')]);
    expect(benign.executive_summary).toMatchObject({ total_threats: 0, risk_level: 'CLEAN' });
    expect(benign.threat_events).toEqual([]);
    expect(benign.recommendations[0]).toMatch(/no immediate threats/);
  });
});

describe('netsentinel analyze and decode with --filter', () => {
  const cli = (args: string[]) => spawnSync(process.execPath, ['bin/netsentinel.js', ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000, env: { ...process.env, VIRUSTOTAL_API_KEY: '' } });
  const flood = path.resolve(repoRoot, '../shared/pcaps/synflood/syn_flood_single_source_lan_port80.pcap');

  it('analyses only what the libpcap expression keeps, and says how much it dropped', () => {
    const all = cli(['analyze', '--format', 'table', capture, flood]);
    expect(all.status, all.stderr).toBe(0);
    expect(all.stdout).toMatch(/port_scan .*192\.168\.1\.10/);
    expect(all.stdout).toMatch(/syn_flood /);
    // Without the scanner's packets, the scan is gone and the flood stays.
    const run = cli(['analyze', '--format', 'table', '--filter', 'not host 192.168.1.10', capture, flood]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).not.toMatch(/port_scan/);
    expect(run.stdout).toMatch(/syn_flood /);
    const kept = Number(/^(\d+) packets \(--filter dropped (\d+) more\)/m.exec(run.stderr)?.[1]);
    const dropped = Number(/^(\d+) packets \(--filter dropped (\d+) more\)/m.exec(run.stderr)?.[2]);
    expect(kept + dropped).toBe(Number(/^(\d+) packets in/m.exec(all.stderr)?.[1]));
    expect(dropped).toBeGreaterThan(0);
    // The report says which filter its captures were read with.
    const report = JSON.parse(cli(['analyze', '--format', 'report', '-f', 'not host 192.168.1.10', capture]).stdout) as Report;
    expect(report.report_metadata).toMatchObject({ capture_filter: 'not host 192.168.1.10' });
    expect(report.executive_summary.total_threats).toBe(0);
  });

  it('decodes only the packets tcpdump -r keeps for the same expression', () => {
    const decoded = cli(['decode', '--filter', 'tcp[tcpflags] & tcp-fin != 0 and dst port 80', capture]);
    expect(decoded.status, decoded.stderr).toBe(0);
    const packets = decoded.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { dstPort: number; tcpFlags: number });
    const tcpdump = spawnSync('tcpdump', ['-nn', '-r', capture, 'tcp[tcpflags] & tcp-fin != 0 and dst port 80'], { encoding: 'utf8' });
    expect(packets.length).toBe(tcpdump.stdout.split('\n').filter(Boolean).length);
    expect(packets.length).toBeGreaterThan(0);
    expect(packets.every((p) => p.dstPort === 80 && (p.tcpFlags & 1) === 1)).toBe(true);
  });

  it("refuses an expression libpcap does not accept with its reason and exit code 2, before reading anything", () => {
    for (const command of ['analyze', 'decode', 'replay', 'start']) {
      const run = cli([command, '--filter', 'tcp prot 80', capture]);
      expect(run.status).toBe(2);
      expect(run.stderr).toContain('NS_ERR_USAGE: --filter "tcp prot 80": can\'t parse filter expression: syntax error');
    }
  });
});

describe('netsentinel analyze and Ctrl-C', () => {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`gives the alerts of what it read on ${signal}, says it was interrupted, and exits ${code}`, async () => {
      const child = spawn(process.execPath, ['bin/netsentinel.js', 'analyze', '-'], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, VIRUSTOTAL_API_KEY: '' } });
      let stdout = '';
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      // The scan, on a standard input that stays open (a live tcpdump -w -): its alert comes
      // while the stream waits, and shows that the analysis runs (its signal handlers are set).
      const alerted = new Promise<void>((resolve) =>
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          if (stdout.includes('\n')) resolve();
        }),
      );
      child.stdin.write(readFileSync(capture));
      await alerted;
      // As a terminal's Ctrl-C or a supervisor's stop: to the launcher, which passes it on to the
      // analyzing process.
      child.kill(signal);
      expect(await exited).toBe(code);
      expect(stderr).toMatch(/^interrupted after 2000 packets: the alerts and counts are of those$/m);
      expect(JSON.parse(stdout.split('\n')[0])).toMatchObject({ category: 'port_scan', src: '192.168.1.10' });
    }, 60_000);
  }
});
