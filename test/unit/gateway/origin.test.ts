import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { OriginPolicy } from '../../../src/gateway/origin.js';

const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

test('same origin: scheme, host and port must all match the server', () => {
  const plain = new OriginPolicy([], false);
  assert.equal(plain.problem(req({ host: '127.0.0.1:8080', origin: 'http://127.0.0.1:8080' })), undefined);
  assert.equal(plain.problem(req({ host: '[::1]:8080', origin: 'http://[::1]:8080' })), undefined);
  assert.equal(plain.problem(req({ host: 'localhost', origin: 'http://localhost:80' })), undefined, 'default port normalised');
  assert.match(plain.problem(req({ host: '127.0.0.1:8080', origin: 'https://127.0.0.1:8080' })) ?? '', /not allowed/);
  assert.match(plain.problem(req({ host: '127.0.0.1:8080', origin: 'http://127.0.0.1:8081' })) ?? '', /not allowed/);
  const tls = new OriginPolicy([], true);
  assert.equal(tls.problem(req({ host: '10.0.0.2:8443', origin: 'https://10.0.0.2:8443' })), undefined);
  assert.match(tls.problem(req({ host: '10.0.0.2:8443', origin: 'http://10.0.0.2:8443' })) ?? '', /not allowed/);
});

test('no Origin is not a browser; a malformed or null Origin is refused', () => {
  const p = new OriginPolicy([], false);
  assert.equal(p.problem(req({ host: '127.0.0.1:8080' })), undefined);
  for (const origin of ['null', '::', 'http://', 'javascript:alert(1)']) assert.ok(p.problem(req({ host: '127.0.0.1:8080', origin })), origin);
  assert.throws(() => p.check(req({ host: 'a', origin: 'null' })), { code: 'FORBIDDEN' });
});

test('a DNS name is same origin only when listed (DNS rebinding)', () => {
  const p = new OriginPolicy(['http://headunit.local:8080'], false);
  assert.ok(p.problem(req({ host: 'evil.example:8080', origin: 'http://evil.example:8080' })));
  assert.equal(p.problem(req({ host: 'headunit.local:8080', origin: 'http://headunit.local:8080' })), undefined);
  assert.equal(p.problem(req({ host: '127.0.0.1:8080', origin: 'http://headunit.local:8080' })), undefined, 'listed origins need no Host match');
});

test('allowedOrigins entries must be origins', () => {
  assert.throws(() => new OriginPolicy(['http://[bad'], false), /server\.allowedOrigins/);
});
