/**
 * Hostile input against a real server: encoded path traversal and malformed
 * escapes on the static routes (sent over a raw socket: fetch normalises),
 * prototype-member names as signal paths, and a credential in a URL that
 * reaches the log when a request fails internally.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { RevcamApp } from '../../src/app/startRevcam.js';
import { startRevcam } from '../../src/app/startRevcam.js';
import { deepMerge, loadConfig } from '../../src/config/loadConfig.js';
import { ROOT, startTestServer } from '../helpers/server.js';
import { rawGet } from '../helpers/rawHttp.js';

let app: RevcamApp;
before(async () => {
  app = await startTestServer();
});
after(async () => app.close());

const serverCode = readFileSync(resolve(ROOT, 'dist/src/device/DeviceAuth.js'), 'latin1');
const configCode = readFileSync(resolve(ROOT, 'dist/src/config/loadConfig.js'), 'latin1');

const TRAVERSALS = [
  '/app/display/..%2fdevice%2fDeviceAuth.js',
  '/app/display/..%2Fdevice%2FDeviceAuth.js',
  '/app/display/..%5cdevice%5cDeviceAuth.js',
  '/app/display/..%5Cdevice%5CDeviceAuth.js',
  '/app/display/%2e%2e%2fdevice%2fDeviceAuth.js',
  '/app/display/%2E%2E%2Fdevice%2FDeviceAuth.js',
  '/app/display/.%2e/device/DeviceAuth.js',
  '/app/display/..%252fdevice%252fDeviceAuth.js',
  '/app/display/..;/device/DeviceAuth.js',
  '/app/display/..%3b/device/DeviceAuth.js',
  '/app/display/..%2fdevice%2fDeviceAuth.js%00.js',
  '/app/display/main.js%00',
  '/app/display/%c0%ae%c0%ae%c0%afdevice%c0%afDeviceAuth.js',
  '/app/display/%e0%80%ae%e0%80%ae/device/DeviceAuth.js',
  '/app/display/../device/DeviceAuth.js',
  '/app/display/..\\device\\DeviceAuth.js',
  '/app/wire/..%2fconfig%2floadConfig.js',
  '/app/wire/..%2f..%2fsrc%2fconfig%2floadConfig.js',
  '/app/display/..%2f..%2fsrc%2fdevice%2fDeviceAuth.js.map',
  '/app/device/DeviceAuth.js',
  '/app/display/%2fdevice%2fDeviceAuth.js',
  '/static/..%2f..%2f..%2fdist%2fsrc%2fdevice%2fDeviceAuth.js',
  '/static/..%2fmain.ts',
  '/static/main.ts%00.css',
  '/static/..%2f..%2f..%2fpackage.json',
  '/static/.hidden.css',
];

for (const target of TRAVERSALS) {
  test(`hostile path ${target} → 400/404 coded JSON, never a file`, async () => {
    const r = await rawGet(app.port, target);
    assert.ok(r.status === 400 || r.status === 404, `${target}: status ${r.status}`);
    const text = r.body.toString('latin1');
    assert.ok(!text.includes(serverCode.slice(0, 200)) && !text.includes(configCode.slice(0, 200)), `${target}: server code in the body`);
    const body = JSON.parse(text) as { error: { code: string } };
    assert.equal(body.error.code, r.status === 400 ? 'BAD_REQUEST' : 'NOT_FOUND');
  });
}

test('malformed %-escapes are BAD_REQUEST 400, not an internal error', async () => {
  for (const target of ['/static/%zz.css', '/static/%.css', '/static/%e0%a4.css', '/app/display/%zz.js', '/app/wire/frame%.js']) {
    const r = await rawGet(app.port, target);
    assert.equal(r.status, 400, target);
    assert.equal((JSON.parse(r.body.toString()) as { error: { code: string } }).error.code, 'BAD_REQUEST', target);
  }
});

test('a request target the URL parser refuses is BAD_REQUEST on HTTP and on an upgrade, and the server lives on', async () => {
  const r = await rawGet(app.port, '//');
  assert.equal(r.status, 400);
  assert.equal((JSON.parse(r.body.toString()) as { error: { code: string } }).error.code, 'BAD_REQUEST');
  const { connect } = await import('node:net');
  const answer = await new Promise<string>((done, fail) => {
    const s = connect(app.port, '127.0.0.1', () =>
      s.write('GET //x:99999/ HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'),
    );
    let got = '';
    s.on('data', (c) => (got += c.toString()));
    s.on('close', () => done(got));
    s.on('error', fail);
  });
  assert.match(answer, /^HTTP\/1\.1 400 /);
  assert.equal((await fetch(`${app.url}/api/health`)).status, 200, 'the server still answers');
});

test('the display files are still served with their types', async () => {
  const want: [string, RegExp][] = [
    ['/', /^text\/html/],
    ['/index.html', /^text\/html/],
    ['/app/display/main.js', /javascript/],
    ['/app/display/main.js.map', /json/],
    ['/app/wire/frame.js', /javascript/],
    ['/static/style.css', /^text\/css/],
  ];
  for (const [path, type] of want) {
    const r = await rawGet(app.port, path);
    assert.equal(r.status, 200, path);
    assert.match(r.headers['content-type'] ?? '', type, path);
    assert.equal(r.headers['x-content-type-options'], 'nosniff', path);
    assert.ok(r.body.length > 0, path);
  }
  assert.equal((await rawGet(app.port, '/app/wire/frame.d.ts')).status, 404, 'type declarations are not browser code');
  assert.equal((await rawGet(app.port, '/app/display/')).status, 404, 'no directory listing or redirect');
  const head = await fetch(`${app.url}/app/display/main.js`, { method: 'HEAD' });
  assert.equal(head.status, 200);
});

const PROTO_PATHS = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__defineGetter__'];

test('prototype-member names are not signal paths: 422 SIGNAL_INVALID, never stored', async () => {
  for (const path of PROTO_PATHS) {
    const res = await fetch(`${app.url}/api/signals`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ samples: [{ path, value: 1 }] }),
    });
    assert.equal(res.status, 422, path);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'SIGNAL_INVALID', path);
  }
  const now = (await (await fetch(`${app.url}/api/signals`)).json()) as { samples: { path: string }[]; health: { path: string }[] };
  for (const path of PROTO_PATHS) {
    assert.ok(!now.samples.some((s) => s.path === path), `${path} stored`);
    assert.ok(!now.health.some((s) => s.path === path), `${path} in health`);
  }
});

test('a source publishing prototype-member names (the CAN path) has them rejected, not marked invalid', () => {
  const r = app.signals.publish(PROTO_PATHS.map((path) => ({ path, value: 1 })));
  assert.equal(r.applied.length, 0);
  assert.equal(r.rejected.length, PROTO_PATHS.length);
  assert.ok(!app.signals.health().some((h) => PROTO_PATHS.includes(h.path)));
  assert.ok(!app.signals.snapshot().some((s) => PROTO_PATHS.includes(s.path)));
});

test('an internal error never logs the token from the URL', async () => {
  const lines: string[] = [];
  const captured = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const config = loadConfig({ raw: deepMerge({ server: { port: 0 }, log: { level: 'info' } }, {}) });
  const logged = await startRevcam(config, { baseDir: ROOT, log: pino({ level: 'info' }, captured) });
  const instances = logged.host.instances.bind(logged.host);
  try {
    // Force an internal error on a route every device may reach.
    logged.host.instances = () => {
      throw new Error('forced failure');
    };
    const secret = 'SeCrEt-t0ken-4f2a9c';
    const res = await fetch(`${logged.url}/api/health?token=${secret}&x=1&access_token=${secret}2`, { headers: { Authorization: `Bearer ${secret}3` } });
    assert.equal(res.status, 500);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'INTERNAL');
    await new Promise((r) => setTimeout(r, 100));
    const out = lines.join('');
    assert.match(out, /request failed/, 'the failure is logged');
    assert.match(out, /\/api\/health\?/, 'with the path');
    assert.ok(!out.includes(secret), 'the token never appears in the log');
  } finally {
    logged.host.instances = instances;
    await logged.close();
  }
});
