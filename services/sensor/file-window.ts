/**
 * A sliding window over a capture's bytes, read in chunks into one reused buffer. Readers parse
 * the records that lie wholly inside [start, end) synchronously, then ask for more; a record that
 * spans two chunks is moved to the front of the buffer and completed by the next read, so a
 * capture of any size is read with a buffer the size of one chunk (or of the largest record).
 * The bytes come from a file, standard input or a pipe, inflated if gzip (byte-source.ts);
 * offsets are those of the capture's own bytes.
 */
import type { Readable } from 'node:stream';
import { CaptureFileError } from '../common/errors.ts';
import { describeFsError, openByteSource, type ByteSource } from './byte-source.ts';

export const DEFAULT_CHUNK_SIZE = 1 << 20;
/** No record we accept is larger than this (pcapng blocks included); bigger claims are corruption. */
export const MAX_RECORD_BYTES = 64 << 20;

export class FileWindow {
  buf: Buffer;
  /** First unconsumed byte in buf. */
  start = 0;
  /** One past the last valid byte in buf. */
  end = 0;
  /** File offset of buf[0]. */
  base = 0;
  eof = false;
  /** Bytes of the file as stored (compressed, for gzip); 0 when not known (standard input, a pipe). */
  readonly size: number;
  /** What error messages call the capture (the path, 'standard input', '(decompressed)' for gzip). */
  readonly name: string;
  /** storedBytesRead of the source when it was closed. */
  private storedAtClose: number | null = null;

  /** null once closed. */
  private source: ByteSource | null;

  private constructor(
    readonly path: string,
    source: ByteSource,
    chunkSize: number,
  ) {
    this.buf = Buffer.allocUnsafe(chunkSize);
    this.source = source;
    this.size = source.size;
    this.name = source.name;
  }

  /** Opens a capture file, or for '-' standard input (the stream `stdin`, process.stdin by default): byte-source.ts. */
  static async open(path: string, chunkSize = DEFAULT_CHUNK_SIZE, stdin?: Readable): Promise<FileWindow> {
    return new FileWindow(path, await openByteSource(path, stdin), Math.max(4096, chunkSize));
  }

  /** File offset of buf[i]. */
  offsetOf(i: number): number {
    return this.base + i;
  }

  get available(): number {
    return this.end - this.start;
  }

  /** Capture bytes consumed (start of the unconsumed window). */
  get consumed(): number {
    return this.base + this.start;
  }

  /**
   * Bytes of the file as stored read so far, for progress against size: those consumed, or for
   * gzip those of the compressed data read.
   */
  get storedBytesRead(): number {
    const stored = this.source === null ? this.storedAtClose : this.source.storedBytesRead;
    return stored ?? this.consumed;
  }

  /**
   * Moves the unconsumed bytes to the front and reads until at least `need` bytes are available
   * (or the file ends). Returns false when the file ended before `need` bytes.
   */
  async fill(need: number): Promise<boolean> {
    if (this.available >= need) return true;
    if (need > MAX_RECORD_BYTES) return false;
    if (this.start > 0) {
      this.buf.copyWithin(0, this.start, this.end);
      this.base += this.start;
      this.end -= this.start;
      this.start = 0;
    }
    if (need > this.buf.length) {
      let size = this.buf.length;
      while (size < need) size *= 2;
      const bigger = Buffer.allocUnsafe(size);
      this.buf.copy(bigger, 0, 0, this.end);
      this.buf = bigger;
    }
    while (this.end < need && !this.eof) {
      if (this.source === null) {
        this.eof = true;
        break;
      }
      let bytesRead: number;
      try {
        bytesRead = await this.source.read(this.buf, this.end, this.buf.length - this.end);
      } catch (err) {
        if (err instanceof CaptureFileError) throw err;
        throw new CaptureFileError(`${this.name}: read failed at byte ${this.base + this.end} (expected readable data: ${describeFsError(err)})`, { cause: err });
      }
      if (bytesRead === 0) this.eof = true;
      this.end += bytesRead;
    }
    return this.end - this.start >= need;
  }

  async close(): Promise<void> {
    const source = this.source;
    if (source === null) return;
    this.storedAtClose = source.storedBytesRead;
    this.source = null;
    this.eof = true;
    await source.close();
  }
}
