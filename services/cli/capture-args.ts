import { readdirSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CaptureFileError, UsageError } from '../common/errors.ts';
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
 * Command-line capture arguments as files: a directory stands for the capture files in it and
 * in its subdirectories (a corpus is usually sorted into folders by kind), in path order, names
 * sorted at each level; hidden entries are skipped. '-' is standard input (at most once).
 * Anything else is passed through, so a missing file is reported by the reader with its usual
 * one-line error.
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
    return isDirectory ? capturesUnder(arg, new Set()) : [arg];
  });
}

/** The capture files in dir and below it; `seen` holds the real paths of the directories listed so far, so that a link to one of them (or back up) is not followed again. */
function capturesUnder(dir: string, seen: Set<string>): string[] {
  const real = realpathSync(dir);
  if (seen.has(real)) return [];
  seen.add(real);
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (err) {
    throw new CaptureFileError(`${dir}: cannot list the directory (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const files: string[] = [];
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const entry = join(dir, name);
    let isDirectory: boolean;
    try {
      isDirectory = statSync(entry).isDirectory();
    } catch {
      // A dangling link, or an entry gone since the listing: a capture's name is passed on, so
      // that the reader names it in its one-line error, as for a missing file given by name.
      if (CAPTURE_EXTENSIONS.test(name)) files.push(entry);
      continue;
    }
    if (isDirectory) files.push(...capturesUnder(entry, seen));
    else if (CAPTURE_EXTENSIONS.test(name)) files.push(entry);
  }
  return files;
}

/** expandCaptureArgs, refusing arguments that name no capture file at all (empty directories). */
export function captureFilesOf(args: string[], options: CaptureArgsOptions = {}): string[] {
  const files = expandCaptureArgs(args, options);
  if (files.length === 0) throw new UsageError(`${args.join(' ')}: no capture files (.pcap, .pcapng, .cap, .dmp, or those gzip-compressed as .gz) found, in it or below it`);
  return files;
}
