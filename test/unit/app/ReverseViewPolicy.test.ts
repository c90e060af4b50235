import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { ReverseViewPolicy, type SignalReader } from '../../../src/app/ReverseViewPolicy.js';
import { createLogger } from '../../../src/log/logger.js';
import { VSS, type SignalSample, type ViewMessage } from '../../../src/wire/signals.js';

/** A minimal in-memory signal reader: the policy only needs get/subscribe/staleness. */
class FakeSignals implements SignalReader {
  #values = new Map<string, SignalSample>();
  #listeners = new Set<(c: SignalSample[]) => void>();
  stale: string[] = [];
  set(values: Record<string, number>): void {
    const samples = Object.entries(values).map(([path, value]) => ({ path, value, timestampUs: Date.now() * 1000 }));
    for (const s of samples) this.#values.set(s.path, s);
    for (const l of this.#listeners) l(samples);
  }
  get(path: string) {
    return this.#values.get(path);
  }
  subscribe(l: (c: SignalSample[]) => void) {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }
  staleness() {
    return this.stale;
  }
}

function setup(holdMs = 80) {
  const signals = new FakeSignals();
  const views: ViewMessage[] = [];
  const holds = { opened: 0, released: 0 };
  const policy = new ReverseViewPolicy({
    config: { service: 'reversing', camera: 'rear', codec: 'jpeg', holdMs, exitSpeedKmh: 10 },
    signals,
    hold: async () => {
      holds.opened++;
      return () => holds.released++;
    },
    broadcast: (v) => views.push(v),
    log: createLogger('silent'),
    stalenessCheckMs: 10,
  });
  return { signals, views, holds, policy };
}

test('engaging reverse shows the rear view at once and opens the camera', async () => {
  const { signals, views, holds, policy } = setup();
  signals.set({ [VSS.gear]: -1 });
  assert.equal(views.at(-1)?.view, 'rear');
  assert.equal(policy.current.view, 'rear');
  await sleep(0);
  assert.equal(holds.opened, 1);
  signals.set({ [VSS.gear]: -1, [VSS.speed]: 3 });
  assert.equal(holds.opened, 1, 'staying in reverse does not reopen');
  policy.close();
});

test('leaving reverse keeps the view for the hold time, then releases the camera', async () => {
  const { signals, views, holds, policy } = setup(80);
  signals.set({ [VSS.gear]: -1 });
  signals.set({ [VSS.gear]: 0 });
  assert.equal(policy.current.view, 'rear', 'still shown during the hold');
  await sleep(200);
  assert.equal(policy.current.view, 'none');
  assert.match(views.at(-1)!.reason, /out of reverse/);
  assert.equal(holds.released, 1);
  policy.close();
});

test('forward speed above the threshold ends the hold early', async () => {
  const { signals, holds, policy } = setup(60_000);
  signals.set({ [VSS.gear]: -1 });
  signals.set({ [VSS.gear]: 1, [VSS.speed]: 5 });
  assert.equal(policy.current.view, 'rear', '5 km/h is below the 10 km/h threshold');
  signals.set({ [VSS.gear]: 1, [VSS.speed]: 12 });
  assert.equal(policy.current.view, 'none');
  await sleep(0);
  assert.equal(holds.released, 1);
  policy.close();
});

test('going back into reverse during the hold cancels it', async () => {
  const { signals, policy } = setup(60);
  signals.set({ [VSS.gear]: -1 });
  signals.set({ [VSS.gear]: 0 });
  signals.set({ [VSS.gear]: -1 });
  await sleep(150);
  assert.equal(policy.current.view, 'rear');
  policy.close();
});

test('a stale signal is reported without hiding the image', async () => {
  const { signals, views, policy } = setup();
  signals.set({ [VSS.gear]: -1 });
  signals.stale = [VSS.steeringWheelAngle];
  await sleep(50);
  assert.equal(views.at(-1)?.view, 'rear');
  assert.deepEqual(views.at(-1)?.stale, [VSS.steeringWheelAngle]);
  policy.close();
});

test('a rear camera nobody offers yet is a warning line, not an error with a stack; the view still goes up', async () => {
  const { RevcamError } = await import('../../../src/errors/RevcamError.js');
  const lines: { level: number; msg: string; code?: string; err?: unknown }[] = [];
  const log = createLogger('info', 'test', { write: (s: string) => void lines.push(JSON.parse(s)) });
  const run = async (err: Error) => {
    lines.length = 0;
    const signals = new FakeSignals();
    const views: ViewMessage[] = [];
    const policy = new ReverseViewPolicy({
      config: { service: 'reversing', camera: 'rear', codec: 'jpeg', holdMs: 80, exitSpeedKmh: 10 },
      signals,
      hold: () => Promise.reject(err),
      broadcast: (v) => views.push(v),
      log,
    });
    signals.set({ [VSS.gear]: -1 });
    await sleep(10);
    policy.close();
    assert.equal(views.at(-1)?.view, 'rear');
    return lines.filter((l) => l.msg.startsWith('reverse gear'));
  };
  const [notFound] = await run(new RevcamError('SERVICE_NOT_FOUND', 'no service named "reversing"'));
  assert.equal(notFound?.level, 40);
  assert.equal(notFound?.code, 'SERVICE_NOT_FOUND');
  assert.equal(notFound?.err, undefined, 'no stack');
  const [broken] = await run(new Error('pipe closed'));
  assert.equal(broken?.level, 50, 'anything else stays an error');
});
