import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RevcamApp } from '../../src/app/startRevcam.js';
import { startTestServer } from '../helpers/server.js';
import { TestViewer } from '../helpers/viewer.js';

const apps: RevcamApp[] = [];
after(() => Promise.all(apps.map((a) => a.close())));

function metric(text: string, name: string, service: string): number | undefined {
  const m = new RegExp(`^${name}\\{service="${service}"\\} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

test("the service child's own telemetry (frames out, frames dropped, RSS) reaches /metrics", async () => {
  const app = await startTestServer();
  apps.push(app);
  const v = new TestViewer(app.url);
  try {
    assert.equal((await v.request()).type, 'accepted');
    await v.waitForFrames(20, 20_000);
    // The child reports with every pong (1 s apart): wait until a report covers the frames seen.
    const seen = v.frames.length;
    let text = '';
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      text = await (await fetch(`${app.url}/metrics`)).text();
      if ((metric(text, 'revcam_service_frames_out_total', 'reversing') ?? 0) >= seen) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const out = metric(text, 'revcam_service_frames_out_total', 'reversing');
    const dropped = metric(text, 'revcam_service_frames_dropped_total', 'reversing');
    const rss = metric(text, 'revcam_service_rss_bytes', 'reversing');
    assert.ok(out !== undefined && out >= seen, `frames out ${out} covers the ${seen} frames the viewer got`);
    assert.ok(dropped !== undefined && dropped >= 0 && dropped <= out, `frames dropped ${dropped} is a count no larger than frames out`);
    assert.ok(rss !== undefined && rss > 10e6 && rss < 4e9, `child RSS ${rss} bytes is a plausible process size`);
    assert.notEqual(rss, process.memoryUsage.rss(), 'the RSS is the child’s, not the gateway’s');
    assert.match(text, /# TYPE revcam_service_frames_out_total counter/);
  } finally {
    v.close();
  }
});
