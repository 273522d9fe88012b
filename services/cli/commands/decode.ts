/**
 * `netsentinel decode FILE... [--limit N] [--filter EXPR]`: one JSON object per packet on stdout, with exactly
 * the field names of the Packet record (schemas/packet-batch.avsc) and the Community ID
 * filled in. A bad file gets one line on stderr (file, byte offset, what was expected); the
 * other files still go, and the exit code is non-zero if any failed.
 */
import type { Command } from 'commander';
import { errorLine, UsageError } from '../../common/errors.ts';
import { captureFilesOf } from '../capture-args.ts';
import { CaptureFilter } from '../../sensor/capture-filter.ts';
import { communityIdOf, openCaptureFile } from '../../sensor/capture-source.ts';

const FLUSH_BYTES = 1 << 16;

export function registerDecode(program: Command): void {
  program
    .command('decode')
    .description('print the decoded packets of pcap/pcapng files as JSON lines (the fields of the Packet record)')
    .argument('<files...>', 'capture files (pcap or pcapng, gzip-compressed too), directories of them (subdirectories too), or - for standard input')
    .option('-n, --limit <n>', 'stop after N packets of each file')
    .option('-f, --filter <expression>', 'only the packets this libpcap filter keeps, as tcpdump -r FILE EXPRESSION would (e.g. "tcp port 80")')
    .action(async (args: string[], opts: { limit?: string; filter?: string }) => {
      const filter = CaptureFilter.optional(opts.filter);
      const files = captureFilesOf(args);
      const limit = opts.limit === undefined ? Infinity : Number(opts.limit);
      if (!Number.isInteger(limit) && limit !== Infinity) throw new UsageError(`--limit ${opts.limit}: expected a whole number of packets`);
      if (limit < 0) throw new UsageError(`--limit ${opts.limit}: expected a number >= 0`);
      let failed = 0;
      for (const file of files) {
        try {
          await decodeFile(file, limit, filter);
        } catch (err) {
          // Standard output closed (`| head`): main.ts ends the process, and no file is to blame.
          if ((err as NodeJS.ErrnoException).code === 'EPIPE') throw err;
          failed++;
          process.stderr.write(`netsentinel: ${errorLine(err)}\n`);
        }
      }
      if (failed > 0) process.exitCode = 1;
    });
}

async function decodeFile(file: string, limit: number, filter: CaptureFilter | undefined): Promise<void> {
  const capture = await openCaptureFile(file, { filter });
  let printed = 0;
  let out = '';
  try {
    outer: for await (const packets of capture) {
      for (const p of packets) {
        if (printed >= limit) break outer;
        p.communityId = communityIdOf(p);
        out += `${JSON.stringify(p)}\n`;
        printed++;
        if (out.length >= FLUSH_BYTES) {
          await write(out);
          out = '';
        }
      }
    }
  } finally {
    if (out.length > 0) await write(out);
    await capture.close();
  }
}

function write(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = process.stdout.write(text, (err) => {
      if (err) reject(err);
    });
    if (ok) resolve();
    else process.stdout.once('drain', resolve);
  });
}
