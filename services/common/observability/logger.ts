/**
 * Structured logs (pino, JSON lines on stderr so stdout stays free for command output).
 * Secrets are redacted by path wherever they appear in a logged object.
 */
import pino, { type Logger } from 'pino';

export type { Logger };

const REDACT_PATHS = [
  '*.password',
  '*.passwordHash',
  '*.apiKey',
  '*.apiKeys',
  '*.sessionSecret',
  '*.api_key',
  '*.token',
  '*.cookie',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  '*.sasl',
];

export interface LoggerOptions {
  level?: string;
  pretty?: boolean;
  name?: string;
  /** Write somewhere else than stderr (tests). */
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? pino.destination({ fd: 2, sync: false });
  return pino(
    {
      name: options.name ?? 'netsentinel',
      level: options.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      ...(options.pretty
        ? {
            formatters: { level: (label: string) => ({ level: label }) },
          }
        : {}),
    },
    destination as pino.DestinationStream,
  );
}

/** A logger that writes nothing: for library code used in tests and one-shot CLIs. */
export const silentLogger: Logger = pino({ level: 'silent' });
