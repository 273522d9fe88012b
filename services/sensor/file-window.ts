/**
 * A sliding window over a file, read in chunks into one reused buffer. Readers parse the
 * records that lie wholly inside [start, end) synchronously, then ask for more; a record that
 * spans two chunks is moved to the front of the buffer and completed by the next read, so a
 * capture of any size is read with a buffer the size of one chunk (or of the largest record).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { CaptureFileError } from '../common/errors.ts';

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
  readonly size: number;
  readonly name: string;

  private constructor(
    readonly path: string,
    private handle: FileHandle | null,
    size: number,
    chunkSize: number,
  ) {
    this.buf = Buffer.allocUnsafe(chunkSize);
    this.size = size;
    this.name = path;
  }

  static async open(path: string, chunkSize = DEFAULT_CHUNK_SIZE): Promise<FileWindow> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (err) {
      throw new CaptureFileError(`${path}: cannot open at byte 0 (expected a readable pcap or pcapng file: ${describeFsError(err)})`, {
        cause: err,
        details: { path },
      });
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw new CaptureFileError(`${path}: not a regular file at byte 0 (expected a pcap or pcapng file)`, { details: { path } });
      return new FileWindow(path, handle, stat.size, Math.max(4096, chunkSize));
    } catch (err) {
      await handle.close().catch(() => undefined);
      throw err;
    }
  }

  /** File offset of buf[i]. */
  offsetOf(i: number): number {
    return this.base + i;
  }

  get available(): number {
    return this.end - this.start;
  }

  /** File bytes consumed (start of the unconsumed window). */
  get consumed(): number {
    return this.base + this.start;
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
      if (this.handle === null) {
        this.eof = true;
        break;
      }
      let bytesRead: number;
      try {
        ({ bytesRead } = await this.handle.read(this.buf, this.end, this.buf.length - this.end, this.base + this.end));
      } catch (err) {
        throw new CaptureFileError(`${this.name}: read failed at byte ${this.base + this.end} (expected readable data: ${describeFsError(err)})`, { cause: err });
      }
      if (bytesRead === 0) this.eof = true;
      this.end += bytesRead;
    }
    return this.end - this.start >= need;
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    this.eof = true;
    if (handle) await handle.close();
  }
}

function describeFsError(err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return err instanceof Error ? err.message : String(err);
}
