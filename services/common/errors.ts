/**
 * One registry of NetSentinel errors. Every error has a stable code (NS_ERR_*), says whether
 * retrying can help, and names the input and the fix in its message, so an operator reading
 * one log line knows what to do.
 */
export interface NetSentinelErrorOptions {
  cause?: unknown;
  /** Extra structured facts for logs (never secrets). */
  details?: Record<string, unknown>;
}

export class NetSentinelError extends Error {
  readonly code: string;
  readonly retriable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: string, message: string, retriable: boolean, options: NetSentinelErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NetSentinelError';
    this.code = code;
    this.retriable = retriable;
    this.details = options.details ?? {};
  }
}

type ErrorClass = new (message: string, options?: NetSentinelErrorOptions) => NetSentinelError;

function defineError(code: string, retriable: boolean, name: string): ErrorClass {
  const cls = class extends NetSentinelError {
    constructor(message: string, options?: NetSentinelErrorOptions) {
      super(code, message, retriable, options);
      this.name = name;
    }
  };
  Object.defineProperty(cls, 'name', { value: name });
  return cls;
}

/** A configuration value is missing or invalid; fix the file or the environment variable. */
export const ConfigError = defineError('NS_ERR_CONFIG', false, 'ConfigError');
/** A capture file is missing, unreadable, truncated or not a capture. */
export const CaptureFileError = defineError('NS_ERR_CAPTURE_FILE', false, 'CaptureFileError');
/** Live capture could not start (no libpcap, no permission, no such interface). */
export const CaptureUnavailableError = defineError('NS_ERR_CAPTURE_UNAVAILABLE', false, 'CaptureUnavailableError');
/** A packet could not be decoded at all (decoders flag partial packets instead of throwing). */
export const DecodeError = defineError('NS_ERR_DECODE', false, 'DecodeError');
/** A Kafka message or record could not be (de)serialised. */
export const SerdeError = defineError('NS_ERR_SERDE', false, 'SerdeError');
/** The schema registry refused or could not be reached. */
export const RegistryError = defineError('NS_ERR_REGISTRY', true, 'RegistryError');
/** Kafka could not be reached or refused a request. */
export const BusError = defineError('NS_ERR_BUS', true, 'BusError');
/** Redis could not be reached or a script failed. */
export const StateStoreError = defineError('NS_ERR_STATE', true, 'StateStoreError');
/** A threat-intelligence lookup failed (network, quota, bad key). */
export const IntelError = defineError('NS_ERR_INTEL', true, 'IntelError');
/** An API request was invalid (maps to HTTP 400). */
export const RequestError = defineError('NS_ERR_REQUEST', false, 'RequestError');
/** A credential was missing or wrong (maps to HTTP 401). */
export const AuthError = defineError('NS_ERR_AUTH', false, 'AuthError');
/** A command-line usage error. */
export const UsageError = defineError('NS_ERR_USAGE', false, 'UsageError');

export function isNetSentinelError(err: unknown): err is NetSentinelError {
  return err instanceof NetSentinelError;
}

/** The one line an operator sees for an error: code and message, never a stack. */
export function errorLine(err: unknown): string {
  if (isNetSentinelError(err)) return `${err.code}: ${err.message}`;
  if (err instanceof Error) return err.message;
  return String(err);
}
