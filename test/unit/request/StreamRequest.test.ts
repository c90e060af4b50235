import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStreamRequest, streamRequestFromQuery } from '../../../src/request/StreamRequest.js';

const ok = { type: 'request', service: 'reversing', camera: 'rear', codec: 'jpeg' };

test('a well-formed request passes unchanged', () => {
  assert.deepEqual(parseStreamRequest(JSON.stringify(ok)), ok);
});

test('malformed JSON, unknown fields, wrong types and oversized messages each get a coded error', () => {
  assert.throws(() => parseStreamRequest('{not json'), { code: 'BAD_REQUEST' });
  assert.throws(() => parseStreamRequest(JSON.stringify({ ...ok, extra: 1 })), (e: Error & { code?: string }) => e.code === 'BAD_REQUEST' && /"extra"/.test(e.message));
  assert.throws(() => parseStreamRequest(JSON.stringify({ ...ok, codec: 'vp9' })), { code: 'BAD_REQUEST' });
  assert.throws(() => parseStreamRequest(JSON.stringify({ ...ok, maxWidth: -1 })), { code: 'BAD_REQUEST' });
  assert.throws(() => parseStreamRequest(JSON.stringify({ ...ok, token: 'x'.repeat(5000) })), { code: 'MESSAGE_TOO_LARGE' });
});

test('query parameters build the same request, and the endpoint fixes the codec', () => {
  const r = streamRequestFromQuery(new URL('http://x/stream.mjpg?service=reversing&camera=rear&codec=h264&token=t'), 'jpeg');
  assert.deepEqual(r, { type: 'request', service: 'reversing', camera: 'rear', codec: 'jpeg' });
  assert.throws(() => streamRequestFromQuery(new URL('http://x/stream.mjpg?camera=rear&evil=1'), 'jpeg'), { code: 'BAD_REQUEST' });
});
