/**
 * The display's state rules (src/display/liveness.ts) with a hand-driven
 * clock: what the screen may claim when frames are fresh, too old, of
 * unknown age, or stop.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Liveness, type LivenessView } from '../../../src/display/liveness.js';

function rig(lostAfterMs = 200) {
  let now = 1_000;
  const seen: LivenessView[] = [];
  const l = new Liveness({ lostAfterMs, now: () => now, onChange: (v) => seen.push(v) });
  l.linkUp();
  l.accepted();
  return {
    l,
    seen,
    advance(ms: number) {
      now += ms;
      l.check();
    },
    get state() {
      return `${l.view.state}/${l.view.reason}`;
    },
  };
}

test('fresh paints are live; one too-old frame makes the screen DELAYED at once, the next fresh paint live again', () => {
  const r = rig();
  assert.equal(r.state, 'connecting/none');
  r.l.painted();
  assert.equal(r.state, 'live/none');
  r.advance(33);
  r.l.notFresh(480);
  // No timer tick needed: the frame itself changes the state.
  assert.equal(r.state, 'delayed/delayed');
  assert.match(r.l.view.detail, /480 ms late/);
  r.advance(33);
  r.l.painted();
  assert.equal(r.state, 'live/none');
});

test('too-old frames that keep coming: DELAYED, then SIGNAL LOST once nothing fresh came for lostAfterMs; never LIVE', () => {
  const r = rig();
  for (let t = 0; t < 1_000; t += 33) {
    r.advance(33);
    r.l.notFresh(500);
  }
  const states = r.seen.map((v) => `${v.state}/${v.reason}`);
  assert.deepEqual(states, ['connecting/none', 'delayed/delayed', 'lost/delayed']);
  assert.equal(r.state, 'lost/delayed');
});

test('after live, a delay that persists turns to SIGNAL LOST 200 ms after the last fresh paint, and stale when frames stop altogether', () => {
  const r = rig();
  r.l.painted();
  r.advance(33);
  r.l.notFresh(300);
  r.advance(150);
  r.l.notFresh(300);
  assert.equal(r.state, 'delayed/delayed');
  r.advance(20); // 203 ms after the fresh paint
  assert.equal(r.state, 'lost/delayed');
  r.advance(250); // no frame at all for 270 ms
  assert.equal(r.state, 'lost/stale');
  r.l.painted();
  assert.equal(r.state, 'live/none');
});

test('frames of unknown age (no clock estimate) are never LIVE: CLOCK ?, and lost when they stop', () => {
  const r = rig();
  r.l.notFresh(null);
  assert.equal(r.state, 'delayed/clock');
  assert.match(r.l.view.detail, /CLOCK \?/);
  r.advance(100);
  r.l.notFresh(null);
  assert.equal(r.state, 'delayed/clock');
  r.advance(201);
  assert.equal(r.state, 'lost/stale');
  assert.ok(!r.seen.some((v) => v.state === 'live'));
});

test('the plain watchdog still holds: no paint for lostAfterMs is SIGNAL LOST, a closed link clears the delay', () => {
  const r = rig();
  r.l.painted();
  r.advance(199);
  assert.equal(r.state, 'live/none');
  r.advance(2);
  assert.equal(r.state, 'lost/stale');
  r.l.notFresh(900);
  r.l.linkDown();
  assert.equal(r.state, 'lost/link');
});
