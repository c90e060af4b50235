/**
 * The real `revcam` command as a child process: every command teaches with
 * --help, --version answers, every user error is one line on stderr with a
 * non-zero exit and no stack, and the built bin can be run directly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ROOT } from '../helpers/server.js';

const BIN = resolve(ROOT, 'dist/bundle/revcam.js');

function revcam(args: string[], cwd = ROOT): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 30_000, env: { ...process.env, REVCAM_DEBUG: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

for (const cmd of ['serve', 'probe', 'bench']) {
  test(`revcam ${cmd} --help teaches: options, defaults and an example, exit 0`, () => {
    const r = revcam([cmd, '--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /usage/i);
    assert.match(r.stdout, /--\w/, 'lists options');
    assert.match(r.stdout, /default/, 'names defaults');
    assert.match(r.stdout, /example/i, 'shows an example');
  });
}

test('revcam config --help teaches: the check, what it prints, the exit codes and an example', () => {
  const r = revcam(['config', '--help']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /usage: revcam config check FILE/);
  assert.match(r.stdout, /--json/);
  assert.match(r.stdout, /redacted/);
  assert.match(r.stdout, /example/i);
});

test('revcam token --help answers (the token command is dispatched)', () => {
  const r = revcam(['token', '--help']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /revcam token/);
});

test('revcam --help lists the commands; revcam --version prints the package version', () => {
  const help = revcam(['--help']);
  assert.equal(help.code, 0);
  for (const c of ['serve', 'probe', 'bench', 'token', 'config']) assert.match(help.stdout, new RegExp(`\\b${c}\\b`));
  const { version } = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { version: string };
  for (const flag of ['--version', '-v']) {
    const r = revcam([flag]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), `revcam ${version}`);
  }
});

const dir = mkdtempSync(join(tmpdir(), 'revcam-cli-'));
writeFileSync(join(dir, 'missing-service.yaml'), `server: { port: 0 }\nservices:\n  - manifest: ${join(dir, 'no-such-manifest.json')}\n`);
writeFileSync(join(dir, 'missing-builtin.yaml'), 'server: { port: 0 }\nservices:\n  - manifest: builtin:no-such-service\n');
writeFileSync(join(dir, 'bad-field.yaml'), 'server: { port: "eighty" }\n');
writeFileSync(join(dir, 'not-yaml.yaml'), 'server: [\n');

const USER_ERRORS: { args: string[]; code: number; says: RegExp }[] = [
  { args: [], code: 2, says: /no command/ },
  { args: ['frobnicate'], code: 2, says: /unknown command frobnicate/ },
  { args: ['--frobnicate'], code: 2, says: /unknown option --frobnicate/ },
  { args: ['serve', '--bogus'], code: 2, says: /unknown option --bogus/ },
  { args: ['serve', '-x'], code: 2, says: /unknown option -x/ },
  { args: ['serve', '--port'], code: 2, says: /--port/ },
  { args: ['serve', '--port', 'eighty'], code: 2, says: /--port/ },
  { args: ['serve', '--port', '70000'], code: 2, says: /--port/ },
  { args: ['serve', 'extra'], code: 2, says: /unexpected argument extra/ },
  { args: ['serve', '--drive', 'nowhere'], code: 2, says: /--drive/ },
  { args: ['serve', '--config', join(dir, 'absent.yaml')], code: 1, says: /cannot read config/ },
  { args: ['serve', '--config', join(dir, 'not-yaml.yaml')], code: 1, says: /cannot parse config/ },
  { args: ['serve', '--config', join(dir, 'bad-field.yaml')], code: 1, says: /invalid config: \/server\/port/ },
  { args: ['serve', '--config', join(dir, 'missing-service.yaml')], code: 1, says: /no-such-manifest\.json/ },
  { args: ['serve', '--config', join(dir, 'missing-builtin.yaml')], code: 1, says: /no-such-service/ },
  { args: ['config'], code: 2, says: /config: no subcommand given/ },
  { args: ['config', 'frob'], code: 2, says: /config: unknown subcommand frob/ },
  { args: ['config', 'check'], code: 2, says: /config: check: no FILE given/ },
  { args: ['config', 'check', join(dir, 'bad-field.yaml'), '--bogus'], code: 2, says: /unknown option --bogus/ },
  { args: ['config', 'check', join(dir, 'absent.yaml')], code: 1, says: /cannot read config/ },
  { args: ['config', 'check', join(dir, 'bad-field.yaml')], code: 1, says: /invalid config: \/server\/port: expected an integer from 0 to 65535, got "eighty"/ },
  { args: ['probe'], code: 64, says: /missing <url>/ },
  { args: ['probe', 'http://127.0.0.1:1', '--bogus'], code: 64, says: /--bogus/ },
  { args: ['probe', 'http://127.0.0.1:1', '--frames', 'many'], code: 64, says: /--frames/ },
  { args: ['bench', '--bogus'], code: 64, says: /--bogus/ },
];

for (const { args, code, says } of USER_ERRORS) {
  test(`revcam ${args.join(' ') || '(nothing)'} → exit ${code}, one line, no stack`, () => {
    const r = revcam(args);
    assert.equal(r.code, code, `stderr: ${r.stderr}`);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
    assert.match(lines[0]!, /^revcam: /);
    assert.match(lines[0]!, says);
    assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack frames');
    assert.doesNotMatch(r.stderr, /TypeError|ERR_PARSE_ARGS/, 'no internal error names');
  });
}

test('the built bin keeps its run bit and runs through its shebang', () => {
  const mode = statSync(BIN).mode;
  assert.ok((mode & 0o111) !== 0, `dist/bundle/revcam.js mode ${(mode & 0o777).toString(8)} has no execute bit`);
  const r = spawnSync(BIN, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.error?.message ?? r.stderr);
  assert.match(r.stdout, /^revcam \d+\.\d+\.\d+/);
});
