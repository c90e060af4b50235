/**
 * Property-based fuzzing (fast-check) of everything that parses untrusted
 * input: 10,000 generated inputs per target — arbitrary JSON, strings,
 * unicode, prototype-polluting keys, huge numbers — and for each, either a
 * result or a rejection with a documented code. Any other exception is a crash.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { ConfigError, loadConfig } from '../../../src/config/loadConfig.js';
import { ERROR_CODES, RevcamError } from '../../../src/errors/RevcamError.js';
import { parseStreamRequest, streamRequestFromQuery } from '../../../src/request/StreamRequest.js';
import { parseSignalsPost } from '../../../src/transport/signalsHttp.js';
import { decodeHeader, encodeFrame, FrameFormatError, HEADER_LENGTH } from '../../../src/wire/frame.js';
import { SIGNAL_SPECS, VSS } from '../../../src/wire/signals.js';
import { ROOT } from '../../helpers/server.js';

const RUNS = { numRuns: 10_000 };
const documented = readFileSync(resolve(ROOT, 'docs/errors.md'), 'utf8');
/** Frame decoding errors are documented with the wire format. */
const documentedFrames = readFileSync(resolve(ROOT, 'docs/protocol.md'), 'utf8');

/** Runs fn; a throw must be one of the allowed error types with a documented code. */
function noCrash<T>(fn: () => T, allowed: 'revcam' | 'config' | 'frame'): T | undefined {
  try {
    return fn();
  } catch (err) {
    if (allowed === 'config' && err instanceof ConfigError) return undefined;
    if (allowed === 'frame' && err instanceof FrameFormatError && documentedFrames.includes(err.code)) return undefined;
    if (err instanceof RevcamError && (ERROR_CODES as readonly string[]).includes(err.code) && documented.includes(err.code)) return undefined;
    throw new Error(`crash: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`, { cause: err });
  }
}

const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];
const protoKey = fc.constantFrom(...PROTO_KEYS);
const hugeNumber = fc.oneof(
  fc.double(),
  fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, -0, 2 ** 32, 2 ** 53, 1e-320),
  fc.integer(),
);
const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), protoKey);
const anyValue: fc.Arbitrary<unknown> = fc.oneof(fc.jsonValue(), hugeNumber, text, fc.constant(null));
/** An object whose keys mix known field names, prototype members and anything. */
const hostileObject = (known: readonly string[]): fc.Arbitrary<Record<string, unknown>> =>
  fc
    .array(fc.tuple(fc.oneof(fc.constantFrom(...known), protoKey, fc.string()), anyValue), { maxLength: 8 })
    .map((pairs) => {
      const o: Record<string, unknown> = {};
      // defineProperty: `__proto__` becomes an own key, as JSON.parse makes it.
      for (const [k, v] of pairs) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
      return o;
    });
/** Serialises with own `__proto__` keys kept (JSON.stringify keeps own enumerable keys). */
const asJson = (x: unknown): string => JSON.stringify(x) ?? 'null';

const REQUEST_KEYS = ['type', 'service', 'camera', 'codec', 'maxWidth', 'maxFps', 'token'];

test('parseStreamRequest: 10,000 hostile messages, no crash, every rejection coded', () => {
  const message = fc.oneof(
    text,
    fc.json(),
    hostileObject(REQUEST_KEYS).map(asJson),
    hostileObject(REQUEST_KEYS).map((o) => asJson({ type: 'request', service: 'reversing', camera: 'rear', ...o })),
    fc.tuple(protoKey, anyValue).map(([k, v]) => `{"type":"request","service":"reversing","camera":"rear",${JSON.stringify(k)}:${asJson(v)}}`),
    // well-typed requests with hostile values in range and out
    fc
      .record(
        { service: text, camera: text, codec: fc.constantFrom('jpeg', 'h264', 'vp8'), maxWidth: hugeNumber, maxFps: hugeNumber, token: text },
        { requiredKeys: ['service', 'camera', 'codec'] },
      )
      .map((r) => asJson({ type: 'request', ...r })),
    fc
      .record({ maxWidth: fc.integer({ min: 16, max: 8192 }), maxFps: fc.double({ min: 0.5, max: 240, noNaN: true }), token: fc.string({ unit: 'grapheme' }) }, { requiredKeys: [] })
      .map((r) => asJson({ type: 'request', service: 'reversing', camera: 'rear', codec: 'h264', ...r })),
  );
  let accepted = 0;
  fc.assert(
    fc.property(message, (m) => {
      const r = noCrash(() => parseStreamRequest(m), 'revcam');
      if (r) {
        accepted += 1;
        assert.equal(r.type, 'request');
        for (const k of Object.keys(r)) assert.ok(REQUEST_KEYS.includes(k), `accepted an unknown field ${k}`);
        assert.equal(Object.getPrototypeOf(r), Object.prototype);
      }
    }),
    RUNS,
  );
  assert.ok(accepted > 0, 'some generated requests are valid: the generator reaches the accepting path');
});

test('streamRequestFromQuery (the HTTP stream endpoints): 10,000 hostile query strings, no crash, every rejection coded', () => {
  const pair = fc.tuple(fc.oneof(fc.constantFrom(...REQUEST_KEYS, 'overlay'), protoKey, fc.string()), fc.oneof(fc.string(), hugeNumber.map(String), protoKey));
  const query = fc.oneof(
    fc.string({ unit: 'binary' }),
    fc.array(pair, { maxLength: 6 }).map((ps) => new URLSearchParams(ps).toString()),
    fc.array(pair, { maxLength: 6 }).map((ps) => ps.map(([k, v]) => `${k}=${v}`).join('&')),
  );
  let accepted = 0;
  fc.assert(
    fc.property(query, fc.constantFrom('jpeg' as const, 'h264' as const), (q, codec) => {
      const url = new URL(`http://x/stream.mjpg?${q}`);
      const r = noCrash(() => streamRequestFromQuery(url, codec), 'revcam');
      if (r) {
        accepted += 1;
        assert.equal(r.codec, codec, 'the endpoint decides the codec');
        assert.equal(Object.getPrototypeOf(r), Object.prototype, 'no query parameter reaches the prototype');
        for (const k of Object.keys(r)) assert.ok(REQUEST_KEYS.includes(k), `accepted an unknown parameter ${k}`);
        for (const k of url.searchParams.keys()) assert.ok(REQUEST_KEYS.includes(k) || k === 'overlay', `parameter ${JSON.stringify(k)} silently ignored`);
      } else {
        const names = [...url.searchParams.keys()];
        assert.ok(names.length > 0, 'an empty query is the default request, never refused');
      }
    }),
    RUNS,
  );
  assert.ok(accepted > 0);
});

test('decodeHeader: 10,000 hostile buffers, no crash, every rejection BAD_FRAME', () => {
  const valid = encodeFrame({ version: 1, codec: 'jpeg', keyframe: true, discontinuity: false, seq: 7, captureUs: 123, width: 640, height: 480, payload: new Uint8Array([1, 2, 3]) });
  const buffers = fc.oneof(
    fc.uint8Array({ maxLength: 96 }),
    // a valid frame with bytes overwritten: every header field gets hostile values
    fc.array(fc.tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }).map((edits) => {
      const b = Uint8Array.from(valid);
      for (const [i, v] of edits) b[i] = v;
      return b;
    }),
    // a valid frame truncated or extended
    fc.integer({ min: 0, max: valid.length + 16 }).map((n) => {
      const b = new Uint8Array(n);
      b.set(valid.subarray(0, Math.min(n, valid.length)));
      return b;
    }),
    // an unaligned view into a larger buffer
    fc.tuple(fc.uint8Array({ minLength: HEADER_LENGTH, maxLength: 80 }), fc.nat({ max: 7 })).map(([b, off]) => b.subarray(Math.min(off, b.length))),
  );
  let accepted = 0;
  fc.assert(
    fc.property(buffers, (b) => {
      const h = noCrash(() => decodeHeader(b), 'frame');
      if (h) {
        accepted += 1;
        assert.equal(h.headerLength + h.metaLength + h.payloadLength, b.byteLength);
        assert.ok(h.codec === 'jpeg' || h.codec === 'h264');
        assert.ok(Number.isFinite(h.captureUs));
      }
    }),
    RUNS,
  );
  assert.ok(accepted > 0);
});

const CONFIG_KEYS = ['server', 'auth', 'limits', 'log', 'stream', 'signals', 'cameras', 'services', 'vehicle', 'port', 'host', 'tls', 'devices', 'roles'];

test('loadConfig({raw}): 10,000 hostile configs, no crash, every rejection a ConfigError, never a polluted prototype', () => {
  const section = fc.oneof(anyValue, hostileObject(CONFIG_KEYS), fc.array(hostileObject(CONFIG_KEYS), { maxLength: 3 }));
  const raw = fc.oneof(
    anyValue,
    hostileObject(CONFIG_KEYS).map((o) => {
      for (const [k, v] of Object.entries(o)) if (typeof v !== 'object') Object.defineProperty(o, k, { value: v, enumerable: true });
      return o;
    }),
    fc.dictionary(fc.oneof(fc.constantFrom(...CONFIG_KEYS), protoKey), section, { maxKeys: 4 }),
    fc.tuple(protoKey, hostileObject(CONFIG_KEYS)).map(([k, v]) => JSON.parse(`{"server":{${JSON.stringify(k)}:${asJson(v)}}}`) as unknown),
    fc.tuple(protoKey, hugeNumber).map(([k, v]) => JSON.parse(`{${JSON.stringify(k)}:{"port":${JSON.stringify(v) ?? 0}},"server":{"port":${JSON.stringify(v) ?? 0}}}`) as unknown),
  );
  let accepted = 0;
  fc.assert(
    fc.property(raw, (r) => {
      const c = noCrash(() => loadConfig({ raw: r }), 'config');
      if (c) {
        accepted += 1;
        assert.equal(Object.getPrototypeOf(c), Object.prototype);
        assert.equal(Object.getPrototypeOf(c.server), Object.prototype);
        assert.ok(Number.isInteger(c.server.port) && c.server.port >= 0 && c.server.port <= 65535);
      }
      assert.equal(({} as Record<string, unknown>).port, undefined, 'Object.prototype untouched');
    }),
    RUNS,
  );
  assert.ok(accepted > 0);
});

const POST_KEYS = ['samples', 'gear', 'steeringDeg', 'speedKmh', 'sensors', 'drive'];

test('parseSignalsPost: 10,000 hostile bodies, no crash, every rejection coded, only catalogued paths accepted', () => {
  const path = fc.oneof(fc.constantFrom(...Object.keys(SIGNAL_SPECS)), protoKey, fc.string(), fc.constantFrom(`${VSS.speed}.x`, 'Vehicle', VSS.speed.toLowerCase()));
  const sample = fc.oneof(
    fc.record({ path, value: fc.oneof(hugeNumber, anyValue) }),
    fc.record({ path, value: hugeNumber, timestampUs: hugeNumber }),
    hostileObject(['path', 'value', 'timestampUs']),
  );
  const body = fc.oneof(
    anyValue,
    hostileObject(POST_KEYS),
    fc.array(sample, { minLength: 1, maxLength: 4 }).map((samples) => ({ samples })),
    fc.record({ gear: fc.oneof(fc.constantFrom('P', 'R', 'N', 'D'), text), speedKmh: hugeNumber }, { requiredKeys: [] }),
    fc.tuple(protoKey, anyValue).map(([k, v]) => JSON.parse(`{"gear":"R",${JSON.stringify(k)}:${asJson(v)}}`) as unknown),
    fc.tuple(protoKey, hugeNumber).map(([k, v]) => JSON.parse(`{"sensors":{${JSON.stringify(k)}:${JSON.stringify(v) ?? 0}}}`) as unknown),
  );
  let accepted = 0;
  fc.assert(
    fc.property(body, (b) => {
      const r = noCrash(() => parseSignalsPost(b), 'revcam');
      if (r) {
        accepted += 1;
        for (const s of r.samples) {
          assert.ok(Object.hasOwn(SIGNAL_SPECS, s.path), `accepted an uncatalogued path ${JSON.stringify(s.path)}`);
          const spec = SIGNAL_SPECS[s.path]!;
          assert.ok(typeof s.value === 'number' && Number.isFinite(s.value));
          assert.ok(spec.extra?.includes(s.value) || (s.value >= spec.min && s.value <= spec.max), `${s.path}=${s.value} out of range`);
        }
      }
    }),
    RUNS,
  );
  assert.ok(accepted > 0);
});
