/**
 * The `revcam` command runs from its bundle (dist/bundle, scripts/bundle.mjs):
 * the bundled gateway forks the bundled service host, whose builtin services
 * stream; files found from the package's root (the display page, its compiled
 * code, the builtin manifests) are served from the bundle as from dist/src.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { startCliServer } from '../helpers/cliServer.js';
import { ROOT } from '../helpers/server.js';

/** The command lines of `pid`'s children. */
function childCommands(pid: number): string[] {
  const pids = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).split('\n').map((l) => l.trim()).filter(Boolean);
  return pids.flatMap((p) => {
    try {
      return [readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').join(' ')];
    } catch {
      return []; // exited meanwhile
    }
  });
}

test('the bundled revcam serve forks the bundled service host, streams the builtin reversing service and serves the display', { timeout: 60_000 }, async () => {
  const server = await startCliServer([], { REVCAM_LOG_LEVEL: 'warn' });
  try {
    const probe = spawnSync(process.execPath, [resolve(ROOT, 'dist/bundle/revcam.js'), 'probe', server.url, '--frames', '10', '--json'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(probe.status, 0, probe.stderr);
    const report = JSON.parse(probe.stdout) as { frames: number; service: string };
    assert.equal(report.service, 'reversing');
    assert.equal(report.frames, 10);
    const children = childCommands(server.child.pid!).filter((c) => c.includes('serviceMain.js'));
    assert.ok(children.length > 0, 'no service child');
    for (const c of children) assert.match(c, /dist\/bundle\/service-host\/serviceMain\.js/, `a service child not from the bundle: ${c}`);
    for (const path of ['/', '/app/display/main.js', '/static/style.css']) {
      const res = await fetch(server.url + path);
      assert.equal(res.status, 200, path);
      await res.arrayBuffer();
    }
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
  }
});
