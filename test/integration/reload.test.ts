/**
 * Live reload (docs/deploy.md, "Live reload"), with a real server, real WebSocket viewers and real
 * TLS: a new config file is applied whole, or refused with one line per mistake and nothing changes.
 * Only the viewers a change concerns end; every other viewer loses no frame beyond one interval.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { startRevcam, type RevcamApp } from '../../src/app/startRevcam.js';
import { ConfigError, deepMerge, loadConfig } from '../../src/config/loadConfig.js';
import type { ReloadResult } from '../../src/app/reload/ConfigReloader.js';
import type { ServerMessage } from '../../src/wire/messages.js';
import { makeTestCerts } from '../helpers/certs.js';
import { startCliServer } from '../helpers/cliServer.js';
import { ROOT } from '../helpers/server.js';
import { until } from '../helpers/until.js';
import { TestViewer } from '../helpers/viewer.js';

const ADMIN = 'reload-admin-token-AAAAAAAAAAAAAAAA';
const tokenOf = (id: string) => `reload-token-of-${id}-BBBBBBBBBBBB`;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const dir = mkdtempSync(join(tmpdir(), 'revcam-reload-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A small rear camera: 50 viewers on two cores measure the reload, not the encoder. */
const SMALL = { width: 320, height: 240, fps: 15 };

/** A config file (JSON): an admin device, head units by id, the rear camera, the reversing service. */
function configFile(name: string, opts: { devices?: string[]; extra?: Record<string, unknown> } = {}): { file: string; write(o: typeof opts): void } {
  const file = join(dir, `${name}.json`);
  const write = (o: typeof opts) => {
    const devices = (o.devices ?? ['hu']).map((id) => ({ id, role: 'head-unit', token: tokenOf(id) }));
    const raw = deepMerge(
      {
        server: { port: 0 },
        log: { level: 'warn' },
        auth: { anonymousLoopback: false, devices: [{ id: 'ops', role: 'admin', token: ADMIN }, ...devices] },
        cameras: { rear: SMALL },
        services: [{ manifest: 'builtin:reversing', standby: 'warm' }],
        serviceHost: { spare: false },
      },
      o.extra ?? {},
    );
    writeFileSync(file, JSON.stringify(raw, null, 2));
  };
  write(opts);
  return { file, write };
}

async function start(file: string): Promise<RevcamApp> {
  return startRevcam(loadConfig({ file }), { baseDir: ROOT, configFile: file, reloadConfig: () => loadConfig({ file }) });
}

async function postReload(app: RevcamApp, token: string | undefined, body?: string, contentType = 'application/json'): Promise<{ status: number; body: any }> {
  const res = await fetch(`${app.url}/api/config/reload`, {
    method: 'POST',
    headers: { ...(token && bearer(token)), ...(body !== undefined && { 'content-type': contentType }) },
    ...(body !== undefined && { body }),
  });
  return { status: res.status, body: await res.json() };
}

/**
 * Frames a viewer lost from frame index `from` on: the gaps in its sequence numbers, and the longest
 * time between two consecutive frames' captures (ms).
 */
function framesLost(v: TestViewer, from: number): { lost: number; maxGapMs: number; frames: number } {
  const frames = v.frames.slice(Math.max(0, from));
  let lost = 0;
  let maxGapMs = 0;
  for (let i = 1; i < frames.length; i++) {
    lost += Math.max(0, frames[i]!.seq - frames[i - 1]!.seq - 1);
    maxGapMs = Math.max(maxGapMs, (frames[i]!.captureUs - frames[i - 1]!.captureUs) / 1000);
  }
  return { lost, maxGapMs, frames: frames.length };
}

const errorOf = (v: TestViewer) => v.messages.find((m): m is Extract<ServerMessage, { type: 'error' }> => m.type === 'error');

test('a reload under 50 viewers that revokes one token ends that viewer at once; the other 49 lose no frame', { timeout: 120_000 }, async () => {
  const ids = Array.from({ length: 50 }, (_, i) => `hu${String(i).padStart(2, '0')}`);
  const cfg = configFile('fifty', { devices: ids });
  const app = await start(cfg.file);
  const viewers = ids.map((id) => new TestViewer(app.url, { headers: bearer(tokenOf(id)) }));
  try {
    for (const v of viewers) assert.equal((await v.request()).type, 'accepted');
    await Promise.all(viewers.map((v) => v.waitForFrames(10)));
    const revoked = viewers[7]!;
    const marks = viewers.map((v) => v.frames.length);
    cfg.write({ devices: ids.filter((id) => id !== 'hu07') });
    const t0 = performance.now();
    const answer = await postReload(app, ADMIN);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const result = answer.body as ReloadResult;
    assert.equal(result.applied, true);
    assert.deepEqual(result.live, ['auth.devices: hu07 removed']);
    assert.deepEqual(result.restartOnly, []);
    assert.equal(result.viewersEnded, 1);
    await revoked.waitFor(() => revoked.closeCode, 'close', 2_000);
    const endedMs = performance.now() - t0;
    assert.equal(errorOf(revoked)?.code, 'UNAUTHORIZED');
    assert.equal(revoked.closeCode, 1008);
    // A second of frames after the reload, then the frames every untouched viewer lost around it.
    await Promise.all(viewers.filter((v) => v !== revoked).map((v) => v.waitForFrames(SMALL.fps)));
    const others = viewers.map((v, i) => ({ v, seen: framesLost(v, marks[i]! - 5) })).filter(({ v }) => v !== revoked);
    const lost = others.map(({ seen }) => seen.lost);
    const maxGapMs = Math.max(...others.map(({ seen }) => seen.maxGapMs));
    console.log(`# 50 viewers, one token revoked: revoked viewer ended in ${endedMs.toFixed(0)} ms (answer included); untouched 49: frames lost total ${lost.reduce((a, b) => a + b, 0)}, worst ${Math.max(...lost)}, longest gap ${maxGapMs.toFixed(0)} ms (interval ${(1000 / SMALL.fps).toFixed(0)} ms)`);
    for (const { v, seen } of others) {
      assert.equal(v.closeCode, undefined);
      assert.ok(seen.lost <= 1, `an untouched viewer lost ${seen.lost} frames`);
    }
    // The old token is refused from now on; the others still open streams.
    const again = new TestViewer(app.url, { headers: bearer(tokenOf('hu07')) });
    assert.equal(((await again.request()) as { code?: string }).code, 'UNAUTHORIZED');
    const other = new TestViewer(app.url, { headers: bearer(tokenOf('hu08')) });
    assert.equal((await other.request()).type, 'accepted');
    again.close();
    other.close();
  } finally {
    for (const v of viewers) v.close();
    await app.close();
  }
});

test('a camera and a service added become requestable; removed, their viewers end with CAMERA_NOT_AVAILABLE and SERVICE_NOT_FOUND', { timeout: 90_000 }, async () => {
  const cfg = configFile('cameras');
  const app = await start(cfg.file);
  const hu = bearer(tokenOf('hu'));
  const rear = new TestViewer(app.url, { headers: hu });
  const viewers = [rear];
  try {
    assert.equal((await rear.request()).type, 'accepted');
    await rear.waitForFrames(5);
    const mark = rear.frames.length;
    const before = new TestViewer(app.url, { headers: hu });
    viewers.push(before);
    assert.equal(((await before.request({ camera: 'left' })) as { code?: string }).code, 'CAMERA_NOT_AVAILABLE');

    // Added: the left door-mirror camera, and the cabin service with its camera.
    cfg.write({ extra: { cameras: { rear: SMALL, left: { ...SMALL, scene: 'side', guidelines: false }, cabin: { ...SMALL, scene: 'cabin', guidelines: false } }, services: [{ manifest: 'builtin:reversing', standby: 'warm' }, { manifest: 'builtin:cabin' }] } });
    const added = await postReload(app, ADMIN);
    assert.equal(added.status, 200, JSON.stringify(added.body));
    assert.deepEqual(added.body.live, ['cameras.left: added', 'cameras.cabin: added', 'services: cabin-view added']);
    const left = new TestViewer(app.url, { headers: hu });
    const cabin = new TestViewer(app.url, { headers: hu });
    viewers.push(left, cabin);
    assert.equal((await left.request({ camera: 'left' })).type, 'accepted');
    assert.equal((await cabin.request({ service: 'cabin-view', camera: 'cabin' })).type, 'accepted');
    await Promise.all([left.waitForFrames(3), cabin.waitForFrames(3)]);

    // Removed again: their viewers end with the code a new request for them gets.
    cfg.write({});
    const removed = await postReload(app, ADMIN);
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    assert.equal(removed.body.viewersEnded, 2);
    await left.waitFor(() => left.closeCode, 'close', 2_000);
    await cabin.waitFor(() => cabin.closeCode, 'close', 2_000);
    assert.equal(errorOf(left)?.code, 'CAMERA_NOT_AVAILABLE');
    assert.equal(errorOf(cabin)?.code, 'SERVICE_NOT_FOUND');
    assert.equal(left.closeCode, 1008);
    assert.equal(app.host.get('cabin-view'), undefined);
    const gone = new TestViewer(app.url, { headers: hu });
    viewers.push(gone);
    assert.equal(((await gone.request({ camera: 'left' })) as { code?: string }).code, 'CAMERA_NOT_AVAILABLE');

    // The rear viewer saw none of it.
    await rear.waitForFrames(SMALL.fps);
    const seen = framesLost(rear, mark);
    console.log(`# camera and service added then removed: the rear viewer lost ${seen.lost} of ${seen.frames} frames, longest gap ${seen.maxGapMs.toFixed(0)} ms`);
    assert.equal(rear.closeCode, undefined);
    assert.ok(seen.lost <= 1, `the rear viewer lost ${seen.lost} frames`);
  } finally {
    for (const v of viewers) v.close();
    await app.close();
  }
});

test('an invalid file is refused with the start-up lines and changes nothing; the reload needs admin and a valid body', { timeout: 60_000 }, async () => {
  const cfg = configFile('invalid', { extra: { limits: { maxViewers: 100 } } });
  const app = await start(cfg.file);
  const viewer = new TestViewer(app.url, { headers: bearer(tokenOf('hu')) });
  try {
    assert.equal((await viewer.request()).type, 'accepted');
    await viewer.waitForFrames(5);
    const mark = viewer.frames.length;
    const running = app.config;

    // Two mistakes, and the device the viewer uses revoked in the same file: none of it applies.
    cfg.write({ devices: [], extra: { limits: { maxViewers: 'many' }, cameras: { rear: { ...SMALL, fsp: 10 } } } });
    let expected: string[] = [];
    try {
      loadConfig({ file: cfg.file });
    } catch (err) {
      expected = (err as ConfigError).lines;
    }
    assert.equal(expected.length, 2);
    const refused = await postReload(app, ADMIN);
    assert.equal(refused.status, 422);
    assert.equal(refused.body.error.code, 'CONFIG_INVALID');
    assert.deepEqual(refused.body.error.lines, expected);
    assert.equal(refused.body.error.message, expected.join('\n'));
    assert.equal(app.config, running);
    assert.equal(app.config.limits.maxViewers, 100);

    // The old token still works, and the viewer never noticed.
    const again = new TestViewer(app.url, { headers: bearer(tokenOf('hu')) });
    assert.equal((await again.request()).type, 'accepted');
    again.close();
    await viewer.waitForFrames(SMALL.fps);
    const seen = framesLost(viewer, mark);
    console.log(`# invalid file refused: the viewer lost ${seen.lost} of ${seen.frames} frames`);
    assert.equal(viewer.closeCode, undefined);
    assert.ok(seen.lost <= 1);

    // Only admin may reload; the body is nothing or {"dryRun": boolean}.
    assert.equal((await postReload(app, tokenOf('hu'))).body.error.code, 'FORBIDDEN');
    assert.equal((await postReload(app, undefined)).body.error.code, 'UNAUTHORIZED');
    for (const [body, type] of [['{"dryRun":"yes"}', 'application/json'], ['{"force":true}', 'application/json'], ['[]', 'application/json'], ['not json', 'application/json'], ['{}', 'text/plain']] as const) {
      const bad = await postReload(app, ADMIN, body, type);
      assert.equal(bad.status, 400, body);
      assert.equal(bad.body.error.code, 'BAD_REQUEST', body);
    }
    // A dry run of a valid file says what would change and changes nothing.
    cfg.write({ extra: { limits: { maxViewers: 50 }, server: { port: 1 } } });
    const dry = await postReload(app, ADMIN, '{"dryRun":true}');
    assert.equal(dry.status, 200);
    assert.deepEqual(dry.body, { applied: false, live: ['limits.maxViewers: 100 → 50'], restartOnly: ['server.port: 0 → 1 (restart to apply)'], viewersEnded: 0 });
    assert.equal(app.config.limits.maxViewers, 100);
  } finally {
    viewer.close();
    await app.close();
  }
});

/** The SHA-256 fingerprint of the certificate a new TLS connection to the server sees. */
function fingerprint(url: string, ca: Buffer): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), ca, servername: 'localhost' }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.once('error', reject);
  });
}

test('a rotated certificate: the open TLS connection keeps streaming, a new connection gets the new certificate', { timeout: 60_000 }, async () => {
  const first = makeTestCerts();
  const second = makeTestCerts();
  const certFile = join(dir, 'server.crt');
  const keyFile = join(dir, 'server.key');
  copyFileSync(first.server.certFile, certFile);
  copyFileSync(first.server.keyFile, keyFile);
  const cfg = configFile('tls', { extra: { server: { tls: { certFile, keyFile } } } });
  const app = await start(cfg.file);
  const viewer = new TestViewer(app.url, { headers: bearer(tokenOf('hu')), ca: first.ca });
  try {
    assert.match(app.url, /^https:/);
    assert.equal((await viewer.request()).type, 'accepted');
    await viewer.waitForFrames(5);
    const before = await fingerprint(app.url, first.ca);
    const mark = viewer.frames.length;

    // A key that does not fit the certificate is refused whole.
    copyFileSync(second.server.keyFile, keyFile);
    await assert.rejects(app.reload(), (err: ConfigError) => err.code === 'CONFIG_INVALID' && /server\.tls/.test(err.message));
    assert.equal(await fingerprint(app.url, first.ca), before);

    copyFileSync(second.server.certFile, certFile);
    const result = await app.reload();
    assert.deepEqual(result.live, ['server.tls: certificate and key re-read; new connections get them']);
    const after = await fingerprint(app.url, second.ca);
    assert.notEqual(after, before);
    assert.equal(after, new (await import('node:crypto')).X509Certificate(second.server.cert).fingerprint256);
    // A client that trusts only the old CA is refused now: the new connection really has the new certificate.
    await assert.rejects(fingerprint(app.url, first.ca));

    await viewer.waitForFrames(SMALL.fps);
    const seen = framesLost(viewer, mark);
    console.log(`# certificate rotated: the open wss viewer lost ${seen.lost} of ${seen.frames} frames`);
    assert.equal(viewer.closeCode, undefined);
    assert.ok(seen.lost <= 1);
  } finally {
    viewer.close();
    await app.close();
    first.cleanup();
    second.cleanup();
  }
});

test('SIGHUP makes a real revcam serve reload its --config file, and logs it; a refused file is printed and changes nothing', { timeout: 60_000 }, async () => {
  const cfg = configFile('sighup', { devices: ['hu', 'old'], extra: { log: { level: 'info' } } });
  const server = await startCliServer(['--config', cfg.file]);
  const viewers: TestViewer[] = [];
  try {
    const old = new TestViewer(server.url, { headers: bearer(tokenOf('old')) });
    viewers.push(old);
    assert.equal((await old.request()).type, 'accepted');
    cfg.write({ devices: ['hu'], extra: { log: { level: 'info' }, server: { host: '127.0.0.2' } } });
    server.child.kill('SIGHUP');
    await old.waitFor(() => old.closeCode, 'close', 5_000);
    assert.equal(errorOf(old)?.code, 'UNAUTHORIZED');
    await until('the reload in the log', 5_000, async () => /"msg":"config reloaded"/.test(server.output()));
    const line = server.output().split('\n').find((l) => l.includes('"config reloaded"'))!;
    const logged = JSON.parse(line) as { trigger: string; live: string[]; restartOnly: string[] };
    assert.equal(logged.trigger, 'SIGHUP');
    assert.deepEqual(logged.live, ['auth.devices: old removed']);
    assert.deepEqual(logged.restartOnly, ['server.host: "127.0.0.1" → "127.0.0.2" (restart to apply)']);

    // A broken file: one line per mistake on stderr, and the process goes on with the config it had.
    writeFileSync(cfg.file, '{"limits": {"maxViewers": -1}}');
    server.child.kill('SIGHUP');
    await until('the refusal on stderr', 5_000, async () => /revcam: reload refused: invalid config: \/limits\/maxViewers/.test(server.output()));
    const hu = new TestViewer(server.url, { headers: bearer(tokenOf('hu')) });
    viewers.push(hu);
    assert.equal((await hu.request()).type, 'accepted');
    await hu.waitForFrames(3);
  } finally {
    for (const v of viewers) v.close();
    server.child.kill('SIGTERM');
    await server.exited;
  }
});
