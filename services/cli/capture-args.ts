import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const CAPTURE_EXTENSIONS = /\.(pcap|pcapng|cap|dmp)$/i;

/**
 * Command-line capture arguments as files: a directory stands for the capture files directly
 * in it, in name order. Anything else is passed through, so a missing file is reported by the
 * reader with its usual one-line error.
 */
export function expandCaptureArgs(args: string[]): string[] {
  return args.flatMap((arg) => {
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
