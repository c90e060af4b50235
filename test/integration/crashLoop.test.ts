/**
 * The supervisor under a kill loop, with a real gateway in its own process
 * (test/fixtures/gateway-process) so the test can see it die, real service
 * children, and the test killing each new child as it appears.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGatewayProcess, type GatewayProcess } from '../helpers/cliServer.js';
import { childrenOf } from '../helpers/processTree.js';
import { TestViewer } from '../helpers/viewer.js';
import type { ServerMessage } from '../../src/wire/messages.js';

const gateways: GatewayProcess[] = [];
const viewers: TestViewer[] = [];
after(() => {
  for (const v of viewers) v.close();
  for (const g of gateways) if (g.child.exitCode === null) g.child.kill('SIGKILL');
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function gateway(restart: { initialDelayMs: number; maxDelayMs: number }): Promise<GatewayProcess> {
  // A small, slow camera: the point is the supervisor, and this machine is shared.
  // No spare service host: every child of the gateway is then the service's, which ChildKiller kills as it appears.
  const g = await startGatewayProcess({ services: [{ manifest: 'builtin:reversing', standby: 'warm', restart }], cameras: { rear: { width: 320, height: 180, fps: 10 } }, serviceHost: { spare: false } });
  gateways.push(g);
  return g;
}

function viewer(url: string): TestViewer {
  const v = new TestViewer(url);
  viewers.push(v);
  return v;
}

interface ServiceInfo {
  id: string;
  state: string;
  restarts: number;
}

async function service(url: string): Promise<ServiceInfo> {
  const body = (await (await fetch(`${url}/api/services`)).json()) as { services: ServiceInfo[] };
  return body.services.find((s) => s.id === 'reversing')!;
}

/** Finds the gateway's service children (its direct children) by polling /proc every 2 ms, and kills them. */
class ChildKiller {
  readonly killed = new Set<number>();
  /** When each child was first seen, and when it was killed (performance.now()). */
  readonly seenAt = new Map<number, number>();
  readonly killedAt: number[] = [];

  constructor(readonly gateway: GatewayProcess) {}

  /** The next child not killed yet, as soon as it appears. */
  async next(timeoutMs = 20_000): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (this.gateway.child.exitCode !== null || this.gateway.child.signalCode !== null) {
        throw new Error(`the gateway died (${this.gateway.child.exitCode ?? this.gateway.child.signalCode}) after ${this.killed.size} kills:\n${this.gateway.output().slice(-1500)}`);
      }
      for (const pid of childrenOf(this.gateway.child.pid!)) {
        if (this.killed.has(pid)) continue;
        if (!this.seenAt.has(pid)) this.seenAt.set(pid, performance.now());
        return pid;
      }
      if (performance.now() > deadline) throw new Error('no new service child appeared');
      await sleep(2);
    }
  }

  kill(pid: number): void {
    this.killed.add(pid);
    this.killedAt.push(performance.now());
    process.kill(pid, 'SIGKILL');
  }

  /** Kills `n` children in a row, each the moment it appears. */
  async loop(n: number, during?: (k: number) => void): Promise<void> {
    for (let k = 1; k <= n; k++) {
      this.kill(await this.next());
      during?.(k);
    }
  }
}

const statusCount = (v: TestViewer, event: string) => v.messages.filter((m) => m.type === 'status' && m.event === event).length;

test('finding 1: a kill loop on the service under 20 JPEG viewers never takes the gateway down', { timeout: 120_000 }, async () => {
  const g = await gateway({ initialDelayMs: 10, maxDelayMs: 80 });
  const watchers = Array.from({ length: 20 }, () => viewer(g.url));
  for (const v of watchers) assert.equal((await v.request()).type, 'accepted');
  await Promise.all(watchers.map((v) => v.waitForFrames(1, 20_000)));
  const killer = new ChildKiller(g);
  await killer.loop(25);
  assert.equal(g.child.exitCode, null, `the gateway survived 25 kills; output:\n${g.output().slice(-3000)}`);
  assert.doesNotMatch(g.output(), /EPIPE|Emitted 'error' event|Unhandled/, 'no unhandled child error');
  // Still serving: HTTP answers and the service comes back for the viewers already there.
  assert.equal((await fetch(`${g.url}/api/health`)).status, 200);
  await Promise.all(watchers.map((v) => v.waitForFrames(2, 30_000)));
  assert.equal(g.child.exitCode, null);
  // And it shuts down cleanly after the ordeal (the second place the EPIPE was seen).
  g.child.kill('SIGTERM');
  assert.equal(await g.exited, 0, `clean exit after SIGTERM; output:\n${g.output().slice(-3000)}`);
  assert.doesNotMatch(g.output(), /EPIPE|Emitted 'error' event/);
});

test('finding 2: after a kill loop with new requests arriving during it, the 20 existing viewers resume by themselves', { timeout: 120_000 }, async () => {
  const g = await gateway({ initialDelayMs: 20, maxDelayMs: 300 });
  const watchers = Array.from({ length: 20 }, () => viewer(g.url));
  for (const v of watchers) assert.equal((await v.request()).type, 'accepted');
  await Promise.all(watchers.map((v) => v.waitForFrames(1, 20_000)));
  const killer = new ChildKiller(g);
  const answers: Promise<ServerMessage>[] = [];
  // A new request after every kill, so opens race the supervisor's re-open throughout the loop.
  await killer.loop(10, () => answers.push(viewer(g.url).request()));
  const lastKill = performance.now();
  const mark = watchers.map((v) => ({ restored: statusCount(v, 'SOURCE_RESTORED'), frames: v.frames.length }));
  // Nobody new connects now: the old viewers must come back on their own.
  await Promise.all(
    watchers.map((v, i) =>
      v.waitFor(() => statusCount(v, 'SOURCE_RESTORED') > mark[i]!.restored && v.frames.length > mark[i]!.frames + 2, 'SOURCE_RESTORED and frames after the loop', 30_000),
    ),
  );
  const resumedAfterMs = performance.now() - lastKill;
  for (const a of await Promise.all(answers)) {
    assert.ok(a.type === 'accepted' || (a.type === 'error' && a.code === 'SERVICE_FAILED'), `a request during the loop gets accepted or SERVICE_FAILED, got ${JSON.stringify(a)}`);
  }
  assert.equal(g.child.exitCode, null);
  assert.equal((await service(g.url)).state, 'running');
  assert.ok(resumedAfterMs < 30_000, `resumed ${resumedAfterMs.toFixed(0)} ms after the last kill`);
});

test('finding 2: restarts follow the documented backoff, one restart per kill, SERVICE_FAILED from the 5th consecutive failure, reset after running stably', { timeout: 120_000 }, async () => {
  const schedule = { initialDelayMs: 200, maxDelayMs: 1600 };
  const expected = (n: number) => Math.min(schedule.maxDelayMs, schedule.initialDelayMs * 2 ** (n - 1));
  const g = await gateway(schedule);
  const old = viewer(g.url);
  assert.equal((await old.request()).type, 'accepted');
  await old.waitForFrames(3, 20_000);
  const killer = new ChildKiller(g);
  const gaps: number[] = [];
  const stateAfter = async () => {
    for (;;) {
      const s = await service(g.url);
      if (s.state === 'backoff' || s.state === 'failed') return s.state;
      await sleep(5);
    }
  };
  const killAndMeasure = async (pid: number) => {
    killer.kill(pid);
    const state = await stateAfter();
    const next = await killer.next();
    gaps.push(killer.seenAt.get(next)! - killer.killedAt.at(-1)!);
    return { state, next };
  };

  // Failures 1-4: each new child killed as it starts. Still backoff, never failed.
  let pid = await killer.next();
  for (let n = 1; n <= 4; n++) {
    const r = await killAndMeasure(pid);
    assert.equal(r.state, 'backoff', `after failure ${n} the instance is in backoff, not failed`);
    pid = r.next;
    if (n === 4) {
      // A request during backoff waits for the scheduled restart (no early spawn) and is served.
      const during = viewer(g.url);
      assert.equal((await during.request()).type, 'accepted', 'a request after 4 failures is still served');
      await during.waitForFrames(2, 20_000);
    }
  }
  // Failure 5 (the child that came up and served): now failed, and new requests get SERVICE_FAILED at once.
  killer.kill(pid);
  assert.equal(await stateAfter(), 'failed', 'the 5th consecutive failure makes the instance failed');
  const refused = viewer(g.url);
  const answer = await refused.request();
  assert.equal(answer.type === 'error' && answer.code, 'SERVICE_FAILED', `a new request while failed: ${JSON.stringify(answer)}`);
  pid = await killer.next();
  gaps.push(killer.seenAt.get(pid)! - killer.killedAt.at(-1)!);
  // Failures 6 and 7: it keeps retrying at the capped delay.
  for (let n = 6; n <= 7; n++) {
    const r = await killAndMeasure(pid);
    assert.equal(r.state, 'failed');
    pid = r.next;
  }
  // Let it come back.
  await old.waitFor(() => statusCount(old, 'SOURCE_RESTORED') >= 1, 'SOURCE_RESTORED', 20_000);
  await old.waitForFrames(3, 20_000);
  const s = await service(g.url);
  assert.equal(s.state, 'running');
  assert.equal(s.restarts, killer.killedAt.length, `one restart per kill (${killer.killedAt.length} kills)`);
  assert.deepEqual(
    gaps.map((gap, i) => ({ n: i + 1, ok: gap >= expected(i + 1) - 5 && gap <= expected(i + 1) + 500 })),
    gaps.map((_, i) => ({ n: i + 1, ok: true })),
    `restart gaps ${gaps.map((x) => x.toFixed(0)).join(', ')} ms vs schedule ${gaps.map((_, i) => expected(i + 1)).join(', ')} ms`,
  );

  // Running stably for 10 s resets the count: the next kill is failure 1 again (backoff, initial delay).
  await sleep(10_800);
  const r = await killAndMeasure(pid);
  assert.equal(r.state, 'backoff', 'after 10 s of stable running a crash starts a fresh series');
  const gap = gaps.at(-1)!;
  assert.ok(gap >= expected(1) - 5 && gap <= expected(1) + 500, `first restart of a fresh series after ${gap.toFixed(0)} ms`);
  assert.equal(g.child.exitCode, null);
});
