/**
 * NATS credentials come from the config's `nats` section (docs/distributed.md
 * "Credentials and TLS"): a real nats-server that requires a user/password
 * or a token, `revcam host` and `revcam gateway` as real processes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startHost, startNatsServer, startRevcamCommand, type NatsServer, type RevcamProcess } from '../helpers/natsServer.js';
import { makeTestCerts, type TestCerts } from '../helpers/certs.js';
import { hasCommand } from '../helpers/requireCommand.js';
import { ROOT } from '../helpers/server.js';
import { TestViewer } from '../helpers/viewer.js';
import type { AcceptedMessage, ErrorMessage } from '../../src/wire/messages.js';

const skip = !hasCommand('nats-server') && process.env.CI !== 'true' ? 'nats-server is not installed (apt-get install nats-server)' : false;
const PASSWORD = 'pw-Zq81-never-logged';
const TOKEN = 'tk-Jm42-never-logged';
const dir = mkdtempSync(join(tmpdir(), 'revcam-natsauth-'));

function configFile(name: string, nats: Record<string, unknown>): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify({ nats }));
  return file;
}

/** Runs revcam to its exit: code, stderr and stdout. */
function revcam(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(process.execPath, [resolve(ROOT, 'dist/bundle/revcam.js'), ...args], { cwd: ROOT, timeout: 60_000, env: { ...process.env, REVCAM_DEBUG: '', REVCAM_LOG_LEVEL: 'info' } }, (err, stdout, stderr) => {
      res({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

describe('user/password from the config file', { skip }, () => {
  let nats: NatsServer;
  let host: RevcamProcess | undefined;
  let gateway: RevcamProcess | undefined;
  let viewer: TestViewer | undefined;

  before(async () => {
    nats = await startNatsServer(['--user', 'revcam', '--pass', PASSWORD]);
  });
  after(async () => {
    viewer?.close();
    await Promise.all([host?.kill('SIGKILL'), gateway?.kill('SIGKILL')]);
    await nats?.stop();
  });

  test('a host (--nats URL + config credentials) and a gateway (url and credentials from config) stream frames; the password is never printed', async () => {
    const good = configFile('good.json', { user: 'revcam', pass: PASSWORD });
    host = await startHost(nats.url, 'veh-a', ['--config', good]);
    const gwFile = configFile('gateway.json', { url: nats.url, user: 'revcam', pass: PASSWORD });
    gateway = await startRevcamCommand(['gateway', '--port', '0', '--config', gwFile], /display at (http:\/\/[^\s/]+)\//, { REVCAM_LOG_LEVEL: 'info' });
    viewer = new TestViewer(gateway.url!);
    // Discovery takes a ping round or two: retry until the remote service is there.
    const deadline = Date.now() + 20_000;
    let reply: AcceptedMessage | ErrorMessage;
    for (;;) {
      reply = (await viewer.request({ vehicle: 'veh-a' })) as AcceptedMessage | ErrorMessage;
      if (reply.type === 'accepted' || Date.now() > deadline) break;
      viewer.close();
      await new Promise((r) => setTimeout(r, 500));
      viewer = new TestViewer(gateway.url!);
    }
    assert.equal(reply.type, 'accepted', JSON.stringify(reply));
    await viewer.waitForFrames(10, 20_000);
    for (const p of [host, gateway]) assert.ok(!p.output().includes(PASSWORD), `a password in the output:\n${p.output()}`);
    assert.match(gateway.output(), /connected to NATS/, 'info logs were on: the check above saw the connect log');
  });

  test('a wrong password: the host exits 1 with one line naming the cause, no stack, no password', async () => {
    const bad = configFile('bad.json', { user: 'revcam', pass: 'wrong-password' });
    const r = await revcam(['host', '--nats', nats.url, '--vehicle', 'veh-a', '--config', bad]);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('revcam:'));
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^revcam: error: cannot connect to NATS at nats:\/\/127\.0\.0\.1:\d+: .*authorization/i);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack');
    assert.ok(!r.stderr.includes('wrong-password') && !r.stdout.includes('wrong-password'));
  });

  test('no credentials at all: refused the same way', async () => {
    const r = await revcam(['host', '--nats', nats.url, '--vehicle', 'veh-a']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /revcam: error: cannot connect to NATS at .*authorization/i);
  });
});

describe('a token from the config file', { skip }, () => {
  let nats: NatsServer;
  let host: RevcamProcess | undefined;
  before(async () => {
    nats = await startNatsServer(['--auth', TOKEN]);
  });
  after(async () => {
    await host?.kill('SIGKILL');
    await nats?.stop();
  });

  test('the right token: the host connects and announces; a wrong one: exit 1, one line', async () => {
    host = await startHost(nats.url, 'veh-a', ['--config', configFile('token.json', { token: TOKEN })]);
    assert.ok(!host.output().includes(TOKEN));
    const conns = (await (await fetch(`${nats.monitorUrl}/connz`)).json()) as { connections?: { name?: string }[] };
    assert.ok(conns.connections?.some((c) => c.name === 'revcam host veh-a'), JSON.stringify(conns));
    const r = await revcam(['host', '--nats', nats.url, '--vehicle', 'veh-b', '--config', configFile('badtoken.json', { token: 'not-the-token' })]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^revcam: error: cannot connect to NATS at .*authorization/im);
  });
});

describe('mutual TLS from the config file (openssl-made CA, server and client certificates)', { skip: skip || (!hasCommand('openssl') ? 'openssl is not installed' : false) }, () => {
  let certs: TestCerts;
  let nats: NatsServer;
  let host: RevcamProcess | undefined;
  before(async () => {
    certs = makeTestCerts();
    // --tlsverify: the server also demands a client certificate signed by the CA.
    nats = await startNatsServer(['--tls', '--tlscert', certs.server.certFile, '--tlskey', certs.server.keyFile, '--tlscacert', certs.caFile, '--tlsverify']);
  });
  after(async () => {
    await host?.kill('SIGKILL');
    await nats?.stop();
    certs?.cleanup();
  });

  test('with caFile + a client certificate the host connects over TLS; without them it exits 1 with one line', async () => {
    const client = certs.client('revcam-host');
    host = await startHost(nats.url, 'veh-a', ['--config', configFile('tls.json', { tls: { caFile: certs.caFile, certFile: client.certFile, keyFile: client.keyFile } })]);
    const conns = (await (await fetch(`${nats.monitorUrl}/connz`)).json()) as { connections?: { name?: string; tls_version?: string }[] };
    const mine = conns.connections?.find((c) => c.name === 'revcam host veh-a');
    assert.ok(mine?.tls_version, `a TLS connection: ${JSON.stringify(conns)}`);
    const noCert = await revcam(['host', '--nats', nats.url, '--vehicle', 'veh-b', '--config', configFile('tls-nocert.json', { tls: { caFile: certs.caFile, certFile: null, keyFile: null } })]);
    assert.equal(noCert.code, 1, noCert.stderr);
    assert.equal(noCert.stderr.split('\n').filter((l) => l.startsWith('revcam:')).length, 1, noCert.stderr);
    assert.match(noCert.stderr, /^revcam: error: cannot connect to NATS at /m);
  });
});

test('credentials in a --nats URL are refused (exit 2, one line, the password not echoed)', async () => {
  const r = await revcam(['host', '--nats', `nats://revcam:${PASSWORD}@127.0.0.1:4222`, '--vehicle', 'veh-a']);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /credentials do not go in the URL/);
  assert.ok(!r.stderr.includes(PASSWORD));
});

test("credentials in the config's nats.url are refused too (exit 1, config error)", async () => {
  const r = await revcam(['gateway', '--port', '0', '--config', configFile('urlcreds.json', { url: `nats://revcam:${PASSWORD}@127.0.0.1:4222` })]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /invalid config: \/nats\/url/);
  assert.ok(!r.stderr.includes(PASSWORD), r.stderr);
});

