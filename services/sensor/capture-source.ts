/**
 * The sensor's public API for capture files: open a pcap/pcapng file (gzip-compressed too), or
 * standard input ('-'), and iterate over its decoded packets, one array per chunk read. Used by `netsentinel decode`, `replay`, the
 * detector's `analyze` and the all-in-one. See docs/sensor.md.
 */
import type { Readable } from 'node:stream';
import type { Packet } from '../common/model.ts';
import { CaptureFileError } from '../common/errors.ts';
import { openCaptureReader } from './capture-reader.ts';
import type { CaptureFilter } from './capture-filter.ts';
import { communityIdOf } from './community-id.ts';
import { decodeFrame, decodeFrameInto } from './decode/frame.ts';
import { newPacket } from './decode/packet-record.ts';
import type { CaptureReader, FrameSink } from './frame-sink.ts';

export { decodeFrame } from './decode/frame.ts';
export { communityIdOf } from './community-id.ts';
export { openCaptureReader } from './capture-reader.ts';

export interface CaptureFileOptions {
  /** Bytes read per chunk from the file handle (reused buffer). Default 1 MiB. */
  chunkSize?: number;
  /** Fill Packet.communityId for every IP packet (SHA-1 per packet: slower). Default false. */
  communityId?: boolean;
  /** What the path '-' reads: process.stdin by default. */
  stdin?: Readable;
  /** Only the frames this libpcap filter keeps are decoded and given (capture-filter.ts). */
  filter?: CaptureFilter;
}

export interface CaptureFile extends AsyncIterable<Packet[]> {
  readonly path: string;
  readonly format: 'pcap' | 'pcapng';
  readonly bytesRead: number;
  readonly size: number;
  readonly frames: number;
  /**
   * The allocation-free alternative to iterating: decodes the next chunk's packets one by one
   * into a single reused Packet and calls onPacket with it (valid only during the call: copy
   * or encode what you keep). Resolves false at the end of the file; throws CaptureFileError
   * like the iterator, after the packets before the damage. Do not mix with iteration.
   */
  readChunkInto(onPacket: (p: Packet) => void): Promise<boolean>;
  close(): Promise<void>;
}

export async function openCaptureFile(path: string, options: CaptureFileOptions = {}): Promise<CaptureFile> {
  const reader = await openCaptureReader(path, options.chunkSize, options.stdin);
  return new DecodedCapture(reader, options.communityId === true, options.filter ?? null);
}

class DecodedCapture implements CaptureFile {
  private packets: Packet[] = [];
  private readonly sink: FrameSink;

  constructor(
    private readonly reader: CaptureReader,
    private readonly withCommunityId: boolean,
    private readonly filter: CaptureFilter | null,
  ) {
    this.sink = this.filtered(
      withCommunityId
        ? (linkType, buf, offset, capLength, length, ts, ifIndex) => {
            const p = decodeFrame(linkType, buf, offset, capLength, length, ts, ifIndex);
            p.communityId = communityIdOf(p);
            this.packets.push(p);
          }
        : (linkType, buf, offset, capLength, length, ts, ifIndex) => {
            this.packets.push(decodeFrame(linkType, buf, offset, capLength, length, ts, ifIndex));
          },
    );
  }

  /** The sink that passes on to `sink` only the frames the filter keeps (all without one). */
  private filtered(sink: FrameSink): FrameSink {
    const filter = this.filter;
    if (filter === null) return sink;
    return (linkType, buf, offset, capLength, length, ts, ifIndex) => {
      let keep: boolean;
      try {
        keep = filter.matches(linkType, buf, offset, capLength, length);
      } catch (err) {
        // The expression does not compile for this link type: named with the file.
        if (err instanceof CaptureFileError) throw new CaptureFileError(`${this.reader.path}: ${err.message}`);
        throw err;
      }
      if (keep) sink(linkType, buf, offset, capLength, length, ts, ifIndex);
    };
  }

  get path(): string {
    return this.reader.path;
  }
  get format(): 'pcap' | 'pcapng' {
    return this.reader.format;
  }
  get bytesRead(): number {
    return this.reader.bytesRead;
  }
  get size(): number {
    return this.reader.size;
  }
  get frames(): number {
    return this.reader.frames;
  }

  private onPacket: (p: Packet) => void = () => undefined;
  private intoSink: FrameSink | null = null;

  readChunkInto(onPacket: (p: Packet) => void): Promise<boolean> {
    this.onPacket = onPacket;
    if (this.intoSink === null) {
      const p = newPacket(0, 0, 0, 0, 0);
      const withCommunityId = this.withCommunityId;
      this.intoSink = this.filtered((linkType, buf, offset, capLength, length, ts, ifIndex) => {
        decodeFrameInto(p, linkType, buf, offset, capLength, length, ts, ifIndex);
        if (withCommunityId) p.communityId = communityIdOf(p);
        this.onPacket(p);
      });
    }
    return this.reader.readChunk(this.intoSink);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Packet[]> {
    try {
      for (;;) {
        this.packets = [];
        let more: boolean;
        try {
          more = await this.reader.readChunk(this.sink);
        } catch (err) {
          // Hand on what was decoded before the damage, then report it.
          if (this.packets.length > 0) yield this.packets;
          throw err;
        }
        if (this.packets.length > 0) yield this.packets;
        if (!more) return;
      }
    } finally {
      await this.reader.close();
    }
  }

  close(): Promise<void> {
    return this.reader.close();
  }
}
