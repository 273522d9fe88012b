/**
 * The format-sniffing entry to the file readers: looks at the first four bytes and hands the
 * file to the pcap or the pcapng reader.
 */
import type { Readable } from 'node:stream';
import { CaptureFileError } from '../common/errors.ts';
import type { CaptureReader } from './frame-sink.ts';
import { DEFAULT_CHUNK_SIZE, FileWindow } from './file-window.ts';
import { PCAP_MAGIC_NS, PCAP_MAGIC_US, PcapReader } from './pcap-reader.ts';
import { PCAPNG_SHB, PcapngReader } from './pcapng-reader.ts';

export type { CaptureReader, FrameSink } from './frame-sink.ts';

/** Opens a capture file, or for '-' standard input (the stream `stdin`, process.stdin by default). */
export async function openCaptureReader(path: string, chunkSize = DEFAULT_CHUNK_SIZE, stdin?: Readable): Promise<CaptureReader> {
  const win = await FileWindow.open(path, chunkSize, stdin);
  try {
    if (!(await win.fill(4))) {
      throw new CaptureFileError(
        `${win.name}: too short at byte 0 (expected a pcap or pcapng header, file ends after ${win.available} bytes)`,
      );
    }
    const be = win.buf.readUInt32BE(win.start);
    const le = win.buf.readUInt32LE(win.start);
    if (be === PCAPNG_SHB) return new PcapngReader(win);
    if (be === PCAP_MAGIC_US || be === PCAP_MAGIC_NS || le === PCAP_MAGIC_US || le === PCAP_MAGIC_NS) {
      const reader = new PcapReader(win);
      await reader.open();
      return reader;
    }
    throw new CaptureFileError(
      `${win.name}: not a capture file at byte 0 (expected pcap magic a1b2c3d4/a1b23c4d or pcapng 0a0d0d0a, found ${be.toString(16).padStart(8, '0')})`,
    );
  } catch (err) {
    await win.close().catch(() => undefined);
    throw err;
  }
}
