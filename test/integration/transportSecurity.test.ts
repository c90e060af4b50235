/**
 * Origin checks, trusted proxies and the loopback bind rule against a real
 * server with real clients (ws, fetch, the CLI as a child process).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startRevcam, type RevcamApp } from '../../src/app/startRevcam.js';
import { ConfigError, deepMerge, loadConfig } from '../../src/config/loadConfig.js';
import type { ServerMessage } from '../../src/wire/messages.js';
import { captureLog } from '../helpers/logCapture.js';
import { ROOT, startTestServer } from '../helpers/server.js';

const TOKEN = 'hu-transport-token-0123456789';

interface UpgradeOutcome {
  opened: boolean;
  status?: number;
  body?: string;
}

/** Tries a WebSocket upgrade; resolves opened, or the HTTP status and body of the refusal. */
function tryUpgrade(url: string, headers: Record<string, string>): Promise<UpgradeOutcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => {
      ws.terminate();
      resolve({ opened: true });
    });
    ws.on('unexpected-response', (_req, res: IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ opened: false, status: res.statusCode ?? 0, body }));
    });
    ws.on('error', reject);
  });
}

/** Opens /api/stream, sends a request and resolves with the first message and frames counted after `frames` arrive or an error. */
function streamOnce(base: string, request: Record<string, unknown>, headers: Record<string, string> = {}, frames = 2): Promise<{ first: ServerMessage | undefined; frames: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/api/stream`, { headers });
    let first: ServerMessage | undefined;
    let n = 0;
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`timed out; first=${JSON.stringify(first)} frames=${n}`));
    }, 30_000);
    const done = () => {
      clearTimeout(timer);
      ws.terminate();
      resolve({ first, frames: n });
    };
    ws.on('open', () => ws.send(JSON.stringify({ type: 'request', service: 'reversing', camera: 'rear', codec: 'jpeg', ...request })));
    ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) {
        if (++n >= frames) done();
        return;
      }
      const m = JSON.parse(data.toString()) as ServerMessage;
      first ??= m;
      if (m.type === 'error') done();
    });
    ws.on('close', done);
    ws.on('error', reject);
  });
}

const code = (body: string | undefined) => (JSON.parse(body ?? '{}') as { error?: { code?: string } }).error?.code;

describe('Origin: WebSocket upgrades and POSTs from other pages', () => {
  let app: RevcamApp;
  let allowing: RevcamApp;
  before(async () => {
    app = await startTestServer();
    allowing = await startTestServer({ server: { allowedOrigins: ['http://display.example:8443'] } });
  });
  after(async () => {
    await app?.close();
    await allowing?.close();
  });

  test('a foreign Origin gets 403 FORBIDDEN before any upgrade, on both WebSocket endpoints', async () => {
    for (const path of ['/api/stream', '/api/signals']) {
      const out = await tryUpgrade(`${app.url.replace(/^http/, 'ws')}${path}`, { Origin: 'http://evil.example' });
      assert.equal(out.opened, false, path);
      assert.equal(out.status, 403, path);
      assert.equal(code(out.body), 'FORBIDDEN', path);
    }
  });

  test('same origin, and no Origin at all, may upgrade', async () => {
    const ws = app.url.replace(/^http/, 'ws');
    assert.deepEqual(await tryUpgrade(`${ws}/api/stream`, { Origin: app.url }), { opened: true });
    assert.deepEqual(await tryUpgrade(`${ws}/api/signals`, { Origin: app.url }), { opened: true });
    assert.deepEqual(await tryUpgrade(`${ws}/api/stream`, {}), { opened: true }, 'not a browser');
    const port = new URL(app.url).port;
    assert.deepEqual(await tryUpgrade(`${ws}/api/stream`, { Origin: `http://localhost:${port}`, Host: `localhost:${port}` }), { opened: true });
  });

  test('same host but another scheme or port is another origin', async () => {
    const ws = app.url.replace(/^http/, 'ws');
    const port = Number(new URL(app.url).port);
    assert.equal((await tryUpgrade(`${ws}/api/stream`, { Origin: app.url.replace(/^http/, 'https') })).status, 403);
    assert.equal((await tryUpgrade(`${ws}/api/stream`, { Origin: `http://127.0.0.1:${port + 1}` })).status, 403);
    assert.equal((await tryUpgrade(`${ws}/api/stream`, { Origin: 'null' })).status, 403);
  });

  test('a re-bound DNS name (Origin and Host both evil) is not same origin', async () => {
    const port = new URL(app.url).port;
    const out = await tryUpgrade(`${app.url.replace(/^http/, 'ws')}/api/stream`, { Origin: `http://rebind.example:${port}`, Host: `rebind.example:${port}` });
    assert.equal(out.status, 403);
  });

  test('server.allowedOrigins lets a listed origin in, and only that one', async () => {
    const ws = allowing.url.replace(/^http/, 'ws');
    assert.deepEqual(await tryUpgrade(`${ws}/api/stream`, { Origin: 'http://display.example:8443' }), { opened: true });
    assert.equal((await tryUpgrade(`${ws}/api/stream`, { Origin: 'http://display.example:8444' })).status, 403);
  });

  test('POST /api/signals from a foreign Origin is 403; from no Origin or the same origin it is applied', async () => {
    const post = (headers: Record<string, string>) =>
      fetch(`${app.url}/api/signals`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify({ speedKmh: 3 }) });
    const foreign = await post({ Origin: 'http://evil.example' });
    assert.equal(foreign.status, 403);
    assert.equal(((await foreign.json()) as { error: { code: string } }).error.code, 'FORBIDDEN');
    assert.equal((await post({})).status, 200);
    assert.equal((await post({ Origin: app.url })).status, 200);
  });
});

describe('trustProxy: whose X-Forwarded-For counts', () => {
  test('without trustProxy, X-Forwarded-For from a loopback peer is ignored: still the loopback demo', async () => {
    const app = await startTestServer();
    try {
      const res = await fetch(`${app.url}/api/signals`, { headers: { 'X-Forwarded-For': '203.0.113.9' } });
      assert.equal(res.status, 200);
      const s = await streamOnce(app.url, {}, { 'X-Forwarded-For': '203.0.113.9' });
      assert.equal(s.first?.type, 'accepted', JSON.stringify(s.first));
      assert.ok(s.frames >= 2);
    } finally {
      await app.close();
    }
  });

  test('behind a trusted proxy on 127.0.0.1 a request is never loopback: no token → 401, even when XFF says 127.0.0.1', async () => {
    const logs = captureLog();
    const raw = deepMerge({ server: { port: 0, trustProxy: ['127.0.0.1'] }, auth: { devices: [{ id: 'hu', role: 'head-unit', token: TOKEN }] }, log: { level: 'info' } }, {});
    const app = await startRevcam(loadConfig({ raw }), { baseDir: ROOT, log: logs.log });
    try {
      for (const xff of ['198.51.100.4', '127.0.0.1', undefined]) {
        const res = await fetch(`${app.url}/api/signals`, { headers: xff ? { 'X-Forwarded-For': xff } : {} });
        assert.equal(res.status, 401, `XFF ${xff}`);
        assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'UNAUTHORIZED');
      }
      const refused = await streamOnce(app.url, {}, { 'X-Forwarded-For': '127.0.0.1' });
      assert.equal(refused.first?.type, 'error');
      assert.equal(refused.first && 'code' in refused.first ? refused.first.code : undefined, 'UNAUTHORIZED');
      assert.equal(refused.frames, 0);

      // With a token the device streams, and the log names the forwarded client, not the proxy.
      const ok = await streamOnce(app.url, { token: TOKEN }, { 'X-Forwarded-For': '198.51.100.7, 203.0.113.9' });
      assert.equal(ok.first?.type, 'accepted', JSON.stringify(ok.first));
      const joined = logs.lines.find((l) => l.msg === 'viewer joined');
      assert.equal(joined?.device, 'hu');
      assert.equal(joined?.address, '203.0.113.9', 'the right-most untrusted hop');
    } finally {
      await app.close();
    }
  });
});

describe('safe by default off loopback', () => {
  test('a non-loopback bind without device credentials refuses to start with one line naming the settings', async () => {
    for (const host of ['0.0.0.0', '::']) {
      const config = loadConfig({ raw: { server: { port: 0 }, log: { level: 'warn' } }, overrides: { host } });
      const err = await startRevcam(config, { baseDir: ROOT }).then(
        (app) => app.close().then(() => undefined),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ConfigError, `${host}: ${String(err)}`);
      assert.doesNotMatch(err.message, /\n/);
      assert.match(err.message, /auth\.devices/);
      assert.match(err.message, /server\.host/);
    }
  });

  test('with a device credential it binds 0.0.0.0, and loopback clients are still the anonymous demo', async () => {
    const config = loadConfig({ raw: { server: { port: 0 }, auth: { devices: [{ id: 'hu', role: 'head-unit', token: TOKEN }] }, log: { level: 'error' } }, overrides: { host: '0.0.0.0' } });
    const app = await startRevcam(config, { baseDir: ROOT });
    try {
      assert.equal((await fetch(`http://127.0.0.1:${app.port}/api/signals`)).status, 200);
    } finally {
      await app.close();
    }
  });

  test('the CLI prints one line, no stack, and exits non-zero', async () => {
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, [join(ROOT, 'dist/bundle/revcam.js'), 'serve', '--host', '0.0.0.0', '--port', '0'], { cwd: ROOT, timeout: 60_000, env: { ...process.env, REVCAM_LOG_LEVEL: 'warn' } }, (_err, stdout, stderr) =>
        resolve({ code: child.exitCode, stdout, stderr }),
      );
    });
    assert.notEqual(out.code, 0);
    assert.equal(out.stdout, '');
    const lines = out.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, out.stderr);
    assert.match(lines[0]!, /^revcam: .*auth\.devices.*server\.host/);
    assert.doesNotMatch(out.stderr, /\n\s+at /);
  });
});
