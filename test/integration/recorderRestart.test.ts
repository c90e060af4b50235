/**
 * The recorder as the embedded default lists it (no standby of its own: it is
 * started a second after boot, not by the standby policy): killed, it is
 * restarted by its supervisor like any service, and records again.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RevcamApp } from '../../src/app/startRevcam.js';
import { startTestServer } from '../helpers/server.js';
import { until } from '../helpers/until.js';

let app: RevcamApp | undefined;
after(async () => {
  await app?.close();
});

test('the default recorder killed with SIGKILL is restarted and takes frames again', { timeout: 60_000 }, async () => {
  app = await startTestServer({
    stateDir: mkdtempSync(join(tmpdir(), 'revcam-recorder-restart-')),
    services: [{ manifest: 'builtin:reversing', standby: 'warm' }, { manifest: 'builtin:recorder' }],
  });
  const recorder = app.host.get('recorder')!;
  assert.equal(recorder.config.standby, 'cold', 'the default entry: no standby of its own');
  const stats = async () => (await (await fetch(`${app!.url}/api/events/stats`)).json()) as { framesIn: number };
  await until('the recorder running and taking frames', 20_000, async () => recorder.state === 'running' && (await stats()).framesIn > 0);
  for (let i = 0; i < 2; i++) {
    const pid = recorder.pid!;
    process.kill(pid, 'SIGKILL');
    await until(`the recorder back after kill ${i + 1}`, 20_000, async () => recorder.state === 'running' && recorder.pid !== pid);
    await until('frames again', 20_000, async () => (await stats()).framesIn > 0);
  }
});
