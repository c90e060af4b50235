import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ClockEstimator, frameAgeMs, type ClockSample } from '../../../src/wire/clock.js';

const MS = 1000;

/**
 * One simulated exchange: the client sends at client time `t0`; the server's
 * clock is the client's plus `offsetUs`; the request takes `upUs`, the server
 * `serverUs` to answer, the answer `downUs`.
 */
function exchange(t0: number, offsetUs: number, upUs: number, downUs: number, serverUs = 0): ClockSample {
  const t1 = t0 + upUs + offsetUs;
  const t2 = t1 + serverUs;
  const t3 = t2 - offsetUs + downUs;
  return { t0, t1, t2, t3 };
}

test('with symmetric delays the offset is recovered exactly; server time does not count as round trip', () => {
  const c = new ClockEstimator();
  const t0 = 1_700_000_000_000_000;
  assert.equal(c.add(exchange(t0, 5_000 * MS, 10 * MS, 10 * MS, 3 * MS)), true);
  const e = c.estimate(t0 + 23 * MS);
  assert.ok(e);
  assert.equal(e.offsetUs, 5_000 * MS);
  assert.equal(e.rttUs, 20 * MS);
  // rtt/2 plus 100 ppm of the 0 µs since the sample.
  assert.equal(e.boundUs, 10 * MS);
});

test('whatever the split of the delay, the true offset lies within the bound and a frame is never taken for younger than it is', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: -3_600_000, max: 3_600_000 }), // offset, ms
      fc.integer({ min: 0, max: 2_000_000 }), // up, µs
      fc.integer({ min: 0, max: 2_000_000 }), // down, µs
      fc.integer({ min: 0, max: 500_000 }), // server time, µs
      fc.integer({ min: 0, max: 5_000_000 }), // true frame age, µs
      (offsetMs, up, down, server, trueAgeUs) => {
        const c = new ClockEstimator();
        const s = exchange(1_700_000_000_000_000, offsetMs * MS, up, down, server);
        assert.equal(c.add(s), true);
        const e = c.estimate(s.t3);
        assert.ok(e);
        assert.ok(Math.abs(e.offsetUs - offsetMs * MS) <= e.boundUs + 1e-6, `offset ${e.offsetUs} ± ${e.boundUs} misses ${offsetMs * MS}`);
        // A frame captured trueAgeUs ago on the server's clock.
        const captureUs = s.t3 + offsetMs * MS - trueAgeUs;
        const age = frameAgeMs(captureUs, s.t3, e);
        assert.ok(age !== null);
        assert.ok(age * MS >= trueAgeUs - 1e-6, `age ${age} ms below the true ${trueAgeUs / MS} ms`);
        // ...and over-estimated by no more than the round trip.
        assert.ok(age * MS <= trueAgeUs + up + down + 1e-6);
      },
    ),
  );
});

test('the minimum-RTT filter keeps the tightest recent sample: a busy moment does not spoil the estimate', () => {
  const c = new ClockEstimator();
  let t = 1_700_000_000_000_000;
  const offset = -250 * MS;
  c.add(exchange(t, offset, 1 * MS, 1 * MS)); // 2 ms round trip, exact
  t += 1_000 * MS;
  c.add(exchange(t, offset, 0, 900 * MS)); // answer stuck 900 ms in a queue: offset off by 450 ms
  t += 1_000 * MS;
  c.add(exchange(t, offset, 300 * MS, 0));
  const e = c.estimate(t + 300 * MS);
  assert.ok(e);
  assert.equal(e.offsetUs, offset);
  assert.equal(e.rttUs, 2 * MS);
  // The chosen sample is 2.3 s old: 100 ppm of that is 230 µs of extra uncertainty.
  assert.ok(Math.abs(e.boundUs - (1 * MS + 230)) < 1, `bound ${e.boundUs}`);
});

test('only the last `window` samples count, samples expire, and without one there is no estimate', () => {
  const c = new ClockEstimator({ window: 3, maxSampleAgeMs: 10_000 });
  assert.equal(c.estimate(0), null);
  assert.equal(frameAgeMs(0, 0, c.estimate(0)), null, 'no estimate, no age: never a guess');
  let t = 1_000_000_000_000;
  c.add(exchange(t, 0, 1 * MS, 1 * MS)); // the best, then pushed out by three worse ones
  for (let i = 0; i < 3; i++) {
    t += 1_000 * MS;
    c.add(exchange(t, 0, 20 * MS, 20 * MS));
  }
  assert.equal(c.estimate(t + 40 * MS)?.rttUs, 40 * MS);
  // 10 s after the newest sample every sample has expired.
  assert.equal(c.estimate(t + 40 * MS + 10_001 * MS), null);
  c.add(exchange(t + 20_000 * MS, 0, 1 * MS, 1 * MS));
  assert.equal(c.estimate(t + 20_002 * MS)?.rttUs, 2 * MS);
  c.reset();
  assert.equal(c.estimate(t + 20_002 * MS), null);
});

test('impossible samples are refused', () => {
  const c = new ClockEstimator();
  assert.equal(c.add({ t0: 100, t1: 50, t2: 60, t3: 90 }), false, 'answer before request');
  assert.equal(c.add({ t0: 100, t1: 60, t2: 50, t3: 200 }), false, 'server sent before it received');
  assert.equal(c.add({ t0: 100, t1: 100, t2: 500, t3: 200 }), false, 'server time longer than the round trip');
  assert.equal(c.add({ t0: Number.NaN, t1: 1, t2: 2, t3: 3 }), false);
  assert.equal(c.estimate(200), null);
});
