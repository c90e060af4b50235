/**
 * The NATS commands teach and refuse like the others: `revcam host` and
 * `revcam gateway` answer --help, and a missing or malformed --nats or
 * --vehicle is one line on stderr with exit 2, before anything starts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { ROOT } from '../helpers/server.js';

const BIN = resolve(ROOT, 'dist/bundle/revcam.js');

function revcam(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000, env: { ...process.env, REVCAM_DEBUG: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

for (const cmd of ['host', 'gateway']) {
  test(`revcam ${cmd} --help teaches: --nats, defaults and an example, exit 0`, () => {
    const r = revcam([cmd, '--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, new RegExp(`usage: revcam ${cmd} --nats URL`));
    assert.match(r.stdout, /default/);
    assert.match(r.stdout, /example/i);
  });
}

test('revcam --help lists host and gateway; serve --help documents --nats and --vehicle', () => {
  const help = revcam(['--help']);
  assert.match(help.stdout, /\bhost\b.*NATS/);
  assert.match(help.stdout, /\bgateway\b.*NATS/);
  const serve = revcam(['serve', '--help']);
  assert.match(serve.stdout, /--nats URL/);
  assert.match(serve.stdout, /--vehicle NAME/);
});

const USER_ERRORS: { args: string[]; says: RegExp }[] = [
  { args: ['host'], says: /host: --nats URL is required/ },
  { args: ['host', '--nats', 'nats://127.0.0.1:4222'], says: /--vehicle NAME is required/ },
  { args: ['host', '--nats', 'http://127.0.0.1:4222', '--vehicle', 'veh-a'], says: /--nats: not a NATS server URL/ },
  { args: ['host', '--nats', 'nats://127.0.0.1:4222', '--vehicle', 'Veh A'], says: /--vehicle: a vehicle name/ },
  { args: ['gateway'], says: /gateway: --nats URL is required/ },
  { args: ['gateway', '--nats', 'nats://127.0.0.1:4222', '--port', 'x'], says: /--port/ },
  { args: ['gateway', '--nats', 'nats://127.0.0.1:4222', '--vehicle', 'Veh A'], says: /--vehicle: a vehicle name/ },
  { args: ['serve', '--vehicle', 'veh-a'], says: /--vehicle needs --nats/ },
  { args: ['serve', '--nats', 'nats://127.0.0.1:4222'], says: /--nats needs --vehicle/ },
];

for (const { args, says } of USER_ERRORS) {
  test(`revcam ${args.join(' ')} → exit 2, one line`, () => {
    const r = revcam(args);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, says);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  });
}
