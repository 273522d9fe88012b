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

/** A configuration value is missing or invalid; fix the file or the environment variable. */
export class ConfigError extends NetSentinelError {
  constructor(message: string, options?: NetSentinelErrorOptions) {
    super('NS_ERR_CONFIG', message, false, options);
    this.name = 'ConfigError';
  }
}

/** A capture file is missing, unreadable, truncated or not a capture. */
export class CaptureFileError extends NetSentinelError {
  constructor(message: string, options?: NetSentinelErrorOptions) {
    super('NS_ERR_CAPTURE_FILE', message, false, options);
    this.name = 'CaptureFileError';
  }
}

/** Live capture could not start (no libpcap, no permission, no such interface). */
export class CaptureUnavailableError extends NetSentinelError {
  constructor(message: string, options?: NetSentinelErrorOptions) {
    super('NS_ERR_CAPTURE_UNAVAILABLE', message, false, options);
    this.name = 'CaptureUnavailableError';
  }
}

/** A packet could not be decoded at all (decoders flag partial packets instead of throwing). */
export class DecodeError extends NetSentinelError {
  constructor(message: string, options?: NetSentinelErrorOptions) {
    super('NS_ERR_DECODE', message, false, options);
    this.name = 'DecodeError';
  }
}

/** A Kafka message or record could not be (de)serialised. */
export class SerdeError extends NetSentinelError {
  constructor(message: string, options?: NetSentinelErrorOptions) {
    super('NS_ERR_SERDE', message, false, options);
    this.name = 'SerdeError';
  }
}

/** The schema registry refused or could not be reached. */
export class RegistryError extends NetSentinelError {
  constructor(message: string, options?: NetSentinelErrorOptions) {
    super('NS_ERR_REGISTRY', message, true, options);
    this.name = 'RegistryError';
  }
}

/** Kafka could not be reached or refused a request. */
export class BusError extends NetSentinelError {
  constructor(message: string, options?: NetSentinelErrorOptions) {
    super('NS_ERR_BUS', message, true, options);
    this.name = 'BusError';
  }
}

/** Redis could not be reached or a script failed. */
export class StateStoreError extends NetSentinelError {
  constructor(message: string, options?: NetSentinelErrorOptions) {
    super('NS_ERR_STATE', message, true, options);
    this.name = 'StateStoreError';
  }
}

/** A threat-intelligence lookup failed (network, quota, bad key). */
export class IntelError extends NetSentinelError {
  constructor(message: string, options?: NetSentinelErrorOptions) {
    super('NS_ERR_INTEL', message, true, options);
    this.name = 'IntelError';
  }
}

/** An API request was invalid (maps to HTTP 400). */
export class RequestError extends NetSentinelError {
  constructor(message: string, options?: NetSentinelErrorOptions) {
    super('NS_ERR_REQUEST', message, false, options);
    this.name = 'RequestError';
  }
}

/** A credential was missing or wrong (maps to HTTP 401). */
export class AuthError extends NetSentinelError {
  constructor(message: string, options?: NetSentinelErrorOptions) {
    super('NS_ERR_AUTH', message, false, options);
    this.name = 'AuthError';
  }
}

/** A command-line usage error. */
export class UsageError extends NetSentinelError {
  constructor(message: string, options?: NetSentinelErrorOptions) {
    super('NS_ERR_USAGE', message, false, options);
    this.name = 'UsageError';
  }
}

export function isNetSentinelError(err: unknown): err is NetSentinelError {
  return err instanceof NetSentinelError;
}

/** The one line an operator sees for an error: code and message, never a stack. */
export function errorLine(err: unknown): string {
  if (isNetSentinelError(err)) return `${err.code}: ${err.message}`;
  if (err instanceof Error) return err.message;
  return String(err);
}
