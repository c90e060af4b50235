/**
 * prom-client is loaded at the first scrape (boot does not pay for it): what
 * was counted before is in that scrape, and counting goes on after it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Metrics } from '../../../src/metrics/Metrics.js';

const line = (text: string, series: string) => text.split('\n').find((l) => l.startsWith(`${series} `));

test('counts taken before the registry loads are in the first scrape, and later ones in the next', async () => {
  const m = new Metrics();
  m.framesIn.inc({ stream: 'reversing/rear' });
  m.framesIn.inc({ stream: 'reversing/rear' }, 2);
  m.requests.inc({ outcome: 'accepted' });
  m.serviceUp.set({ service: 'reversing' }, 1);
  m.serviceUp.set({ service: 'reversing' }, 0);
  m.setViewerTotalsSource(() => [{ stream: 'reversing/rear', transport: 'ws', viewers: 2, sent: 10, dropped: 1, bytes: 500 }]);
  const first = await m.render();
  assert.match(first.contentType, /text\/plain/);
  assert.equal(line(first.text, 'revcam_frames_in_total{stream="reversing/rear"}'), 'revcam_frames_in_total{stream="reversing/rear"} 3');
  assert.equal(line(first.text, 'revcam_stream_requests_total{outcome="accepted"}'), 'revcam_stream_requests_total{outcome="accepted"} 1');
  assert.equal(line(first.text, 'revcam_service_up{service="reversing"}'), 'revcam_service_up{service="reversing"} 0');
  assert.equal(line(first.text, 'revcam_viewers{stream="reversing/rear",transport="ws"}'), 'revcam_viewers{stream="reversing/rear",transport="ws"} 2');
  assert.match(first.text, /# TYPE revcam_process_process_cpu_seconds_total counter/);
  m.framesIn.inc({ stream: 'reversing/rear' });
  m.serviceRestarts.inc({ service: 'reversing' });
  const second = await m.render();
  assert.equal(line(second.text, 'revcam_frames_in_total{stream="reversing/rear"}'), 'revcam_frames_in_total{stream="reversing/rear"} 4');
  assert.equal(line(second.text, 'revcam_service_restarts_total{service="reversing"}'), 'revcam_service_restarts_total{service="reversing"} 1');
});

test('labels name one series whatever their order', () => {
  const m = new Metrics();
  m.requests.inc({ outcome: 'accepted', extra: 'x' });
  m.requests.inc({ extra: 'x', outcome: 'accepted' });
  assert.equal(m.requests.get({ outcome: 'accepted', extra: 'x' }), 2);
});
