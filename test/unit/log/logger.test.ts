import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, redactUrl } from '../../../src/log/logger.js';

test('redactUrl replaces credential-like query values and keeps the rest', () => {
  assert.equal(redactUrl('/api/health?token=abc&x=1'), '/api/health?token=[redacted]&x=1');
  assert.equal(redactUrl('/s?TOKEN=a&access_token=b&api-key=c&tok%65n=d'), '/s?TOKEN=[redacted]&access_token=[redacted]&api-key=[redacted]&tok%65n=[redacted]');
  assert.equal(redactUrl('/stream.mjpg?service=reversing&camera=rear'), '/stream.mjpg?service=reversing&camera=rear');
  assert.equal(redactUrl('/x?%zz=1&token'), '/x?%zz=1&token=[redacted]');
  assert.equal(redactUrl('/plain'), '/plain');
  assert.equal(redactUrl(undefined), undefined);
});

test('the default logger redacts credential fields wherever they sit', async () => {
  let out = '';
  const sink = new Writable({ write: (c: Buffer, _e, done) => ((out += c.toString()), done()) });
  const log = createLogger('info', 'test', sink);
  log.info({ token: 's1', device: { token: 's2', id: 'hu' }, headers: { authorization: 'Bearer s3', cookie: 's4' }, tokenHash: 's5' }, 'hello');
  await new Promise((r) => setImmediate(r));
  for (const s of ['s1', 's2', 's3', 's4', 's5']) assert.ok(!out.includes(`"${s}"`) && !out.includes(`Bearer ${s}`), `${s} logged: ${out}`);
  assert.match(out, /"id":"hu"/);
  assert.match(out, /\[redacted\]/);
});
