import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCliServer } from '../helpers/cliServer.js';
import { alive, descendants } from '../helpers/processTree.js';
import { startTestServer } from '../helpers/server.js';
import { TestViewer } from '../helpers/viewer.js';

test('SIGTERM: viewers get STREAM_ENDED and close 1001, HTTP streams end, encoders are released, exit 0 without an error', async () => {
  const server = await startCliServer([], { REVCAM_LOG_LEVEL: 'info' });
  const ws = new TestViewer(server.url);
  const wsH264 = new TestViewer(server.url);
  try {
    assert.equal((await ws.request()).type, 'accepted');
    assert.equal((await wsH264.request({ codec: 'h264' })).type, 'accepted');
    await ws.waitForFrames(3, 20_000);
    await wsH264.waitForFrames(3, 20_000);
    const mjpeg = await fetch(`${server.url}/stream.mjpg`);
    assert.equal(mjpeg.status, 200);
    const reader = mjpeg.body!.getReader();
    await reader.read();
    const mjpegEnd = (async () => {
      for (;;) {
        const { done } = await reader.read();
        if (done) return 'ended';
      }
    })().catch((err: Error) => `failed: ${err.message}`);

    const before = descendants(server.child.pid!);
    const encoders = before.filter((p) => p.comm === 'ffmpeg');
    assert.ok(encoders.length > 0, `an H.264 encoder runs (children: ${before.map((p) => p.comm).join(', ')})`);

    const t0 = performance.now();
    server.child.kill('SIGTERM');
    const code = await server.exited;
    const tookMs = performance.now() - t0;
    assert.equal(code, 0, `exit code; output:\n${server.output().slice(-2000)}`);
    assert.ok(tookMs < 5_000, `exited in ${tookMs.toFixed(0)} ms (the promise is 2 s; generous bound for a loaded machine)`);

    for (const v of [ws, wsH264]) {
      await v.waitFor(() => v.closeCode !== undefined, 'close', 5_000);
      assert.ok(v.messages.some((m) => m.type === 'status' && m.event === 'STREAM_ENDED'), 'the viewer is told the stream ended');
      assert.equal(v.closeCode, 1001, 'close code 1001 (going away)');
    }
    assert.equal(await mjpegEnd, 'ended', 'the MJPEG response ends properly (last chunk, not a reset)');

    await new Promise((r) => setTimeout(r, 500));
    const left = before.filter((p) => alive(p.pid));
    assert.deepEqual(left.map((p) => `${p.comm}:${p.pid}`), [], 'no service child or encoder outlives the server');
    const errors = server.output().split('\n').filter((l) => /"level":(50|60)/.test(l) || /Error|EPIPE/.test(l));
    assert.deepEqual(errors, [], 'nothing is logged as an error during shutdown');
  } finally {
    ws.close();
    wsH264.close();
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
  }
});

test('a service start racing the shutdown spawns no child that outlives it (the test process would never exit)', async () => {
  const app = await startTestServer({ services: [{ manifest: 'builtin:reversing', standby: 'cold' }] });
  const reversing = app.host.get('reversing')!;
  // A start whose child is still loading when the shutdown comes, and one that comes after it
  // (a viewer's lease or the recorder's feed retrying while the server closes).
  const loading = reversing.start().catch((err: Error) => err);
  await app.close();
  await loading;
  const late = await reversing.start().catch((err: Error) => err);
  assert.ok(late instanceof Error && /shut down/.test(late.message), `a start after the shutdown is refused (got ${String(late)})`);
  assert.equal(reversing.state, 'stopped');
  const left = descendants(process.pid).filter((p) => p.comm !== 'ps');
  assert.deepEqual(left.map((p) => `${p.pid} ${p.comm}`), [], 'no service child or encoder is left running');
});
