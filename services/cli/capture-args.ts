import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../common/errors.ts';
import { STDIN_ARG } from '../sensor/byte-source.ts';

/** What a directory's capture files are called: gzip-compressed ones too (`.pcap.gz`). */
const CAPTURE_EXTENSIONS = /\.(pcap|pcapng|cap|dmp)(\.gz)?$/i;

export interface CaptureArgsOptions {
  /**
   * The command's name when it reads its captures again and again (`replay --loop`, `start`):
   * standard input can be read only once, so '-' is refused.
   */
  loopingCommand?: string;
}

/**
 * Command-line capture arguments as files: a directory stands for the capture files directly
 * in it, in name order; '-' is standard input (at most once). Anything else is passed through,
 * so a missing file is reported by the reader with its usual one-line error.
 */
export function expandCaptureArgs(args: string[], options: CaptureArgsOptions = {}): string[] {
  const stdinArgs = args.filter((arg) => arg === STDIN_ARG).length;
  if (stdinArgs > 1) throw new UsageError(`"-" (standard input) given ${stdinArgs} times: it can be read only once`);
  if (stdinArgs === 1 && options.loopingCommand !== undefined) {
    throw new UsageError(`"-" (standard input): ${options.loopingCommand} reads its captures again and again, and standard input can be read only once`);
  }
  return args.flatMap((arg) => {
    if (arg === STDIN_ARG) return [arg];
    let isDirectory = false;
    try {
      isDirectory = statSync(arg).isDirectory();
    } catch {
      return [arg];
    }
    if (!isDirectory) return [arg];
    return readdirSync(arg)
      .filter((name) => CAPTURE_EXTENSIONS.test(name))
      .sort()
      .map((name) => join(arg, name));
  });
}

/** expandCaptureArgs, refusing arguments that name no capture file at all (empty directories). */
export function captureFilesOf(args: string[], options: CaptureArgsOptions = {}): string[] {
  const files = expandCaptureArgs(args, options);
  if (files.length === 0) throw new UsageError(`${args.join(' ')}: no capture files (.pcap, .pcapng, .cap, .dmp, or those gzip-compressed as .gz) found`);
  return files;
}
