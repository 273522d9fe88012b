/**
 * Where a capture's bytes come from, for FileWindow: a regular file read by position (one read
 * per chunk into the window's buffer: the fast path), or a stream, for what can only be read in
 * order: standard input ('-'), a named pipe, /dev/stdin. Either may hold gzip data (`.pcap.gz`,
 * `tcpdump -w - | gzip`), recognised by its magic bytes rather than by its name, as tshark does,
 * and inflated as it is read. A stream is pulled only as the window asks for bytes, so memory
 * stays at a chunk or two whatever the capture's size, and `tcpdump -w - -U | netsentinel
 * analyze -` sees packets as they come.
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { CaptureFileError } from '../common/errors.ts';

/** The capture argument that names standard input. */
export const STDIN_ARG = '-';

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;
/** Inflated bytes per chunk (zlib's default of 16 KiB meant four times as many reads). */
const INFLATE_CHUNK = 64 * 1024;

export interface ByteSource {
  /** What error messages call the data: its path, 'standard input', and '(decompressed)' for gzip. */
  readonly name: string;
  /** Bytes of the file as stored, 0 when not known (a pipe). */
  readonly size: number;
  /**
   * Bytes of the file as stored read so far (of the compressed data, for gzip), or null when
   * they are the bytes read(): then the reader's own count of bytes consumed is the exact one.
   */
  readonly storedBytesRead: number | null;
  /**
   * Reads up to length bytes into buf at offset: those at hand, waiting only when there are none.
   * Resolves 0 at the end; rejects with a CaptureFileError for damaged gzip data, and with the
   * system's error for a failed read (which FileWindow reports with the offset it read at).
   */
  read(buf: Buffer, offset: number, length: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * Opens a capture's bytes: the path's file (regular or not), or standard input for '-' (the
 * stream given, process.stdin by default).
 */
export async function openByteSource(path: string, stdin: Readable = process.stdin): Promise<ByteSource> {
  if (path === STDIN_ARG) {
    if ((stdin as Readable & { isTTY?: boolean }).isTTY === true) {
      throw new CaptureFileError(`standard input: a terminal at byte 0 (expected a capture piped in, e.g. tcpdump -w - | netsentinel analyze -)`, { details: { path } });
    }
    return streamSource('standard input', stdin, 0, async () => undefined);
  }
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw new CaptureFileError(`${path}: cannot open at byte 0 (expected a readable pcap or pcapng file: ${describeFsError(err)})`, { cause: err, details: { path } });
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw new CaptureFileError(`${path}: a directory at byte 0 (expected a pcap or pcapng file)`, { details: { path } });
    if (!stat.isFile()) {
      // A named pipe, a character device (/dev/stdin when it is a pipe): readable in order only.
      return streamSource(path, handle.createReadStream({ autoClose: true }), 0, () => handle.close().catch(() => undefined));
    }
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    if (bytesRead === 2 && head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1) {
      return gzipSource(path, handle.createReadStream({ start: 0, autoClose: true }), stat.size, () => handle.close().catch(() => undefined));
    }
    return new PositionalSource(path, handle, stat.size);
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw err;
  }
}

export function describeFsError(err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return err instanceof Error ? err.message : String(err);
}

/** A regular file, read at the positions the window asks for. */
class PositionalSource implements ByteSource {
  readonly storedBytesRead = null;
  private position = 0;

  constructor(
    readonly name: string,
    private readonly handle: FileHandle,
    readonly size: number,
  ) {}

  async read(buf: Buffer, offset: number, length: number): Promise<number> {
    const { bytesRead } = await this.handle.read(buf, offset, length, this.position);
    this.position += bytesRead;
    return bytesRead;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/**
 * A stream of unknown kind: its first bytes tell whether it is gzip (then it is read through
 * gunzip) or the capture itself (then it is read as it is, the bytes peeked at put back first).
 */
async function streamSource(name: string, raw: Readable, size: number, release: () => Promise<unknown>): Promise<ByteSource> {
  const plain = new StreamSource(name, raw, size, release);
  const head = await plain.peek(2);
  if (head.length === 2 && head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1) {
    plain.detach();
    return gzipSource(name, raw, size, release, plain.takeBuffered());
  }
  return plain;
}

/** raw's bytes inflated; `read` are its first bytes, already taken out of it. */
function gzipSource(name: string, raw: Readable, size: number, release: () => Promise<unknown>, read: Buffer = Buffer.alloc(0)): ByteSource {
  let stored = read.length;
  const gunzip = createGunzip({ chunkSize: INFLATE_CHUNK });
  if (read.length > 0) gunzip.write(read);
  // pipe() does not pass a read error on: without this, gunzip would wait for more forever.
  raw.on('error', (err) => gunzip.destroy(err));
  raw.on('data', (chunk: Buffer) => {
    stored += chunk.length;
  });
  raw.pipe(gunzip);
  const closeRaw = async (): Promise<void> => {
    raw.destroy();
    await release();
  };
  return new StreamSource(`${name} (decompressed)`, gunzip, size, closeRaw, {
    stored: () => stored,
    // zlib's own errors (Z_DATA_ERROR, Z_BUF_ERROR) are the data's; a read error stays one.
    describe: (err) =>
      ((err as { code?: string }).code ?? '').startsWith('Z_')
        ? new CaptureFileError(`${name}: damaged gzip data at byte ${stored} (expected a complete gzip stream: ${err.message})`, { cause: err })
        : err,
  });
}

/** What a StreamSource reading inflated data knows of the data as stored. */
interface Compressed {
  /** Bytes of the compressed data read so far. */
  stored(): number;
  /** A stream error as the reader reports it. */
  describe(err: Error): Error;
}

/**
 * A Readable pulled as the window asks (paused mode: stream.read()), so it buffers no more than
 * its highWaterMark ahead. A failure is reported after every byte that came before it.
 */
class StreamSource implements ByteSource {
  private ended = false;
  private failure: Error | null = null;
  private wake: (() => void) | null = null;
  /** What the last stream.read() gave beyond what its caller asked for. */
  private rest: Buffer | null = null;
  private restAt = 0;
  private readonly onReadable = (): void => this.wakeUp();
  private readonly onEnd = (): void => {
    this.ended = true;
    this.wakeUp();
  };
  private readonly onError = (err: Error): void => {
    this.failure = err;
    this.wakeUp();
  };

  constructor(
    readonly name: string,
    private readonly stream: Readable,
    readonly size: number,
    private readonly release: () => Promise<unknown>,
    /** Set for inflated data (gzipSource); null when the stream is the file's bytes. */
    private readonly compressed: Compressed | null = null,
  ) {
    stream.on('readable', this.onReadable);
    stream.on('end', this.onEnd);
    stream.on('error', this.onError);
  }

  get storedBytesRead(): number | null {
    return this.compressed === null ? null : this.compressed.stored();
  }

  async read(buf: Buffer, offset: number, length: number): Promise<number> {
    for (;;) {
      if (this.rest === null) {
        const chunk = this.stream.read() as Buffer | null;
        if (chunk !== null) {
          this.rest = chunk;
          this.restAt = 0;
        }
      }
      const rest = this.rest;
      if (rest !== null) {
        const n = Math.min(length, rest.length - this.restAt);
        rest.copy(buf, offset, this.restAt, this.restAt + n);
        this.restAt += n;
        if (this.restAt === rest.length) this.rest = null;
        return n;
      }
      if (this.failure !== null) throw this.compressed === null ? this.failure : this.compressed.describe(this.failure);
      if (this.ended) return 0;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  /**
   * The first `count` bytes (fewer if the stream ends before); read() gives them again, and
   * takeBuffered() hands them on with whatever else was read ahead.
   */
  async peek(count: number): Promise<Buffer> {
    const head = Buffer.alloc(count);
    let have = 0;
    while (have < count) {
      const n = await this.read(head, have, count - have);
      if (n === 0) break;
      have += n;
    }
    const ahead = this.rest === null ? [] : [this.rest.subarray(this.restAt)];
    this.rest = Buffer.concat([head.subarray(0, have), ...ahead]);
    this.restAt = 0;
    if (this.rest.length === 0) this.rest = null;
    return head.subarray(0, have);
  }

  /** The bytes read from the stream and not yet given out (for the reader the stream goes on to). */
  takeBuffered(): Buffer {
    const rest = this.rest === null ? Buffer.alloc(0) : this.rest.subarray(this.restAt);
    this.rest = null;
    return rest;
  }

  /** Stops listening: the stream goes on to another reader (gunzip). */
  detach(): void {
    this.stream.off('readable', this.onReadable);
    this.stream.off('end', this.onEnd);
    this.stream.off('error', this.onError);
  }

  async close(): Promise<void> {
    this.detach();
    this.stream.destroy();
    this.rest = null;
    await this.release();
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

}
