/**
 * Validates what a device asks for against the shared schema
 * (src/wire/messages.ts) and turns schema errors into BAD_REQUEST with the
 * offending field named.
 */
import { precompiledValidator } from '../schema/precompiled.js';
import { RevcamError } from '../errors/RevcamError.js';
import { MAX_CONTROL_MESSAGE_BYTES, streamRequestSchema, type StreamRequestMessage } from '../wire/messages.js';

/** Generated at build time when it can be: a boot's first request does not compile the schema (src/schema/precompiled.ts). */
const validate = await precompiledValidator<StreamRequestMessage>('streamRequest', streamRequestSchema);

export function checkStreamRequest(raw: unknown): StreamRequestMessage {
  if (!validate(raw)) {
    const details = (validate.errors ?? [])
      .map((e) => {
        const extra = e.params && 'additionalProperty' in e.params ? ` "${String(e.params.additionalProperty)}"` : '';
        return `${e.instancePath || 'request'}: ${e.message}${extra}`;
      })
      .join('; ');
    throw new RevcamError('BAD_REQUEST', `invalid stream request: ${details}`);
  }
  return raw;
}

/** Parses a JSON text message, refusing oversized and malformed input with stable codes. */
export function parseStreamRequest(text: string): StreamRequestMessage {
  if (Buffer.byteLength(text, 'utf8') > MAX_CONTROL_MESSAGE_BYTES) {
    throw new RevcamError('MESSAGE_TOO_LARGE', `control messages are limited to ${MAX_CONTROL_MESSAGE_BYTES} bytes`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new RevcamError('BAD_REQUEST', 'the message is not valid JSON');
  }
  return checkStreamRequest(raw);
}

/** Builds a request from HTTP query parameters (MJPEG/H.264 endpoints) and validates it the same way. */
export function streamRequestFromQuery(url: URL, codec: 'jpeg' | 'h264'): StreamRequestMessage {
  const raw: Record<string, unknown> = { type: 'request' };
  for (const [k, v] of url.searchParams) {
    if (k === 'token' || k === 'overlay') continue; // not part of the request: auth and presentation
    // Defined, not assigned: `?__proto__=x` is an unknown parameter (refused), not a silent no-op.
    Object.defineProperty(raw, k, { value: k === 'maxWidth' || k === 'maxFps' ? Number(v) : v, enumerable: true, writable: true, configurable: true });
  }
  raw.codec = codec; // the endpoint decides the codec
  raw.service ??= 'reversing';
  raw.camera ??= 'rear';
  return checkStreamRequest(raw);
}
