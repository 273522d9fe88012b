/**
 * `analyze -`: a capture read as a stream (standard input, a pipe) gives the alerts of the same
 * capture read from its file, however its bytes come, and does not hold a quiet stream's packets
 * back until batches fill: a live `tcpdump -w - -U | netsentinel analyze -` alerts as it goes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../services/common/model.ts';
import { loadConfig } from '../../../services/common/config/load.ts';
import { analyzeFiles, STREAM_FLUSH_MS } from '../../../services/detector/analyze-runner.ts';

const PCAPS = process.env.NETSENTINEL_PCAPS ?? join(import.meta.dirname, '../../../../shared/pcaps');
const config = loadConfig({ env: {} });
const revisions = (alerts: Alert[]) => alerts.map((a) => `${a.id}/${a.revision}/${a.count}/${a.lastSeen}`).sort();

describe('analyze of a stream', () => {
  it('alerts on what came while the stream stays open, and ends with the alerts of the file', async () => {
    const file = join(PCAPS, 'portscan/nmap_tcp_syn_scan_evilfingers.pcap');
    const fromFile = await analyzeFiles(config, [file]);
    expect(fromFile.incidents.map((a) => a.category)).toEqual(['port_scan']);

    const stdin = new PassThrough();
    const seen: Alert[] = [];
    const run = analyzeFiles(config, ['-'], { stdin, onAlert: (a) => seen.push(a) });
    let settled = false;
    void run.finally(() => {
      settled = true;
    });
    // The whole scan, but the stream stays open: the scanner's half of its 2,020 packets fills no
    // 2,000-packet batch of its partition, and the scan's alert must not wait for the end.
    stdin.write(readFileSync(file));
    const deadline = Date.now() + 4 * STREAM_FLUSH_MS + 5_000;
    while (seen.length === 0 && Date.now() < deadline) await sleep(50);
    expect(seen.map((a) => a.category)).toContain('port_scan');
    expect(settled).toBe(false);
    stdin.end();
    const fromStream = await run;
    expect(revisions(fromStream.alerts)).toEqual(revisions(fromFile.alerts));
  }, 30_000);

  it('gives the alerts of the file when the bytes come in pieces and pauses (batches cut elsewhere)', async () => {
    const file = join(PCAPS, 'synflood/syn_flood_spoofed_random_sources_stopddos.pcap');
    const fromFile = await analyzeFiles(config, [file]);
    expect(fromFile.alerts.length).toBeGreaterThan(0);
    const data = readFileSync(file);
    const stdin = new PassThrough();
    const run = analyzeFiles(config, ['-'], { stdin });
    const third = Math.floor(data.length / 3);
    stdin.write(data.subarray(0, third));
    // A pause longer than STREAM_FLUSH_MS: the batches so far are folded part-filled.
    await sleep(STREAM_FLUSH_MS + 300);
    for (let at = third; at < data.length; at += 9_999) stdin.write(data.subarray(at, Math.min(data.length, at + 9_999)));
    stdin.end();
    const fromStream = await run;
    expect(fromStream.packets).toBe(fromFile.packets);
    expect(revisions(fromStream.alerts)).toEqual(revisions(fromFile.alerts));
  }, 30_000);
});

describe('analyze interrupted', () => {
  it('folds what it read, gives its alerts and says it was interrupted, even while a stream waits', async () => {
    const file = join(PCAPS, 'portscan/nmap_tcp_syn_scan_evilfingers.pcap');
    const stdin = new PassThrough();
    const controller = new AbortController();
    const seen: Alert[] = [];
    const run = analyzeFiles(config, ['-', file], { stdin, signal: controller.signal, onAlert: (a) => seen.push(a) });
    stdin.write(readFileSync(file));
    const deadline = Date.now() + 10_000;
    while (seen.length === 0 && Date.now() < deadline) await sleep(50);
    // The stream stays open: the read waits for bytes that never come, until the abort.
    controller.abort();
    const summary = await run;
    expect(summary.interrupted).toBe(true);
    expect(summary.packets).toBe(2020);
    expect(summary.incidents.map((a) => a.category)).toEqual(['port_scan']);
    // The second file was not read.
    expect((await analyzeFiles(config, [file])).packets).toBe(2020);
    expect(stdin.destroyed).toBe(true);
  }, 30_000);
});
