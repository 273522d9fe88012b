/**
 * How readers and live capture hand frames on: one call per frame, the bytes valid only
 * during the call (the buffer is reused), so nothing is copied on the way to the decoder.
 */
export type FrameSink = (
  linkType: number,
  buf: Buffer,
  offset: number,
  capLength: number,
  length: number,
  tsMicros: number,
  ifIndex: number,
) => void;

export interface CaptureReader {
  readonly path: string;
  readonly format: 'pcap' | 'pcapng';
  /** Bytes of the file as stored read so far (of the compressed data, for gzip): progress against size. */
  readonly bytesRead: number;
  readonly size: number;
  /** Frames handed to a sink so far. */
  readonly frames: number;
  /**
   * Calls onFrame for every complete record of the next chunk. Resolves false at the end of
   * the file; throws CaptureFileError on a truncated or corrupt file (after the frames before
   * the damage have been handed on).
   */
  readChunk(onFrame: FrameSink): Promise<boolean>;
  close(): Promise<void>;
}
