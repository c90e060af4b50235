/**
 * What a booting server does not load (docs/performance.md, case 10): prom-client
 * until the first /metrics scrape, `send` until the first static file, werift
 * and the WHEP session modules until the first offer. Checked in a fresh node
 * process, since this test process has loaded them all.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../helpers/server.js';

const SCRIPT = `
import { createRequire } from 'node:module';
const { startTestServer } = await import(process.argv[1]);
const cache = createRequire(import.meta.url).cache;
const loaded = () => ({
  promClient: Object.keys(cache).some((k) => k.includes('/node_modules/prom-client/')),
  send: Object.keys(cache).some((k) => k.includes('/node_modules/send/')),
  werift: Object.keys(cache).some((k) => k.includes('/node_modules/werift/')),
});
const app = await startTestServer({ cameras: { rear: { source: 'synthetic', width: 160, height: 90, fps: 10 } }, services: [{ manifest: 'builtin:reversing', standby: 'warm' }] });
const atBoot = loaded();
const metrics = await fetch(app.url + '/metrics');
const metricsText = await metrics.text();
const page = await fetch(app.url + '/');
await page.arrayBuffer();
const after = loaded();
await app.close();
process.stdout.write(JSON.stringify({ atBoot, after, metricsStatus: metrics.status, hasFramesIn: metricsText.includes('revcam_frames_in_total'), pageStatus: page.status }));
`;

test('a booted server has not loaded prom-client, send or werift; /metrics and the display page load theirs on first use', async () => {
  const helper = pathToFileURL(resolve(ROOT, 'dist/test/helpers/server.js')).href;
  const out = await new Promise<string>((res, rej) =>
    execFile(process.execPath, ['--input-type=module', '-e', SCRIPT, helper], { cwd: ROOT, timeout: 60_000, env: { ...process.env, REVCAM_LOG_LEVEL: 'warn' } }, (err, stdout, stderr) =>
      err ? rej(new Error(`${err.message}\n${stderr}`)) : res(stdout),
    ),
  );
  const r = JSON.parse(out) as { atBoot: Record<string, boolean>; after: Record<string, boolean>; metricsStatus: number; hasFramesIn: boolean; pageStatus: number };
  assert.deepEqual(r.atBoot, { promClient: false, send: false, werift: false });
  assert.equal(r.metricsStatus, 200);
  assert.ok(r.hasFramesIn, 'the first scrape has the revcam metrics');
  assert.equal(r.pageStatus, 200);
  assert.deepEqual(r.after, { promClient: true, send: true, werift: false });
});
