import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERROR_CATALOGUE, ERROR_CODES, RevcamError } from '../../src/errors/RevcamError.js';

// The compiled test lives in dist/test/unit/, so the package root is three levels up.
const errorsDoc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');

/** `## CODE` heading -> the text up to the next `## ` heading. */
function sections(md: string): Map<string, string> {
  const out = new Map<string, string>();
  const parts = md.split(/^## /m).slice(1);
  for (const part of parts) {
    const nl = part.indexOf('\n');
    out.set(part.slice(0, nl === -1 ? undefined : nl).trim(), nl === -1 ? '' : part.slice(nl + 1));
  }
  return out;
}

test('every error code in the catalogue has a "## CODE" section in docs/errors.md', () => {
  const documented = sections(errorsDoc);
  const missing = ERROR_CODES.filter((code) => !documented.has(code));
  assert.deepEqual(missing, []);
});

test('docs/errors.md documents no code that the catalogue lacks', () => {
  const stale = [...sections(errorsDoc).keys()].filter((h) => /^[A-Z][A-Z0-9_]*$/.test(h) && !(h in ERROR_CATALOGUE));
  assert.deepEqual(stale, []);
});

test("each error section states the code's HTTP status", () => {
  const documented = sections(errorsDoc);
  for (const code of ERROR_CODES) {
    const body = documented.get(code) ?? '';
    assert.match(body, new RegExp(`\\b${ERROR_CATALOGUE[code].status}\\b`), `${code} section lacks status ${ERROR_CATALOGUE[code].status}`);
  }
});

test('RevcamError.from wraps an unknown error as INTERNAL without leaking its message', () => {
  const cause = new Error('secret path /etc/revcam/keys');
  const wrapped = RevcamError.from(cause);
  assert.ok(wrapped instanceof RevcamError);
  assert.equal(wrapped.code, 'INTERNAL');
  assert.equal(wrapped.status, 500);
  assert.equal(wrapped.cause, cause);
  assert.doesNotMatch(wrapped.message, /secret/);
  assert.deepEqual(wrapped.toMessage(), { type: 'error', code: 'INTERNAL', message: ERROR_CATALOGUE.INTERNAL.message });
});

test('RevcamError.from wraps thrown non-errors too', () => {
  for (const thrown of ['a string', 42, undefined, null, { code: 'SERVICE_NOT_FOUND' }]) {
    const wrapped = RevcamError.from(thrown);
    assert.equal(wrapped.code, 'INTERNAL');
    assert.equal(wrapped.cause, thrown);
  }
});

test('RevcamError.from returns a coded error unchanged', () => {
  const err = new RevcamError('CAMERA_NOT_AVAILABLE', 'no camera front');
  assert.equal(RevcamError.from(err), err);
  assert.equal(err.status, ERROR_CATALOGUE.CAMERA_NOT_AVAILABLE.status);
  assert.deepEqual(err.toMessage(), { type: 'error', code: 'CAMERA_NOT_AVAILABLE', message: 'no camera front' });
});
