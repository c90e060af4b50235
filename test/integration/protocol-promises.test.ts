/**
 * What docs/protocol.md promises about `accepted` and sequence numbers, on a
 * real server with a cold reversing service: `accepted` carries the overlay
 * even when the stream was just opened (§3.2), and a stream's sequence
 * numbers continue after an idle stop instead of restarting at 0 (§6.1).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RevcamApp } from '../../src/app/startRevcam.js';
import type { AcceptedMessage } from '../../src/wire/messages.js';
import { hasCommand } from '../helpers/requireCommand.js';
import { startTestServer } from '../helpers/server.js';
import { TestViewer } from '../helpers/viewer.js';

const SKIP = hasCommand('ffmpeg') ? false : 'ffmpeg is not installed (apt-get install ffmpeg)';
if (SKIP && process.env.CI === 'true') throw new Error(`CI=true and ${SKIP}`);
let app: RevcamApp;
before(async () => {
  // Parked, so reverse gear holds no stream open: the service idles out between tests.
  app = await startTestServer({ services: [{ manifest: 'builtin:reversing', standby: 'cold', idleStopMs: 300 }], signals: { simulator: { initialGear: 'P' } } });
});
after(async () => app.close());

async function waitState(state: string): Promise<void> {
  const end = Date.now() + 20_000;
  while (app.host.get('reversing')?.state !== state) {
    if (Date.now() > end) throw new Error(`reversing never reached ${state} (is ${app.host.get('reversing')?.state})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const codec of ['h264', 'jpeg'] as const) {
  test(`accepted carries the overlay for a cold ${codec} stream`, { skip: codec === 'h264' ? SKIP : false }, async () => {
    await waitState('stopped');
    const v = new TestViewer(app.url);
    try {
      const reply = (await v.request({ codec })) as AcceptedMessage;
      assert.equal(reply.type, 'accepted', JSON.stringify(reply));
      assert.ok(reply.overlay, 'the overlay is in accepted');
      assert.ok(reply.overlay.rails.length > 0 && reply.overlay.bands.length > 0);
      assert.deepEqual([reply.width, reply.height], [1280, 720]);
      await v.waitForFrames(1);
    } finally {
      v.close();
    }
  });
}

test('sequence numbers continue after an idle stop: they never restart at 0 within a run', async () => {
  const first = new TestViewer(app.url);
  await first.request();
  await first.waitForFrames(10);
  const last = first.frames.at(-1)!.seq;
  first.close();
  await waitState('stopped');
  const second = new TestViewer(app.url);
  try {
    await second.request();
    await second.waitForFrames(1);
    assert.ok(second.frames[0]!.seq > last, `after the idle stop seq went on: ${second.frames[0]!.seq} > ${last}`);
  } finally {
    second.close();
  }
});
