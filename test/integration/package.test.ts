/**
 * The npm package as a user gets it (issue 17 §1, docs/deploy.md): `npm pack`,
 * installed into an empty prefix with production dependencies only, runs
 * revcam from a directory that is not the checkout (no repository, no build,
 * no devDependencies): `serve` streams to the installed `probe` and Chromium
 * paints the display; `host` and `gateway` stream over NATS; the tarball holds
 * only what runs.
 *
 * The pack uses --ignore-scripts: `npm test` has just built dist/ (pretest),
 * and prepack's rebuild would rewrite dist/ under the other test files running
 * beside this one. The package is that build.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM, haveChromium, launchChromium } from '../helpers/browser.js';
import { spawnUntilReady, type CliServer } from '../helpers/cliServer.js';
import { requireNatsServer, startNatsServer } from '../helpers/natsServer.js';
import { requireCommand } from '../helpers/requireCommand.js';
import { ROOT } from '../helpers/server.js';

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: Array<{ path: string; size: number }>;
}

/** What the package must never hold: the workshop. */
const FORBIDDEN: Array<[RegExp, string]> = [
  [/(^|\/)test\//, 'tests (sources or compiled)'],
  [/(^|\/)fixtures?\//, 'fixtures'],
  [/(^|\/)bench\//, 'the bench (sources, compiled or results)'],
  [/(^|\/)\.ci\//, 'CI scripts'],
  [/(^|\/)test-artifacts\//, 'test artifacts'],
  [/(^|\/)scripts\//, 'build scripts'],
  [/\.(cpuprofile|heapsnapshot)$/, 'profiles'],
  [/\.map$/, 'source maps (their sources are not shipped)'],
  [/(?<!\.d)\.ts$/, 'TypeScript sources (only .d.ts type declarations)'],
  [/(^|\/)tsconfig[^/]*\.json$/, 'build config'],
  [/(^|\/)package-lock\.json$/, 'the lockfile'],
];
/** A log is forbidden, except the CAN bus recording the CAN example replays (examples/can, docs/signals.md). */
const isStrayLog = (path: string) => /\.log$/.test(path) && !/^examples\/can\/[^/]+\.log$/.test(path);

/** The bin (dist/bundle), what revcam reads at run time from outside dist/src (src/gateway/staticFiles.ts, src/config/defaults.ts) and the units. */
const REQUIRED = [
  'package.json',
  'README.md',
  'dist/bundle/revcam.js',
  'dist/src/index.js',
  'dist/src/index.d.ts',
  'dist/src/display/main.js',
  'dist/src/wire/frame.js',
  'dist/src/schema/generated/config.js',
  'src/display/index.html',
  'src/display/style.css',
  'src/display/review.html',
  'src/display/review.css',
  'dist/src/display/review/main.js',
  'examples/revcam.yaml',
  'examples/can/revcam.dbc',
  'examples/can/reverse-park.log',
  'deploy/systemd/revcam.service',
  'deploy/systemd/revcam-host@.service',
  'deploy/systemd/revcam-gateway.service',
  'docs/deploy.md',
];

let work: string;
let pack: PackResult;
/** The installed bin: <prefix>/bin/revcam, a link into <prefix>/lib/node_modules/revcam. */
let revcam: string;
/** A directory that is not the checkout: the commands run there. */
let runDir: string;
let installWarnings: string[] = [];

function run(cmd: string, args: string[], cwd: string, timeoutMs = 60_000): { stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, npm_config_update_notifier: 'false' } });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

/** Runs the installed revcam to completion. */
function revcamSync(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [revcam, ...args], { cwd: runDir, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the installed revcam as this test's user without blocking the event loop. */
function runInstalled(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [revcam, ...args], { cwd: runDir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('exit', (code) => res({ code, stdout, stderr }));
  });
}

/** Starts the installed revcam, ready once its output matches `ready`. */
function startInstalled(args: string[], ready: RegExp): Promise<CliServer> {
  return spawnUntilReady(revcam, args, ready, { REVCAM_CACHE_DIR: join(work, 'cache') }, 30_000, runDir);
}

async function stop(server: CliServer | undefined): Promise<number | string | undefined> {
  if (!server || server.child.exitCode !== null) return server?.child.exitCode ?? undefined;
  server.child.kill('SIGTERM');
  return server.exited;
}

before(() => {
  work = mkdtempSync(join(tmpdir(), 'revcam-package-'));
  runDir = join(work, 'run');
  mkdirSync(runDir);
  const packed = run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], ROOT);
  pack = (JSON.parse(packed.stdout) as PackResult[])[0]!;
  console.log(`package: ${pack.filename}, ${pack.size} bytes packed, ${pack.unpackedSize} bytes unpacked, ${pack.entryCount} files`);
  // As on a vehicle or a server: a global install into a prefix of its own, production dependencies only.
  const prefix = join(work, 'prefix');
  const installed = run('npm', ['install', '-g', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', '--prefix', prefix, join(work, pack.filename)], work, 120_000);
  installWarnings = `${installed.stdout}\n${installed.stderr}`.split('\n').filter((l) => /^npm warn/i.test(l));
  revcam = join(prefix, 'bin', 'revcam');
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the package holds what runs and nothing of the workshop', () => {
  const paths = pack.files.map((f) => f.path);
  assert.equal(paths.length, pack.entryCount);
  const bad = paths.flatMap((p) => [...FORBIDDEN.filter(([re]) => re.test(p)).map(([, what]) => `${p}: ${what}`), ...(isStrayLog(p) ? [`${p}: a log`] : [])]);
  assert.deepEqual(bad, [], `the package holds what it must not:\n${bad.join('\n')}`);
  const missing = REQUIRED.filter((p) => !paths.includes(p));
  assert.deepEqual(missing, [], `the package lacks what revcam reads at run time: ${missing.join(', ')}`);
  // Everything else is the compiled code, the display's page, the examples, the units and their doc.
  const outside = paths.filter((p) => !/^(dist\/src\/|dist\/bundle\/|src\/display\/|examples\/|deploy\/systemd\/)/.test(p) && !['package.json', 'README.md', 'LICENSE', 'docs/deploy.md'].includes(p));
  assert.deepEqual(outside, [], 'files outside the `files` field');
});

test('it installs with --omit=dev without warnings (but the known engine note of @nats-io/nuid)', () => {
  // @nats-io/nuid 3.0.0 (from @nats-io/transport-node 3.4) declares node >= 22; revcam runs on 20 (docs/deploy.md, "Limits").
  const unexpected = installWarnings.filter((l) => !/EBADENGINE/.test(l));
  assert.deepEqual(unexpected, [], 'npm warned at install');
  assert.ok(!installWarnings.some((l) => /prepare|script/i.test(l)), 'a warning about a skipped script');
  const lib = join(work, 'prefix', 'lib', 'node_modules');
  assert.ok(existsSync(join(lib, 'revcam', 'dist', 'bundle', 'revcam.js')));
  for (const dev of ['typescript', 'playwright-core', 'fast-check', 'node-media-server', '@types/node']) {
    assert.ok(!existsSync(join(lib, 'revcam', 'node_modules', dev)) && !existsSync(join(lib, dev)), `devDependency ${dev} was installed`);
  }
});

test('the installed revcam serve streams 30 frames to the installed probe, and Chromium paints the display', { timeout: 60_000 }, async (t) => {
  const server = await startInstalled(['serve', '--port', '0'], /display at (http:\/\/[^\s/]+)\//);
  try {
    const probe = await runInstalled(['probe', server.url, '--frames', '30', '--json']);
    assert.equal(probe.code, 0, `probe failed:\n${probe.stdout}\n${probe.stderr}`);
    const result = JSON.parse(probe.stdout) as { ok: boolean; frames: number; fps: number };
    assert.equal(result.ok, true);
    assert.equal(result.frames, 30);
    console.log(`installed probe: 30 frames at ${result.fps} fps`);

    if (!haveChromium) {
      const reason = `${CHROMIUM} not found: the paint check needs Debian's chromium (apt-get install chromium)`;
      if (process.env.CI === 'true') throw new Error(`CI=true and ${reason}`);
      process.stderr.write(`\n!!! SKIPPED the paint check: ${reason}\n\n`);
      t.diagnostic(`SKIPPED: ${reason}`);
    } else {
      const browser = await launchChromium();
      try {
        const page = browser.context.pages()[0] ?? (await browser.context.newPage());
        await page.goto(`${server.url}/`);
        await page.waitForFunction(
          () => {
            const w = globalThis as unknown as { document: { body: { dataset: Record<string, string | undefined> } }; revcamStats?: { framesPainted: number } };
            return w.document.body.dataset.state === 'live' && (w.revcamStats?.framesPainted ?? 0) >= 10;
          },
          undefined,
          { timeout: 20_000 },
        );
      } finally {
        await browser.close();
      }
    }
  } finally {
    assert.equal(await stop(server), 0, `serve did not exit cleanly:\n${server.output()}`);
  }
});

test('the installed revcam host and gateway stream over a NATS bus', { timeout: 60_000 }, async (t) => {
  if (!requireNatsServer(t)) return;
  const nats = await startNatsServer();
  let host: CliServer | undefined;
  let gateway: CliServer | undefined;
  try {
    host = await startInstalled(['host', '--nats', nats.url, '--vehicle', 'veh-a'], /host veh-a announced/);
    gateway = await startInstalled(['gateway', '--nats', nats.url, '--port', '0', '--vehicle', 'veh-a'], /display at (http:\/\/[^\s/]+)\//);
    const url = gateway.url;
    // The gateway finds veh-a's services as they are announced: retry the probe for a few seconds.
    const deadline = Date.now() + 15_000;
    let last = '';
    for (;;) {
      const r = await runInstalled(['probe', url, '--frames', '30', '--json']);
      last = r.stdout;
      if (r.code === 0) {
        const result = JSON.parse(r.stdout) as { frames: number; instance: string };
        assert.equal(result.frames, 30);
        assert.equal(result.instance, 'veh-a/reversing');
        break;
      }
      assert.ok(Date.now() < deadline, `the gateway never streamed veh-a: ${last}\n${host.output()}\n${gateway.output()}`);
      await new Promise((r2) => setTimeout(r2, 500));
    }
  } finally {
    await stop(gateway);
    await stop(host);
    await nats.stop();
  }
});

test('the installed revcam answers --version, token and --help, and bench says it is not in the package', () => {
  const version = revcamSync(['--version']);
  assert.equal(version.status, 0);
  assert.match(version.stdout, /^revcam 0\.\d+\.\d+/);
  const token = revcamSync(['token', '--device', 'rear-display', '--role', 'head-unit']);
  assert.equal(token.status, 0, token.stderr);
  assert.match(token.stdout, /tokenHash/);
  for (const cmd of ['serve', 'host', 'gateway', 'probe']) {
    const help = revcamSync([cmd, '--help']);
    assert.equal(help.status, 0, `${cmd} --help: ${help.stderr}`);
    assert.match(help.stdout, new RegExp(`usage: revcam ${cmd}`));
  }
  const bench = revcamSync(['bench']);
  assert.equal(bench.status, 1);
  assert.match(bench.stderr, /^revcam: bench: not part of the installed package; .*npm run bench/);
});

test('the installed revcam runs on a read-only install and working directory, writing only its state directory', { timeout: 60_000 }, async (t) => {
  // Root ignores file modes: as root, revcam runs as nobody (setpriv), for whom read-only is read-only.
  const asRoot = process.getuid?.() === 0;
  if (asRoot && !requireCommand(t, 'setpriv')) return;
  const prefix = join(work, 'prefix');
  const state = join(work, 'state');
  const readOnlyDir = join(work, 'readonly-cwd');
  mkdirSync(state);
  mkdirSync(readOnlyDir);
  chmodSync(work, 0o755); // mkdtemp's 0700 would keep nobody out of everything
  if (asRoot) chownSync(state, 65534, 65534);
  const setWritable = (writable: boolean) => {
    for (const dir of [prefix, readOnlyDir]) run('chmod', ['-R', writable ? 'u+w' : 'a-w', dir], work);
  };
  setWritable(false);
  let server: CliServer | undefined;
  try {
    // STATE_DIRECTORY as systemd sets it; the scene cache under it; HOME read-only too.
    const env = { STATE_DIRECTORY: state, REVCAM_CACHE_DIR: join(state, 'cache'), HOME: readOnlyDir, REVCAM_LOG_LEVEL: 'warn' };
    const wrap = asRoot ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--'] : [];
    server = await spawnUntilReady(revcam, ['serve', '--port', '0'], /display at (http:\/\/[^\s/]+)\//, env, 30_000, readOnlyDir, wrap);
    const probe = await runInstalled(['probe', server.url, '--frames', '30', '--json']);
    assert.equal(probe.code, 0, `probe failed:\n${probe.stdout}\n${probe.stderr}\n${server.output()}`);
    const result = JSON.parse(probe.stdout) as { ok: boolean; frames: number };
    assert.equal(result.frames, 30);
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0, server.output());
    assert.doesNotMatch(server.output(), /EACCES|EROFS|EPERM/);
    // What it wrote is under the state directory (the synthetic camera's backgrounds).
    assert.ok(readdirSync(join(state, 'cache', 'scenes')).some((f) => f.endsWith('.rgb')), 'nothing written under the state directory');
    assert.deepEqual(readdirSync(readOnlyDir), [], 'something was written in the working directory');
  } finally {
    if (server && server.child.exitCode === null) server.child.kill('SIGKILL');
    setWritable(true);
  }
});

