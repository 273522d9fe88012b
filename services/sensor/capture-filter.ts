/**
 * A capture filter for capture files: a libpcap filter expression (`tcp port 80`, `not host
 * 10.0.0.5`), the language of `tcpdump -r F EXPR` and of the live sensor's sensor.filter.
 * libpcap itself compiles it (through the native addon that the live sensor uses, for each link
 * type a file has), and the program runs here over each frame's bytes (bpf-program.ts): the
 * packets kept are the ones tcpdump keeps, and the frames dropped are never decoded.
 */
import { createRequire } from 'node:module';
import { CaptureFileError, UsageError } from '../common/errors.ts';
import { BpfProgram } from './bpf-program.ts';
import { LinkType } from './decode/link.ts';

/** What the native addon (native/pcap) offers for this. */
interface FilterCompiler {
  compileFilter(linkType: number, snaplen: number, expression: string): Buffer;
}

/** The snaplen a program is compiled for: large enough for any frame a capture file holds. */
const SNAPLEN = 262_144;

/** libpcap's message for an expression that can match no packet of a link type. */
const REJECTS_ALL = 'expression rejects all packets';

let compiler: FilterCompiler | null = null;

function filterCompiler(): FilterCompiler {
  if (compiler !== null) return compiler;
  let addon: Partial<FilterCompiler>;
  try {
    addon = createRequire(import.meta.url)('@netsentinel/pcap') as Partial<FilterCompiler>;
  } catch (err) {
    throw new UsageError(
      `--filter needs libpcap's filter compiler, from the native addon @netsentinel/pcap, which is not built (${(err as Error).message.split('\n')[0]}): ` +
        'on Debian/Ubuntu `apt-get install -y libpcap-dev build-essential python3`, then `npm install`',
    );
  }
  if (typeof addon.compileFilter !== 'function') throw new UsageError('--filter needs a build of the native addon @netsentinel/pcap with compileFilter: run `npm install` again to rebuild it');
  compiler = addon as FilterCompiler;
  return compiler;
}

export class CaptureFilter {
  /** Programs by link type, compiled when a frame of that link type first comes. */
  private readonly programs = new Map<number, BpfProgram>();
  /** The link type of the last frame and its program: a capture's frames nearly always share one. */
  private lastLinkType = -1;
  private lastProgram: BpfProgram | null = null;
  /** Frames the filter dropped. */
  dropped = 0;

  private constructor(readonly expression: string) {}

  /**
   * The filter of an expression, checked by compiling it for Ethernet as tcpdump would: an
   * expression libpcap does not accept is a UsageError with libpcap's reason.
   */
  static compile(expression: string): CaptureFilter {
    const filter = new CaptureFilter(expression);
    try {
      filter.programs.set(LinkType.ETHERNET, new BpfProgram(filterCompiler().compileFilter(LinkType.ETHERNET, SNAPLEN, expression)));
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(`--filter "${expression}": ${(err as Error).message}`);
    }
    return filter;
  }

  /** The filter of `--filter`'s value, or none when the option was not given. */
  static optional(expression: string | undefined): CaptureFilter | undefined {
    return expression === undefined ? undefined : CaptureFilter.compile(expression);
  }

  /** Whether the frame buf[offset, offset + capLength) of that link type passes; counts it in `dropped` if not. */
  matches(linkType: number, buf: Uint8Array, offset: number, capLength: number, wireLength: number): boolean {
    let program = this.lastProgram;
    if (linkType !== this.lastLinkType || program === null) {
      program = this.programs.get(linkType) ?? this.programFor(linkType);
      this.lastLinkType = linkType;
      this.lastProgram = program;
    }
    if (program.run(buf, offset, capLength, wireLength) !== 0) return true;
    this.dropped++;
    return false;
  }

  private programFor(linkType: number): BpfProgram {
    let program: BpfProgram;
    try {
      program = new BpfProgram(filterCompiler().compileFilter(linkType, SNAPLEN, this.expression));
    } catch (err) {
      const message = (err as Error).message;
      // A file of several link types (pcapng interfaces, or several files): an expression that
      // no packet of this one can match (`arp` on raw IP) keeps none of them.
      if (message === REJECTS_ALL) program = BpfProgram.rejectAll();
      else throw new CaptureFileError(`--filter "${this.expression}" cannot be applied to packets of link type ${linkType}: ${message}`);
    }
    this.programs.set(linkType, program);
    return program;
  }
}
