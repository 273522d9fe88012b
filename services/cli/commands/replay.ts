/**
 * `netsentinel replay FILE... [--speed 1|10|max] [--loop] [--filter EXPR]`: publish capture files to Kafka as
 * a sensor would, keeping the captured timing at --speed N. A progress bar on a terminal
 * (packets, rate, percent, ETA), one summary line at the end; a bad file is reported in one
 * line and the others still go (exit code 1 if any failed).
 */
import type { Command } from 'commander';
import { loadConfig } from '../../common/config/load.ts';
import { errorLine, UsageError } from '../../common/errors.ts';
import { CaptureFilter } from '../../sensor/capture-filter.ts';
import { replayCaptures, type ReplayProgress } from '../../sensor/replay.ts';
import { captureFilesOf } from '../capture-args.ts';
import { openSensorSession } from '../sensor-session.ts';

export function parseSpeed(text: string): number {
  if (text === 'max') return Infinity;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--speed ${text}: expected a positive number (1, 10, ...) or "max"`);
  return n;
}

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description('publish pcap/pcapng files to Kafka as packet batches (keeps captured timing at --speed N)')
    .argument('<files...>', 'capture files (pcap or pcapng, gzip-compressed too), directories of them (subdirectories too), or - for standard input')
    .option('--speed <n>', 'playback speed: 1 (captured timing), 10, ... or max', 'max')
    .option('--loop', 'start over at the end until interrupted')
    .option('--rebase-time', 'shift packet timestamps so the replay happens now (each file and loop continues the time line)')
    .option('-f, --filter <expression>', 'publish only the packets this libpcap filter keeps, as tcpdump -r FILE EXPRESSION would (e.g. "not port 22")')
    .option('-c, --config <file>', 'configuration file (JSON or YAML)')
    .action(async (args: string[], opts: { speed: string; loop?: boolean; rebaseTime?: boolean; filter?: string; config?: string }) => {
      const speed = parseSpeed(opts.speed);
      const filter = CaptureFilter.optional(opts.filter);
      const files = captureFilesOf(args, { loopingCommand: opts.loop === true ? 'replay --loop' : undefined });
      const config = loadConfig({ file: opts.config });
      const session = await openSensorSession(config, 'replay', files.join(','));
      const { counters, identity } = session;
      const tty = process.stderr.isTTY === true;
      try {
        const result = await replayCaptures({
          files,
          speed,
          loop: opts.loop === true,
          rebaseTime: opts.rebaseTime === true,
          filter,
          ...session,
          onProgress: tty ? (p) => process.stderr.write(`\r${progressLine(p)}`) : undefined,
          onFileError: (_file, err) => process.stderr.write(`${tty ? '\n' : ''}netsentinel: ${errorLine(err)}\n`),
        });
        if (tty) process.stderr.write('\n');
        const seconds = result.elapsedMs / 1000;
        process.stdout.write(
          `replayed ${counters.packetsSeen} packets (${(counters.bytesSeen / 1e6).toFixed(1)} MB) from ${files.length - result.failedFiles.length}/${files.length} files in ${seconds.toFixed(1)} s` +
            ` (${Math.round(counters.packetsSeen / Math.max(seconds, 0.001))} packets/s); ${counters.packetsPublished} published, sensor ${identity.id}` +
            `${filter === undefined ? '' : `; --filter dropped ${filter.dropped} more`}\n`,
        );
        if (result.failedFiles.length > 0) process.exitCode = 1;
      } finally {
        await session.close();
      }
    });
}

function progressLine(p: ReplayProgress): string {
  const rate = p.packets / Math.max(p.elapsedMs / 1000, 0.001);
  // Standard input or a pipe: how much is to come is not known.
  if (p.totalBytes === 0) return `${(p.bytesRead / 1e6).toFixed(1).padStart(7)} MB read  ${p.packets} packets  ${Math.round(rate)} packets/s `;
  const fraction = p.totalBytes > 0 ? Math.min(1, p.bytesRead / p.totalBytes) : 0;
  const width = 24;
  const filled = Math.round(fraction * width);
  const eta = fraction > 0 ? ((p.elapsedMs / 1000) * (1 - fraction)) / fraction : 0;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(1).padStart(5)}%  ${p.packets} packets  ${Math.round(rate)} packets/s  ETA ${eta.toFixed(0)} s `;
}
