import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LivenessSweep, ViewerLiveness } from '../../../src/transport/liveness.js';

const opts = { pingEveryMs: 300, gateAfterMs: 400, deadAfterMs: 2000 };
const clock = () => {
  const c = { t: 1000, now: () => c.t };
  return c;
};

test('the first frame carries a ping, then at most one per pingEveryMs, none while one is unanswered', () => {
  const c = clock();
  const v = new ViewerLiveness(opts, c.now);
  assert.equal(v.duePing(), true);
  c.t += 33;
  assert.equal(v.duePing(), false, 'awaiting its pong');
  v.pong();
  assert.equal(v.duePing(), false, 'not yet pingEveryMs since the last');
  c.t += 267;
  assert.equal(v.duePing(), true);
});

test('a ping unanswered for gateAfterMs closes the gate; its pong opens it', () => {
  const c = clock();
  const v = new ViewerLiveness(opts, c.now);
  v.duePing();
  c.t += 399;
  assert.equal(v.open, true);
  c.t += 2;
  assert.equal(v.open, false);
  v.pong();
  assert.equal(v.open, true);
});

test('the sweep pings a viewer no frame pinged, and ends one silent for deadAfterMs', () => {
  const c = clock();
  const quiet = new ViewerLiveness(opts, c.now);
  const silent = new ViewerLiveness(opts, c.now);
  const events: string[] = [];
  const sweep = new LivenessSweep(1e9);
  sweep.add(quiet, { ping: () => events.push('ping quiet'), dead: () => events.push('dead quiet') });
  sweep.add(silent, { ping: () => events.push('ping silent'), dead: () => events.push('dead silent') });
  assert.equal(silent.duePing(), true); // a frame carried its ping
  sweep.sweep();
  assert.deepEqual(events, ['ping quiet'], 'only the viewer without a frame is pinged on its own');
  quiet.pong();
  c.t += 2001;
  sweep.sweep();
  assert.deepEqual(events, ['ping quiet', 'ping quiet', 'dead silent']);
  assert.equal(silent.dead, true);
  assert.equal(sweep.size, 1, 'a dead viewer leaves the sweep');
  sweep.stop();
});

test('with sweepLateMs the sweep leaves a due ping to the next frame, and pings a viewer without frames that much later', () => {
  const c = clock();
  const late = { ...opts, sweepLateMs: 100 };
  const fed = new ViewerLiveness(late, c.now);
  const idle = new ViewerLiveness(late, c.now);
  fed.duePing();
  idle.duePing();
  fed.pong();
  idle.pong();
  c.t += 350; // due 50 ms ago
  assert.equal(fed.check(), undefined, 'not yet the sweep’s: a frame may still carry it');
  assert.equal(fed.duePing(), true, 'the frame carries it');
  assert.equal(idle.check(), undefined);
  c.t += 50;
  assert.equal(idle.check(), 'ping', 'no frame came: the sweep pings it, 100 ms late');
  assert.equal(fed.check(), undefined, 'awaiting the pong of the ping its frame carried');
});
