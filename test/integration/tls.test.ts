/**
 * TLS and mTLS with real clients: node:https, the `ws` client and curl, with
 * certificates made by openssl for the test. The gateway speaks HTTPS/WSS
 * only; a CA-signed client certificate names a device without a token; a
 * self-signed certificate with the same name, or an unknown name, does not.
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import WebSocket from 'ws';
import { startRevcam, type RevcamApp } from '../../src/app/startRevcam.js';
import { deepMerge, loadConfig } from '../../src/config/loadConfig.js';
import type { ServerMessage } from '../../src/wire/messages.js';
import { makeTestCerts, type CertPair, type TestCerts } from '../helpers/certs.js';
import { captureLog, type CapturedLog } from '../helpers/logCapture.js';
import { hasCommand, requireCommand } from '../helpers/requireCommand.js';
import { ROOT } from '../helpers/server.js';

const TOKEN = 'hu-tls-token-0123456789abcdef';
const haveOpenssl = hasCommand('openssl');
if (!haveOpenssl && process.env.CI === 'true') throw new Error('CI=true and openssl is not installed');

async function start(certs: TestCerts, tls: Record<string, unknown>, auth: Record<string, unknown>, logs: CapturedLog): Promise<RevcamApp> {
  const raw = { server: { port: 0, tls: { certFile: certs.server.certFile, keyFile: certs.server.keyFile, caFile: null, requestClientCert: false, ...tls } }, auth, log: { level: 'info' } };
  return startRevcam(loadConfig({ raw: deepMerge({}, raw) }), { baseDir: ROOT, log: logs.log });
}

function get(url: string, opts: RequestOptions): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, opts, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** curl in a child process, asynchronously: the server under test runs in this process's event loop. */
function curl(args: string[]): Promise<{ exit: number; status: string }> {
  return new Promise((resolve) => {
    execFile('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-m', '20', ...args], { encoding: 'utf8' }, (err, stdout) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ exit: code, status: stdout });
    });
  });
}

/** Opens a WSS stream and resolves with the frames and messages seen by the time `frames` arrive or it closes. */
function wssStream(url: string, opts: WebSocket.ClientOptions, request: Record<string, unknown>, frames = 3): Promise<{ frames: number; messages: ServerMessage[]; closed: boolean }> {
  if (!url.startsWith('https://')) return Promise.reject(new Error(`the server is not https: ${url}`));
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^https/, 'wss')}/api/stream`, opts);
    const seen = { frames: 0, messages: [] as ServerMessage[], closed: false };
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`timed out: ${JSON.stringify(seen)}`));
    }, 30_000);
    const done = () => {
      clearTimeout(timer);
      ws.terminate();
      resolve(seen);
    };
    ws.on('open', () => ws.send(JSON.stringify({ type: 'request', service: 'reversing', camera: 'rear', codec: 'jpeg', ...request })));
    ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) {
        if (++seen.frames >= frames) done();
      } else seen.messages.push(JSON.parse(data.toString()) as ServerMessage);
    });
    ws.on('close', () => {
      seen.closed = true;
      done();
    });
    ws.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

describe('TLS: HTTPS and WSS only', { skip: !haveOpenssl && 'openssl is not installed (apt-get install openssl)' }, () => {
  let certs: TestCerts;
  let app: RevcamApp;
  const logs = captureLog();
  before(async () => {
    certs = makeTestCerts();
    app = await start(certs, {}, { anonymousLoopback: false, devices: [{ id: 'hu', role: 'head-unit', token: TOKEN }] }, logs);
  });
  after(async () => {
    await app?.close();
    certs?.cleanup();
  });

  test('app.url is https and a client trusting the CA gets answers', async () => {
    assert.match(app.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const res = await get(`${app.url}/api/health`, { ca: certs.ca });
    assert.equal(res.status, 200);
    assert.equal((JSON.parse(res.body) as { status: string }).status, 'ok');
  });

  test('a client that does not trust the CA is refused by the TLS handshake', async () => {
    await assert.rejects(get(`${app.url}/api/health`, {}), /self[- ]signed|unable to verify|certificate/i);
  });

  test('plain http to the TLS port gets no answer', async () => {
    const plain = app.url.replace(/^https/, 'http');
    const outcome = await new Promise<string>((resolve) => {
      const req = httpRequest(`${plain}/api/health`, (res) => resolve(`status ${res.statusCode}`));
      req.on('error', (err) => resolve(`error ${(err as NodeJS.ErrnoException).code ?? err.message}`));
      req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
      req.end();
    });
    assert.doesNotMatch(outcome, /^status 2/, `plain http must not be served: ${outcome}`);
  });

  test('curl with --cacert reads signals over https; over http it fails', async (t: TestContext) => {
    if (!requireCommand(t, 'curl')) return;
    assert.equal((await curl(['--cacert', certs.caFile, '-H', `Authorization: Bearer ${TOKEN}`, `${app.url}/api/signals`])).status, '200');
    const plain = await curl([`${app.url.replace(/^https/, 'http')}/api/signals`]);
    assert.notEqual(plain.exit, 0, 'curl over plain http fails');
    assert.notEqual(plain.status, '200');
  });

  test('WSS stream frames arrive for a token device', async () => {
    const seen = await wssStream(app.url, { ca: certs.ca }, { token: TOKEN });
    assert.equal(seen.messages[0]?.type, 'accepted', JSON.stringify(seen.messages));
    assert.ok(seen.frames >= 3);
  });
});

describe('mTLS: a verified client certificate names a device', { skip: !haveOpenssl && 'openssl is not installed (apt-get install openssl)' }, () => {
  let certs: TestCerts;
  let app: RevcamApp;
  let ecu: CertPair;
  let stranger: CertPair;
  let rogue: CertPair;
  const logs = captureLog();
  before(async () => {
    certs = makeTestCerts();
    ecu = certs.client('ecu-rearcam-hu');
    stranger = certs.client('not-a-device');
    rogue = certs.rogue('ecu-rearcam-hu');
    app = await start(
      certs,
      { caFile: certs.caFile, requestClientCert: true },
      { anonymousLoopback: false, devices: [{ id: 'hu-by-cert', role: 'head-unit', certCommonName: 'ecu-rearcam-hu' }] },
      logs,
    );
  });
  after(async () => {
    await app?.close();
    certs?.cleanup();
  });

  test('curl with the device certificate is authenticated without a token; without one it is 401', async (t: TestContext) => {
    if (!requireCommand(t, 'curl')) return;
    const url = `${app.url}/api/signals`;
    assert.equal((await curl(['--cacert', certs.caFile, '--cert', ecu.certFile, '--key', ecu.keyFile, url])).status, '200');
    assert.equal((await curl(['--cacert', certs.caFile, url])).status, '401', 'no certificate, no token');
    assert.equal((await curl(['--cacert', certs.caFile, '--cert', rogue.certFile, '--key', rogue.keyFile, url])).status, '401', 'self-signed certificate with the same CN');
    assert.equal((await curl(['--cacert', certs.caFile, '--cert', stranger.certFile, '--key', stranger.keyFile, url])).status, '401', 'CA-signed but no device has that CN');
  });

  test('a WSS viewer with the device certificate streams as that device, no token', async () => {
    const seen = await wssStream(app.url, { ca: certs.ca, cert: ecu.cert, key: ecu.key }, {});
    assert.equal(seen.messages[0]?.type, 'accepted', JSON.stringify(seen.messages));
    assert.ok(seen.frames >= 3);
    const joined = logs.lines.find((l) => l.msg === 'viewer joined');
    assert.equal(joined?.device, 'hu-by-cert', 'the certificate CN reached DeviceAuth and named the device');
  });

  test('a WSS viewer with a self-signed certificate of the same CN is not a device', async () => {
    const seen = await wssStream(app.url, { ca: certs.ca, cert: rogue.cert, key: rogue.key }, {});
    assert.equal(seen.frames, 0);
    const err = seen.messages.find((m) => m.type === 'error');
    assert.equal(err && 'code' in err ? err.code : undefined, 'UNAUTHORIZED', JSON.stringify(seen.messages));
  });
});
