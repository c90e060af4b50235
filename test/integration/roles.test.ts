/**
 * Roles with rights, policies on signals and hashed tokens, with real
 * clients (ws, fetch, the revcam CLI) against a real server.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { resolve } from 'node:path';
import { pino } from 'pino';
import { startRevcam, type RevcamApp } from '../../src/app/startRevcam.js';
import { deepMerge, loadConfig } from '../../src/config/loadConfig.js';
import { hashToken, parseTokenHash, verifyToken } from '../../src/device/tokenHash.js';
import { VSS } from '../../src/wire/signals.js';
import { ROOT, startTestServer } from '../helpers/server.js';
import { TestViewer } from '../helpers/viewer.js';

const T = {
  hu: 'head-unit-token-AAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  ctl: 'controller-token-BBBBBBBBBBBBBBBBBBBBBBBBBBB',
  phone: 'phone-token-CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC',
  admin: 'admin-token-DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD',
};
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

let app: RevcamApp;
const logged: string[] = [];

before(async () => {
  const config = loadConfig({
    raw: deepMerge(
      { server: { port: 0 }, log: { level: 'info' } },
      {
        auth: {
          devices: [
            { id: 'hu', role: 'head-unit', tokenHash: hashToken(T.hu) },
            { id: 'sim', role: 'controller', token: T.ctl }, // plain: still accepted, with a warning
            { id: 'owner-phone', role: 'phone', tokenHash: hashToken(T.phone) },
            { id: 'ops', role: 'admin', tokenHash: hashToken(T.admin) },
          ],
        },
      },
    ),
  });
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logged.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  app = await startRevcam(config, { baseDir: ROOT, log: pino({ level: 'info' }, sink) });
});
after(async () => app.close());

const post = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${app.url}/api/signals`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

test('a head-unit token streams but may not write signals', async () => {
  const v = new TestViewer(app.url, { headers: bearer(T.hu) });
  try {
    assert.equal((await v.request()).type, 'accepted');
    await v.waitForFrames(2);
  } finally {
    v.close();
  }
  const res = await post({ gear: 'D' }, bearer(T.hu));
  assert.equal(res.status, 403);
  const err = await errorOf(res);
  assert.equal(err.code, 'FORBIDDEN');
  assert.match(err.message, /head-unit.*writeSignals/);
  assert.equal((await fetch(`${app.url}/api/signals`, { headers: bearer(T.hu) })).status, 200, 'it reads them');
});

test('a controller writes signals but may not stream', async () => {
  assert.equal((await post({ gear: 'R' }, bearer(T.ctl))).status, 200);
  const v = new TestViewer(app.url, { headers: bearer(T.ctl) });
  try {
    const m = await v.request();
    assert.equal(m.type, 'error');
    assert.equal(m.type === 'error' && m.code, 'FORBIDDEN');
    await v.waitFor(() => v.closeCode !== undefined, 'close');
    assert.equal(v.closeCode, 1008);
  } finally {
    v.close();
  }
  const mjpeg = await fetch(`${app.url}/stream.mjpg?service=reversing&camera=rear`, { headers: bearer(T.ctl) });
  assert.equal(mjpeg.status, 403);
  assert.equal((await errorOf(mjpeg)).code, 'FORBIDDEN');
});

test('/metrics and /api/services need the admin right (or the loopback demo)', async () => {
  for (const path of ['/metrics', '/api/services']) {
    const hu = await fetch(`${app.url}${path}`, { headers: bearer(T.hu) });
    assert.equal(hu.status, 403, `${path} as head-unit`);
    assert.match((await errorOf(hu)).message, /"head-unit" lacks the admin right/);
    const admin = await fetch(`${app.url}${path}`, { headers: bearer(T.admin) });
    assert.equal(admin.status, 200, `${path} as admin`);
    await admin.arrayBuffer();
    const local = await fetch(`${app.url}${path}`);
    assert.equal(local.status, 200, `${path} from the loopback demo`);
    await local.arrayBuffer();
  }
});

test('a wrong token is 401 even from loopback; a hashed token works on every endpoint', async () => {
  const wrong = await fetch(`${app.url}/api/services`, { headers: bearer('wrong-token-EEEEEEEEEEEEEEEEEEEEEEEEEEEEEE') });
  assert.equal(wrong.status, 401);
  assert.equal((await errorOf(wrong)).code, 'UNAUTHORIZED');
  const viaQuery = await fetch(`${app.url}/api/signals?token=${encodeURIComponent(T.hu)}`);
  assert.equal(viaQuery.status, 200);
  await viaQuery.arrayBuffer();
});

test('a plain token logs one warning naming the device, and no token is ever logged', () => {
  const warnings = logged.filter((l) => l.includes('plain text'));
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0]!, /"sim"/);
  for (const token of Object.values(T)) assert.ok(!logged.some((l) => l.includes(token)), 'a token appears in the log');
});

/** Reads an HTTP stream until the server ends it; resolves with the bytes read. */
async function readToEnd(res: Response): Promise<number> {
  let n = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) n += chunk.length;
  return n;
}

test('a phone streams only while parked with consent, and its streams end when the gear leaves P', async () => {
  const local = {}; // the loopback demo may write signals
  assert.equal((await post({ gear: 'R', samples: [{ path: VSS.remoteViewConsent, value: 1 }] }, local)).status, 200);
  const refused = new TestViewer(app.url, { headers: bearer(T.phone) });
  try {
    const m = await refused.request();
    assert.equal(m.type === 'error' && m.code, 'FORBIDDEN');
    assert.match(m.type === 'error' ? m.message : '', /phone.*parked/);
  } finally {
    refused.close();
  }
  assert.equal((await fetch(`${app.url}/stream.mjpg?service=reversing&camera=rear`, { headers: bearer(T.phone) })).status, 403);

  // Parked, but no consent yet: still refused.
  assert.equal((await post({ gear: 'P', samples: [{ path: VSS.remoteViewConsent, value: 0 }] }, bearer(T.ctl))).status, 200);
  assert.equal((await fetch(`${app.url}/stream.mjpg?service=reversing&camera=rear`, { headers: bearer(T.phone) })).status, 403);

  assert.equal((await post({ samples: [{ path: VSS.remoteViewConsent, value: 1 }] }, bearer(T.ctl))).status, 200);
  const hu = new TestViewer(app.url, { headers: bearer(T.hu) });
  const phone = new TestViewer(app.url, { headers: bearer(T.phone) });
  const controller = new AbortController();
  try {
    assert.equal((await hu.request()).type, 'accepted');
    assert.equal((await phone.request()).type, 'accepted');
    await phone.waitForFrames(2);
    const mjpeg = await fetch(`${app.url}/stream.mjpg?service=reversing&camera=rear`, { headers: bearer(T.phone), signal: controller.signal });
    assert.equal(mjpeg.status, 200);
    const mjpegEnded = readToEnd(mjpeg);

    assert.equal((await post({ gear: 'R' }, bearer(T.ctl))).status, 200);
    const ended = await phone.waitFor(() => phone.messages.find((m) => m.type === 'error'), 'the phone told why');
    assert.equal(ended.type === 'error' && ended.code, 'FORBIDDEN');
    await phone.waitFor(() => phone.closeCode !== undefined, 'close', 5_000);
    assert.equal(phone.closeCode, 1008);
    assert.ok((await mjpegEnded) > 0, 'the MJPEG response had frames, then ended');
    // The head unit on the same stream is untouched.
    await hu.waitForFrames(5);
    assert.equal(hu.closeCode, undefined);
    assert.ok(!hu.messages.some((m) => m.type === 'error'));
  } finally {
    controller.abort();
    hu.close();
    phone.close();
  }
});

test('revcam token prints a token once and a config line whose hash verifies it; a server accepts it', async () => {
  const cli = resolve(ROOT, 'dist/bundle/revcam.js');
  const help = spawnSync(process.execPath, [cli, 'token', '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--device ID[\s\S]*--role ROLE[\s\S]*example:/);
  const missing = spawnSync(process.execPath, [cli, 'token', '--device', 'x'], { encoding: 'utf8' });
  assert.equal(missing.status, 2);
  assert.equal(missing.stderr.trim().split('\n').length, 1, missing.stderr);

  const out = spawnSync(process.execPath, [cli, 'token', '--device', 'rear-display', '--role', 'head-unit'], { encoding: 'utf8' });
  assert.equal(out.status, 0, out.stderr);
  const token = /shown once[^\n]*\n\s+(\S+)/.exec(out.stdout)?.[1];
  const line = /- \{ id: rear-display, role: head-unit, tokenHash: '([^']+)' \}/.exec(out.stdout);
  assert.ok(token && line, out.stdout);
  assert.ok(Buffer.from(token, 'base64url').length >= 32, 'at least 32 bytes of entropy');
  const tokenHash = line[1]!;
  assert.match(tokenHash, /^scrypt\$N=16384,r=8,p=1\$/);
  assert.equal(out.stdout.split(token).length - 1, 1, 'the token is printed exactly once');
  assert.ok(verifyToken(token, parseTokenHash(tokenHash)));
  assert.ok(!verifyToken(`${token}x`, parseTokenHash(tokenHash)));

  const json = JSON.parse(spawnSync(process.execPath, [cli, 'token', '--device', 'd2', '--role', 'phone', '--json'], { encoding: 'utf8' }).stdout) as Record<string, string>;
  assert.ok(verifyToken(json.token!, parseTokenHash(json.tokenHash!)));

  const strict = await startTestServer({ auth: { anonymousLoopback: false, devices: [{ id: 'rear-display', role: 'head-unit', tokenHash }] } });
  const v = new TestViewer(strict.url, { headers: bearer(token) });
  try {
    assert.equal((await v.request()).type, 'accepted');
    await v.waitForFrames(2);
    const wrong = await fetch(`${strict.url}/api/signals`, { headers: bearer(json.token!) });
    assert.equal(wrong.status, 401);
    await wrong.arrayBuffer();
  } finally {
    v.close();
    await strict.close();
  }
});
