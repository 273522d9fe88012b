/**
 * Captures that are not plain regular files (byte-source.ts): gzip-compressed files, standard
 * input ('-', here a stream standing in for process.stdin), named pipes, and gzip through either.
 * Each must give exactly the packets of the plain file, report damage after the packets before
 * it, and pull a stream only as far as the reader asks.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureFileError } from '../../../services/common/errors.ts';
import { openCaptureFile, type CaptureFileOptions } from '../../../services/sensor/capture-source.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const pcapDir = path.resolve(repoRoot, '../shared/pcaps');
const PCAP = path.join(pcapDir, 'portscan/nmap_tcp_syn_scan_evilfingers.pcap');
const PCAPNG = path.join(pcapDir, 'c2/cryptowall4_c2_http.pcapng');
const dir = mkdtempSync(path.join(tmpdir(), 'ns-byte-source-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, data: Buffer): string {
  const file = path.join(dir, name);
  writeFileSync(file, data);
  return file;
}

/** The decoded packets as JSON lines, and the error that ended the read, if one did. */
async function readAll(file: string, options: CaptureFileOptions = {}): Promise<{ packets: string[]; error: Error | null; bytesRead: number; size: number }> {
  const packets: string[] = [];
  const capture = await openCaptureFile(file, options);
  let error: Error | null = null;
  try {
    for await (const batch of capture) for (const p of batch) packets.push(JSON.stringify(p));
  } catch (err) {
    error = err as Error;
  }
  return { packets, error, bytesRead: capture.bytesRead, size: capture.size };
}

/** data as a pipe delivers it: in pieces of `piece` bytes (the first one a single byte), with backpressure. */
function piped(data: Buffer, piece = 7_000): PassThrough {
  const stream = new PassThrough();
  void (async () => {
    const cuts = [0, 1];
    for (let at = 1 + piece; at < data.length; at += piece) cuts.push(at);
    cuts.push(data.length);
    for (let i = 0; i + 1 < cuts.length; i++) {
      if (!stream.write(data.subarray(cuts[i], cuts[i + 1]))) await new Promise((resolve) => stream.once('drain', resolve));
    }
    stream.end();
  })();
  return stream;
}

describe('captures from gzip files, standard input and pipes', () => {
  for (const file of [PCAP, PCAPNG]) {
    const name = path.basename(file);
    it(`gives exactly the packets of ${name} from its gzip file, from standard input, and from gzip on standard input`, async () => {
      const plain = await readAll(file);
      expect(plain.error).toBeNull();
      expect(plain.packets.length).toBeGreaterThan(100);
      const data = readFileSync(file);
      const gz = write(`${name}.gz`, gzipSync(data));

      const fromGzip = await readAll(gz, { chunkSize: 4096 });
      expect(fromGzip.error).toBeNull();
      expect(fromGzip.packets).toEqual(plain.packets);
      // Progress is of the file as stored: its compressed bytes, all read at the end.
      expect(fromGzip.size).toBe(statSync(gz).size);
      expect(fromGzip.bytesRead).toBe(fromGzip.size);

      const fromStdin = await readAll('-', { stdin: piped(data), chunkSize: 4096 });
      expect(fromStdin.error).toBeNull();
      expect(fromStdin.packets).toEqual(plain.packets);
      expect(fromStdin.size).toBe(0);
      expect(fromStdin.bytesRead).toBe(data.length);

      const gzipStdin = await readAll('-', { stdin: piped(gzipSync(data), 1_000) });
      expect(gzipStdin.error).toBeNull();
      expect(gzipStdin.packets).toEqual(plain.packets);
    });
  }

  it('reads a named pipe, plain and gzip', async () => {
    const plain = await readAll(PCAPNG);
    for (const [name, data] of [
      ['plain.fifo', readFileSync(PCAPNG)],
      ['gzip.fifo', gzipSync(readFileSync(PCAPNG))],
    ] as const) {
      const fifo = path.join(dir, name);
      execFileSync('mkfifo', [fifo]);
      // Opening a pipe to write waits for its reader (in libuv's pool, not on this thread).
      createWriteStream(fifo).end(data);
      const fromFifo = await readAll(fifo);
      expect(fromFifo.error).toBeNull();
      expect(fromFifo.packets).toEqual(plain.packets);
    }
  });

  it('reads gzip files of several members (concatenated gzip), as gzip -c a b > c makes them', async () => {
    const data = readFileSync(PCAP);
    const cut = 24 + 5_000;
    const gz = write('members.pcap.gz', Buffer.concat([gzipSync(data.subarray(0, cut)), gzipSync(data.subarray(cut))]));
    expect((await readAll(gz)).packets).toEqual((await readAll(PCAP)).packets);
  });

  it('names truncated gzip data, after the packets before it', async () => {
    const gz = gzipSync(readFileSync(PCAP));
    const all = (await readAll(PCAP)).packets;
    for (const [label, options, file] of [
      ['a file', {}, write('cut.pcap.gz', gz.subarray(0, Math.floor(gz.length * 0.6)))],
      ['standard input', { stdin: piped(gz.subarray(0, Math.floor(gz.length * 0.6))) }, '-'],
    ] as const) {
      const read = await readAll(file, options);
      expect(read.error, label).toBeInstanceOf(CaptureFileError);
      expect(read.error?.message).toMatch(/^(.*cut\.pcap\.gz|standard input): damaged gzip data at byte \d+ \(expected a complete gzip stream: unexpected end of file\)$/);
      expect(read.packets.length).toBeGreaterThan(all.length / 3);
      expect(read.packets).toEqual(all.slice(0, read.packets.length));
    }
  });

  it('names a failed read of standard input with the byte it failed at, after the packets before it, gzip or not', async () => {
    const data = readFileSync(PCAP);
    for (const [name, sent] of [
      ['standard input', data.subarray(0, 5_000)],
      // A read error reaches gunzip too, which would otherwise wait for the rest forever.
      ['standard input (decompressed)', gzipSync(data).subarray(0, 5_000)],
    ] as const) {
      const stdin = new Readable({ read() {} });
      stdin.push(sent);
      setTimeout(() => stdin.destroy(Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' })), 20);
      const read = await readAll('-', { stdin });
      expect(read.error).toBeInstanceOf(CaptureFileError);
      expect(read.error?.message).toMatch(new RegExp(`^${name.replace(/[()]/g, '\\$&')}: read failed at byte \\d+ \\(expected readable data: EIO: i/o error, read\\)$`));
      if (name === 'standard input') expect(read.error?.message).toContain('at byte 5000 ');
      expect(read.packets.length).toBeGreaterThan(20);
    }
  }, 10_000);

  it('refuses a terminal as standard input, and names empty or short input', async () => {
    const tty = Object.assign(new PassThrough(), { isTTY: true });
    await expect(openCaptureFile('-', { stdin: tty })).rejects.toThrow(/^standard input: a terminal at byte 0 \(expected a capture piped in/);
    await expect(openCaptureFile('-', { stdin: piped(Buffer.alloc(0)) })).rejects.toThrow(/^standard input: too short at byte 0 \(expected a pcap or pcapng header, file ends after 0 bytes\)$/);
    await expect(openCaptureFile('-', { stdin: piped(Buffer.from([0x1f])) })).rejects.toThrow(/^standard input: too short at byte 0 .*after 1 bytes/);
    await expect(openCaptureFile(dir)).rejects.toThrow(/: a directory at byte 0 \(expected a pcap or pcapng file\)$/);
  });

  it('pulls standard input only as far as it is read: memory stays bounded whatever comes', async () => {
    const data = readFileSync(PCAP);
    const records = data.subarray(24);
    let pulled = 0;
    // 200 copies of the capture's records (about 30 MB), made only as they are asked for.
    let copies = 0;
    const stdin = new Readable({
      read() {
        const chunk = copies === 0 ? data : records;
        if (copies++ >= 200) return void this.push(null);
        pulled += chunk.length;
        this.push(chunk);
      },
    });
    const capture = await openCaptureFile('-', { stdin, chunkSize: 64 * 1024 });
    let seen = 0;
    for (let i = 0; i < 3; i++) await capture.readChunkInto(() => void seen++);
    expect(seen).toBeGreaterThan(0);
    expect(pulled).toBeLessThan(4 * data.length + 256 * 1024);
    await capture.close();
    expect(stdin.destroyed).toBe(true);
  });
});
