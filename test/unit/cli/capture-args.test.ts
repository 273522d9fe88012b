/** Capture arguments on the command line: directories, gzip-compressed files, and '-' for standard input. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureFilesOf, expandCaptureArgs } from '../../../services/cli/capture-args.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'ns-capture-args-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('capture arguments', () => {
  it("lists a directory's captures, gzip-compressed ones too, in name order, and passes - and missing files through", () => {
    for (const name of ['b.pcapng.gz', 'a.pcap', 'c.cap', 'd.PCAP.GZ', 'notes.txt', 'e.gz', 'f.pcap.gz.bak']) writeFileSync(path.join(dir, name), '');
    expect(expandCaptureArgs([dir, '-', 'missing.pcap'])).toEqual([...['a.pcap', 'b.pcapng.gz', 'c.cap', 'd.PCAP.GZ'].map((n) => path.join(dir, n)), '-', 'missing.pcap']);
  });

  it('lists the captures of subdirectories too, in path order, once each, and skips hidden entries', () => {
    const corpus = mkdtempSync(path.join(dir, 'corpus-'));
    for (const sub of ['scans', 'benign', 'benign/deeper', '.hidden']) mkdirSync(path.join(corpus, sub));
    for (const name of ['scans/b.pcap', 'scans/a.pcapng', 'benign/z.pcap', 'benign/deeper/y.pcap.gz', 'benign/notes.md', '.hidden/x.pcap', '.x.pcap', 'top.pcap']) writeFileSync(path.join(corpus, name), '');
    // A link back up (a cycle) and a second way into a listed directory: neither lists anything
    // again. A dangling link named as a capture is passed on, for the reader to name.
    symlinkSync(corpus, path.join(corpus, 'scans', 'loop'));
    symlinkSync(path.join(corpus, 'benign'), path.join(corpus, 'same-as-benign'));
    symlinkSync(path.join(corpus, 'nowhere'), path.join(corpus, 'dangling.pcap'));
    expect(expandCaptureArgs([corpus])).toEqual(['benign/deeper/y.pcap.gz', 'benign/z.pcap', 'dangling.pcap', 'scans/a.pcapng', 'scans/b.pcap', 'top.pcap'].map((n) => path.join(corpus, n)));
  });

  it('refuses standard input twice, and to a command that reads its captures again and again', () => {
    expect(() => expandCaptureArgs(['-', 'a.pcap', '-'])).toThrow('"-" (standard input) given 2 times: it can be read only once');
    expect(() => expandCaptureArgs(['a.pcap', '-'], { loopingCommand: 'replay --loop' })).toThrow('"-" (standard input): replay --loop reads its captures again and again, and standard input can be read only once');
    expect(expandCaptureArgs(['a.pcap'], { loopingCommand: 'start' })).toEqual(['a.pcap']);
  });

  it('refuses arguments that name no capture at all', () => {
    const empty = mkdtempSync(path.join(dir, 'empty-'));
    expect(() => captureFilesOf([empty])).toThrow(expect.objectContaining({ code: 'NS_ERR_USAGE', message: expect.stringMatching(/empty-.*: no capture files/) }));
  });
});
