/**
 * The one catalogue of coded errors: code, default message, HTTP status.
 * Errors are matched by code, never by message text. test/unit/errors.test.ts
 * checks that every code here is documented in docs/errors.md.
 */
import type { ErrorCode, ErrorMessage } from '../wire/messages.js';

export const ERROR_CATALOGUE: Readonly<Record<ErrorCode, { status: number; message: string }>> = {
  BAD_REQUEST: { status: 400, message: 'the request does not match the schema' },
  UNAUTHORIZED: { status: 401, message: 'the device is not authenticated' },
  FORBIDDEN: { status: 403, message: "the device's role does not allow this" },
  CAPACITY_EXCEEDED: { status: 503, message: 'a viewer or connection limit is reached' },
  SERVICE_NOT_FOUND: { status: 404, message: 'no service is registered under that name' },
  CAMERA_NOT_AVAILABLE: { status: 404, message: 'the service has no such camera' },
  CODEC_UNSUPPORTED: { status: 415, message: 'the service cannot deliver that codec for that camera' },
  SERVICE_FAILED: { status: 503, message: 'the service could not be started or has failed' },
  MESSAGE_TOO_LARGE: { status: 413, message: 'the message is larger than allowed' },
  SIGNAL_INVALID: { status: 422, message: 'a vehicle signal is unknown, of the wrong type or out of range' },
  CALIBRATION_REJECTED: { status: 422, message: 'the calibration points give no plausible camera mount' },
  NOT_FOUND: { status: 404, message: 'no such resource' },
  REQUEST_TIMEOUT: { status: 408, message: 'the request did not arrive in time' },
  RECORDER_FULL: { status: 507, message: 'the recorder has no room for a new clip: only locked clips are left' },
  CONFIG_INVALID: { status: 422, message: 'the config file is invalid; the running config is unchanged' },
  INTERNAL: { status: 500, message: 'internal error' },
};

export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

export class RevcamError extends Error {
  readonly code: ErrorCode;
  readonly status: number;

  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown }) {
    super(message ?? ERROR_CATALOGUE[code].message, options);
    this.name = 'RevcamError';
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
  }

  toMessage(): ErrorMessage {
    return { type: 'error', code: this.code, message: this.message };
  }

  /** Wraps anything thrown into a coded error without leaking internals to devices. */
  static from(err: unknown): RevcamError {
    if (err instanceof RevcamError) return err;
    return new RevcamError('INTERNAL', undefined, { cause: err });
  }
}
