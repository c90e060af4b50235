/**
 * `revcam config check FILE` as a user runs it: a valid file prints the effective config (YAML, or JSON with
 * --json), secrets redacted, exit 0; an invalid one prints one line per mistake, exit 1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ROOT } from '../helpers/server.js';

const BIN = resolve(ROOT, 'dist/bundle/revcam.js');
const dir = mkdtempSync(join(tmpdir(), 'revcam-config-check-'));

function revcam(args: string[], env: NodeJS.ProcessEnv = {}): { code: number | null; stdout: string; stderr: string } {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REVCAM_') && k !== 'STATE_DIRECTORY'));
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000, env: { ...clean, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const TOKEN = 'plain-device-token-0123456789';
const NATS_PASS = 'nats-password-xyz';
const HASH = 'scrypt$16384$8$1$c2FsdA$aGFzaA';
const valid = join(dir, 'valid.yaml');
writeFileSync(
  valid,
  [
    'server:',
    '  port: 8443',
    '  tls: { certFile: /etc/revcam/cert.pem, keyFile: /etc/revcam/key.pem }',
    'auth:',
    '  devices:',
    `    - { id: hu, role: head-unit, token: "${TOKEN}" }`,
    `    - { id: phone, role: phone, tokenHash: "${HASH}" }`,
    'nats: { user: revcam, pass: ' + NATS_PASS + ', tls: { caFile: /etc/revcam/nats-ca.pem } }',
    'cameras:',
    '  rear: { fps: 25 }',
    '',
  ].join('\n'),
);

test('a valid file: the effective config as YAML, defaults filled in, secrets redacted, exit 0', () => {
  const r = revcam(['config', 'check', valid]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  const yaml = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  assert.doesNotMatch(r.stdout, /&a\d|\*a\d/, 'no YAML anchors or aliases');
  const c = yaml.parse(r.stdout) as Record<string, any>;
  assert.deepEqual(c.server.tls, { certFile: '/etc/revcam/cert.pem', keyFile: '/etc/revcam/key.pem', caFile: null, requestClientCert: false });
  assert.equal(c.server.port, 8443);
  assert.equal(c.server.host, '127.0.0.1', 'a default');
  assert.equal(c.cameras.rear.fps, 25);
  assert.equal(c.cameras.rear.width, 1280, 'a camera default');
  assert.deepEqual(c.nats.tls, { caFile: '/etc/revcam/nats-ca.pem', certFile: null, keyFile: null });
  assert.equal(c.auth.devices[0].token, '<redacted>');
  assert.equal(c.auth.devices[1].tokenHash, '<redacted>');
  assert.equal(c.nats.pass, '<redacted>');
  assert.equal(c.nats.user, 'revcam');
  for (const secret of [TOKEN, NATS_PASS, HASH]) assert.ok(!r.stdout.includes(secret), `${secret} printed`);
});

test('--json prints the same config as JSON; REVCAM_* variables apply as they do for serve', () => {
  const r = revcam(['config', 'check', valid, '--json'], { REVCAM_PORT: '9000' });
  assert.equal(r.code, 0, r.stderr);
  const c = JSON.parse(r.stdout) as Record<string, any>;
  assert.equal(c.server.port, 9000);
  assert.equal(c.auth.devices[0].token, '<redacted>');
  assert.ok(!r.stdout.includes(TOKEN));
});

test('an invalid file: one line per mistake on stderr, nothing on stdout, exit 1', () => {
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'server:\n  port: 70000\n  tls: { certFile: c.pem, keyFile: k.pem, caFile: 42 }\ncameras:\n  rear: { fsp: 15 }\nauth:\n  devices: [{ id: hu, role: head-unit, token: short }]\n');
  const r = revcam(['config', 'check', bad]);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, '');
  assert.deepEqual(r.stderr.trimEnd().split('\n'), [
    'revcam: invalid config: /server/port: 70000 is not an integer from 0 to 65535',
    'revcam: invalid config: /server/tls/caFile: expected a file path or null, got 42',
    'revcam: invalid config: /auth/devices/0/token: a secret of 5 characters is not a string of 16 to 512 characters',
    'revcam: invalid config: /cameras/rear/fsp: unknown property (did you mean "fps"?)',
  ]);
});

test('what serve refuses at start is refused by the check too: a network address with no device credential', () => {
  const open = join(dir, 'open.yaml');
  writeFileSync(open, 'server: { host: 0.0.0.0 }\n');
  const r = revcam(['config', 'check', open]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^revcam: server\.host is 0\.0\.0\.0.*auth\.devices/);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1);
});
