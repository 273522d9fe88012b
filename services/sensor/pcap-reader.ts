/**
 * Streaming reader of classic pcap files (libpcap format): both byte orders, microsecond
 * (0xa1b2c3d4) and nanosecond (0xa1b23c4d) timestamps. Records are parsed in place in the
 * window buffer; a record split across two reads is completed by the next read.
 */
import { CaptureFileError } from '../common/errors.ts';
import type { CaptureReader, FrameSink } from './frame-sink.ts';
import type { FileWindow } from './file-window.ts';
import { u32be, u32le } from './decode/bytes.ts';

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
const FILE_HEADER = 24;
const RECORD_HEADER = 16;
/** libpcap's own ceiling for one record (MAXIMUM_SNAPLEN). */
const MAX_SNAPLEN = 262_144;

export class PcapReader implements CaptureReader {
  readonly format = 'pcap' as const;
  frames = 0;
  private little = true;
  private nanos = false;
  private linkType = 1;
  private maxRecord = MAX_SNAPLEN;
  private started = false;
  private done = false;

  constructor(private readonly win: FileWindow) {}

  get path(): string {
    return this.win.path;
  }
  get size(): number {
    return this.win.size;
  }
  get bytesRead(): number {
    return this.win.storedBytesRead;
  }

  /** Reads the file header; throws CaptureFileError when it is not a pcap file. */
  async open(): Promise<void> {
    const win = this.win;
    if (!(await win.fill(FILE_HEADER))) {
      throw new CaptureFileError(`${win.name}: truncated pcap file header at byte 0 (expected ${FILE_HEADER} bytes, file ends after ${win.available})`);
    }
    const buf = win.buf;
    const s = win.start;
    const le = buf.readUInt32LE(s);
    const be = buf.readUInt32BE(s);
    if (le === PCAP_MAGIC_US || le === PCAP_MAGIC_NS) {
      this.little = true;
      this.nanos = le === PCAP_MAGIC_NS;
    } else if (be === PCAP_MAGIC_US || be === PCAP_MAGIC_NS) {
      this.little = false;
      this.nanos = be === PCAP_MAGIC_NS;
    } else {
      throw new CaptureFileError(`${win.name}: not a pcap file at byte 0 (expected magic a1b2c3d4 or a1b23c4d, found ${be.toString(16).padStart(8, '0')})`);
    }
    const major = this.u16(buf, s + 4);
    if (major !== 2) {
      throw new CaptureFileError(`${win.name}: unsupported pcap version at byte 4 (expected major version 2, found ${major})`);
    }
    const snaplen = this.u32(buf, s + 16);
    // Writers are sloppy with snaplen (0, 65535 with larger records...): only use it to
    // raise the ceiling, never to reject a record libpcap itself would read.
    this.maxRecord = Math.max(MAX_SNAPLEN, snaplen > MAX_SNAPLEN * 4 ? MAX_SNAPLEN : snaplen);
    // The upper bits of the link-type field carry FCS information, not the type.
    this.linkType = this.u32(buf, s + 20) & 0xffff;
    win.start += FILE_HEADER;
    this.started = true;
  }

  async readChunk(onFrame: FrameSink): Promise<boolean> {
    if (!this.started) await this.open();
    if (this.done) return false;
    const win = this.win;
    // Ask for at least one header; the loop below asks for the rest of a split record.
    let need = RECORD_HEADER;
    if (win.available < need || win.available < this.pendingNeed) {
      need = Math.max(need, this.pendingNeed);
      if (!(await win.fill(need))) return this.finish();
    }
    const buf = win.buf;
    const little = this.little;
    const linkType = this.linkType;
    const nanos = this.nanos;
    const maxRecord = this.maxRecord;
    let pos = win.start;
    const end = win.end;
    let frames = 0;
    this.pendingNeed = 0;
    while (end - pos >= RECORD_HEADER) {
      let sec: number, frac: number, incl: number, orig: number;
      if (little) {
        sec = u32le(buf, pos);
        frac = u32le(buf, pos + 4);
        incl = u32le(buf, pos + 8);
        orig = u32le(buf, pos + 12);
      } else {
        sec = u32be(buf, pos);
        frac = u32be(buf, pos + 4);
        incl = u32be(buf, pos + 8);
        orig = u32be(buf, pos + 12);
      }
      if (incl > maxRecord) {
        win.start = pos;
        this.done = true;
        throw new CaptureFileError(
          `${win.name}: corrupt record header at byte ${win.offsetOf(pos)} (expected a captured length of at most ${maxRecord} bytes, found ${incl})`,
        );
      }
      if (end - pos < RECORD_HEADER + incl) {
        this.pendingNeed = RECORD_HEADER + incl;
        break;
      }
      const ts = nanos ? sec * 1_000_000 + Math.floor(frac / 1000) : sec * 1_000_000 + frac;
      onFrame(linkType, buf, pos + RECORD_HEADER, incl, orig < incl ? incl : orig, ts, 0);
      frames++;
      pos += RECORD_HEADER + incl;
    }
    win.start = pos;
    this.frames += frames;
    if (frames === 0 && win.eof) return this.finish();
    return true;
  }

  private pendingNeed = 0;

  private finish(): boolean {
    const win = this.win;
    const left = win.available;
    this.done = true;
    if (left === 0) return false;
    const at = win.offsetOf(win.start);
    if (left < RECORD_HEADER) {
      throw new CaptureFileError(`${win.name}: truncated record header at byte ${at} (expected ${RECORD_HEADER} bytes, file ends after ${left})`);
    }
    const incl = this.u32(win.buf, win.start + 8);
    throw new CaptureFileError(
      `${win.name}: truncated record at byte ${at} (expected ${incl} bytes, file ends after ${left - RECORD_HEADER})`,
    );
  }

  async close(): Promise<void> {
    this.done = true;
    await this.win.close();
  }

  private u16(buf: Buffer, at: number): number {
    return this.little ? buf.readUInt16LE(at) : buf.readUInt16BE(at);
  }
  private u32(buf: Buffer, at: number): number {
    return this.little ? buf.readUInt32LE(at) : buf.readUInt32BE(at);
  }
}
