/**
 * Streaming reader of pcapng files: sections in either byte order, several interfaces with
 * their own link type and timestamp resolution (if_tsresol, if_tsoffset), Enhanced, Simple
 * and obsolete Packet blocks; every other block type is skipped by its length.
 */
import { CaptureFileError } from '../common/errors.ts';
import type { CaptureReader, FrameSink } from './frame-sink.ts';
import { MAX_RECORD_BYTES, type FileWindow } from './file-window.ts';
import { u16be, u16le, u32be, u32le } from './decode/bytes.ts';

export const PCAPNG_SHB = 0x0a0d0d0a;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const IDB = 1;
const OBSOLETE_PB = 2;
const SPB = 3;
const EPB = 6;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;

interface Interface {
  linkType: number;
  snapLen: number;
  /** Timestamp units per microsecond when > 1 (divide), else microseconds per unit (multiply). */
  divisor: number;
  multiplier: number;
  /** 2^32 / divisor split so that hi * 2^32 + lo is divided without losing precision. */
  hiQuot: number;
  hiRem: number;
  offsetMicros: number;
}

export class PcapngReader implements CaptureReader {
  readonly format = 'pcapng' as const;
  frames = 0;
  private little = true;
  private interfaces: Interface[] = [];
  private done = false;
  private sawSection = false;
  private pendingNeed = 0;

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

  async readChunk(onFrame: FrameSink): Promise<boolean> {
    if (this.done) return false;
    const win = this.win;
    const need = Math.max(12, this.pendingNeed);
    if (win.available < need && !(await win.fill(need))) return this.finish();
    this.pendingNeed = 0;
    const buf = win.buf;
    const end = win.end;
    let pos = win.start;
    let frames = 0;
    while (end - pos >= 12) {
      let type = u32le(buf, pos);
      if (type === PCAPNG_SHB) {
        // The byte order of a section is only known from its own header.
        const bom = u32le(buf, pos + 8);
        if (bom === BYTE_ORDER_MAGIC) this.little = true;
        else if (bom === 0x4d3c2b1a) this.little = false;
        else {
          this.done = true;
          throw new CaptureFileError(
            `${win.name}: corrupt section header at byte ${win.offsetOf(pos + 8)} (expected byte-order magic 1a2b3c4d, found ${bom.toString(16).padStart(8, '0')})`,
          );
        }
      } else if (!this.sawSection) {
        this.done = true;
        throw new CaptureFileError(`${win.name}: not a pcapng file at byte 0 (expected a section header block 0a0d0d0a)`);
      }
      const little = this.little;
      if (!little) type = u32be(buf, pos);
      const blockLen = little ? u32le(buf, pos + 4) : u32be(buf, pos + 4);
      if (blockLen < 12 || blockLen % 4 !== 0 || blockLen > MAX_RECORD_BYTES) {
        this.done = true;
        throw new CaptureFileError(
          `${win.name}: corrupt block at byte ${win.offsetOf(pos)} (expected a block length that is a multiple of 4 between 12 and ${MAX_RECORD_BYTES}, found ${blockLen})`,
        );
      }
      if (end - pos < blockLen) {
        this.pendingNeed = blockLen;
        break;
      }
      const trailer = little ? u32le(buf, pos + blockLen - 4) : u32be(buf, pos + blockLen - 4);
      if (trailer !== blockLen) {
        this.done = true;
        throw new CaptureFileError(
          `${win.name}: corrupt block at byte ${win.offsetOf(pos)} (expected the trailing length ${blockLen}, found ${trailer})`,
        );
      }
      const bodyEnd = pos + blockLen - 4;
      if (type === EPB || type === OBSOLETE_PB) {
        if (blockLen < 32) this.corrupt(pos, 'a packet block of at least 32 bytes', blockLen);
        const ifId = type === EPB ? this.u32(buf, pos + 8) : this.u16(buf, pos + 8);
        const iface = this.interfaces[ifId];
        if (iface === undefined) this.corrupt(pos + 8, `an interface id below ${this.interfaces.length}`, ifId);
        const hi = this.u32(buf, pos + 12);
        const lo = this.u32(buf, pos + 16);
        const cap = this.u32(buf, pos + 20);
        const orig = this.u32(buf, pos + 24);
        if (pos + 28 + cap > bodyEnd) this.corrupt(pos + 20, `a captured length of at most ${bodyEnd - pos - 28}`, cap);
        onFrame(iface.linkType, buf, pos + 28, cap, orig < cap ? cap : orig, toMicros(iface, hi, lo), ifId);
        frames++;
      } else if (type === SPB) {
        const iface = this.interfaces[0];
        if (iface === undefined) this.corrupt(pos, 'an interface description block before a simple packet block', 0);
        const orig = this.u32(buf, pos + 8);
        let cap = Math.min(orig, bodyEnd - pos - 12);
        if (iface.snapLen > 0 && cap > iface.snapLen) cap = iface.snapLen;
        // Simple packet blocks carry no timestamp.
        onFrame(iface.linkType, buf, pos + 12, cap, orig, 0, 0);
        frames++;
      } else if (type === IDB) {
        if (blockLen < 20) this.corrupt(pos, 'an interface description block of at least 20 bytes', blockLen);
        this.interfaces.push(this.readInterface(buf, pos + 8, bodyEnd));
      } else if (type === PCAPNG_SHB) {
        if (blockLen < 28) this.corrupt(pos, 'a section header block of at least 28 bytes', blockLen);
        this.sawSection = true;
        this.interfaces = [];
      }
      pos += blockLen;
    }
    win.start = pos;
    this.frames += frames;
    if (frames === 0 && win.eof && (this.pendingNeed > 0 || win.available < 12)) return this.finish();
    return true;
  }

  private readInterface(buf: Buffer, at: number, bodyEnd: number): Interface {
    const linkType = this.u16(buf, at);
    const snapLen = this.u32(buf, at + 4);
    let resol = 6;
    let offsetSeconds = 0;
    let o = at + 8;
    while (o + 4 <= bodyEnd) {
      const code = this.u16(buf, o);
      const len = this.u16(buf, o + 2);
      if (code === 0) break;
      const value = o + 4;
      if (value + len > bodyEnd) break;
      if (code === OPT_IF_TSRESOL && len >= 1) resol = buf[value];
      else if (code === OPT_IF_TSOFFSET && len >= 8) {
        offsetSeconds = this.u32(buf, value + (this.little ? 4 : 0)) * 4294967296 + this.u32(buf, value + (this.little ? 0 : 4));
      }
      o = value + ((len + 3) & ~3);
    }
    const iface: Interface = { linkType, snapLen, divisor: 1, multiplier: 1, hiQuot: 4294967296, hiRem: 0, offsetMicros: offsetSeconds * 1_000_000 };
    let unitsPerSecond: number;
    if (resol & 0x80) unitsPerSecond = 2 ** (resol & 0x7f);
    else unitsPerSecond = 10 ** resol;
    if (unitsPerSecond > 1_000_000 && resol < 0x80 && Number.isSafeInteger(unitsPerSecond)) {
      const d = unitsPerSecond / 1_000_000;
      iface.divisor = d;
      iface.hiQuot = Math.floor(4294967296 / d);
      iface.hiRem = 4294967296 % d;
    } else {
      iface.multiplier = 1_000_000 / unitsPerSecond;
    }
    return iface;
  }

  private finish(): boolean {
    const win = this.win;
    const left = win.available;
    this.done = true;
    if (left === 0) return false;
    const at = win.offsetOf(win.start);
    if (left < 12) {
      throw new CaptureFileError(`${win.name}: truncated block header at byte ${at} (expected 12 bytes, file ends after ${left})`);
    }
    throw new CaptureFileError(`${win.name}: truncated block at byte ${at} (expected ${this.pendingNeed} bytes, file ends after ${left})`);
  }

  private corrupt(at: number, expected: string, found: number): never {
    this.done = true;
    throw new CaptureFileError(`${this.win.name}: corrupt block at byte ${this.win.offsetOf(at)} (expected ${expected}, found ${found})`);
  }

  async close(): Promise<void> {
    this.done = true;
    await this.win.close();
  }

  private u16(buf: Buffer, at: number): number {
    return this.little ? u16le(buf, at) : u16be(buf, at);
  }
  private u32(buf: Buffer, at: number): number {
    return this.little ? u32le(buf, at) : u32be(buf, at);
  }
}

function toMicros(iface: Interface, hi: number, lo: number): number {
  if (iface.divisor === 1) return Math.floor((hi * 4294967296 + lo) * iface.multiplier) + iface.offsetMicros;
  // Exact division of a 64-bit count of sub-microsecond units (nanoseconds exceed 2^53).
  const d = iface.divisor;
  return hi * iface.hiQuot + Math.floor((hi * iface.hiRem + lo) / d) + iface.offsetMicros;
}
