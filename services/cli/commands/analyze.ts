/**
 * `netsentinel analyze FILE... [--format ndjson|table|report] [--filter EXPR]`: sensor reader and detectors in one
 * process with the in-memory state store: the same engine as the workers, so the same alerts
 * as the distributed pipeline. Alerts go to stdout (NDJSON, every revision; or a table of the
 * incidents at the end), a summary table to stderr, a progress bar when stderr is a terminal.
 */
import type { Command } from 'commander';
import { UsageError } from '../../common/errors.ts';
import { captureFilesOf } from '../capture-args.ts';
import type { Alert } from '../../common/model.ts';
import { VERSION } from '../../common/version.ts';
import { analyzeFiles, type AnalyzeSummary } from '../../detector/analyze-runner.ts';
import { buildReport, type Report } from '../../gateway/report.ts';
import type { StoredAlert } from '../../gateway/store/port.ts';
import { STDIN_ARG } from '../../sensor/byte-source.ts';
import { CaptureFilter } from '../../sensor/capture-filter.ts';
import { commandRuntime, withConfigOptions } from '../runtime.ts';

function pad(text: string, width: number): string {
  return text.length >= width ? text.slice(0, width) : text + ' '.repeat(width - text.length);
}

/**
 * One line per incident (its latest revision), in columns, and last what it is in words (the
 * title, which holds the evidence: "sent 5000 SYNs to 192.168.50.4 in 5 s"), whole.
 */
export function incidentTable(incidents: Alert[]): string {
  const rows = incidents.map((a) => [new Date(a.firstSeen).toISOString().replace('T', ' ').slice(0, 19), a.category, a.severity, a.src, a.dst ?? '-', String(a.count), a.mitre.techniqueId, a.title]);
  const head = ['first seen (UTC)', 'category', 'severity', 'src', 'dst', 'count', 'mitre', 'what'];
  const last = head.length - 1;
  const widths = head.map((h, i) => Math.min(40, Math.max(h.length, ...rows.map((r) => r[i].length))));
  const line = (r: string[]) => r.map((c, i) => (i === last ? c : pad(c, widths[i]))).join('  ');
  return [line(head), ...rows.map(line)].join('\n') + '\n';
}

export function registerAnalyze(program: Command): void {
  withConfigOptions(
    program
      .command('analyze')
      .description('detect attacks in capture files in one process (same detectors as the workers); alerts as NDJSON on stdout')
      .argument('<files...>', 'capture files (pcap or pcapng, gzip-compressed too), directories of them (subdirectories too), or - for standard input')
      .option('--format <format>', 'ndjson (every alert revision), table (incidents) or report (the incident report as JSON, as netsentinel report writes it, over the captures\' time span)', 'ndjson')
      .option('-f, --filter <expression>', 'analyse only the packets this libpcap filter keeps, as tcpdump -r FILE EXPRESSION would (e.g. "not host 10.0.0.5")'),
  ).action(async (args: string[], opts: { config?: string; logLevel?: string; format: string; filter?: string }) => {
    if (opts.format !== 'ndjson' && opts.format !== 'table' && opts.format !== 'report') throw new UsageError(`--format ${opts.format}: expected ndjson, table or report`);
    const filter = CaptureFilter.optional(opts.filter);
    const files = captureFilesOf(args);
    const { config } = commandRuntime(opts, {}, 'analyze');
    if (config.intel.virustotal.apiKey !== '') {
      // A capture is read in seconds; the quota allows 4 lookups a minute. Said once, so that an
      // UNKNOWN verdict is not read as a failed lookup.
      process.stderr.write('analyze does not query VirusTotal (its quota allows a few lookups a minute): public addresses and domains no feed lists keep the verdict UNKNOWN; the detector workers look them up\n');
    }
    const tty = process.stderr.isTTY === true;
    let lastDraw = 0;
    const interruption = interruptible();
    const summary = await analyzeFiles(config, files, {
      signal: interruption.signal,
      filter,
      onAlert: opts.format === 'ndjson' ? (a) => process.stdout.write(`${JSON.stringify(a)}\n`) : undefined,
      onProgress: tty
        ? (p) => {
            const now = Date.now();
            if (now - lastDraw < 100) return;
            lastDraw = now;
            // Standard input or a pipe: how much is to come is not known.
            const done = p.size > 0 ? `[${'#'.repeat(Math.floor((p.bytesRead / p.size) * 20)).padEnd(20, '.')}] ${Math.floor((p.bytesRead / p.size) * 100)}%` : `${(p.bytesRead / 1e6).toFixed(1)} MB read`;
            process.stderr.write(`\r${done} ${p.packets} packets  ${captureName(p.file)}`.slice(0, 120));
          }
        : undefined,
    });
    interruption.release();
    if (tty) process.stderr.write('\r\x1b[K');
    if (opts.format === 'table') process.stdout.write(incidentTable(summary.incidents));
    if (opts.format === 'report') process.stdout.write(`${JSON.stringify(await captureReport(summary, files, opts.filter), null, 2)}\n`);
    const byCategory = new Map<string, number>();
    for (const a of summary.incidents) byCategory.set(a.category, (byCategory.get(a.category) ?? 0) + 1);
    if (summary.interrupted) {
      process.stderr.write(`interrupted after ${summary.packets} packets: the alerts and counts are of those\n`);
      process.exitCode = interruption.exitCode();
    }
    process.stderr.write(
      `${summary.packets} packets${filter === undefined ? '' : ` (--filter dropped ${summary.filtered} more)`} in ${summary.seconds.toFixed(2)} s (${Math.round(summary.packets / Math.max(summary.seconds, 1e-9))} packets/s), ${summary.incidents.length} incidents, ${summary.alerts.length} alert revisions\n` +
        (byCategory.size > 0 ? [...byCategory].map(([c, n]) => `  ${pad(c, 20)} ${n}`).join('\n') + '\n' : ''),
    );
  });
}

/**
 * The incident report (gateway/report.ts, the shape `netsentinel report` writes) of an analyze
 * run: its incidents, each at its latest revision and new (nobody has triaged them), over the
 * event time the captures span, with the files named. No sensors: the captures stand for them.
 */
export async function captureReport(summary: AnalyzeSummary, files: string[], captureFilter?: string): Promise<Report> {
  const now = Date.now();
  async function* stored(): AsyncIterable<StoredAlert> {
    for (const alert of summary.incidents) yield { alert, state: 'new', stateBy: null, stateAt: null, receivedAt: now, updatedAt: now };
  }
  return buildReport(stored(), {
    since: summary.firstPacketMs ?? now,
    until: summary.lastPacketMs ?? now,
    version: VERSION,
    sensors: [],
    generatedAt: now,
    captures: files.map(captureName),
    captureFilter,
  });
}

/** A capture argument as the user reads it: '-' is standard input. */
const captureName = (file: string): string => (file === STDIN_ARG ? 'standard input' : file);

/** 128 + the signal's number, what the shell reports for a command a signal stopped: 130 for Ctrl-C. */
const EXIT_BY_SIGNAL: Readonly<Record<'SIGINT' | 'SIGTERM', number>> = { SIGINT: 130, SIGTERM: 143 };

/**
 * Ctrl-C (or SIGTERM) stops reading: the packets read so far are folded and their incidents
 * printed, as tcpdump prints its counts; the exit code then says which signal it was. A second signal a second or more later exits at once
 * (the launcher in bin/ passes a terminal's Ctrl-C on to this process, which gets it from the
 * terminal too: the two come together).
 */
function interruptible(): { signal: AbortSignal; release: () => void; exitCode: () => number } {
  const controller = new AbortController();
  let first = 0;
  let by: 'SIGINT' | 'SIGTERM' = 'SIGINT';
  const onSignal = (signal: 'SIGINT' | 'SIGTERM'): void => {
    if (!controller.signal.aborted) {
      first = Date.now();
      by = signal;
      controller.abort();
    } else if (Date.now() - first >= 1_000) process.exit(EXIT_BY_SIGNAL[signal]);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    exitCode: () => EXIT_BY_SIGNAL[by],
    release: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
