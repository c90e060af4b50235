/**
 * The spare service host: one service child process (serviceMain.js) forked
 * before any service needs it. Node is booted and the platform's camera layer
 * (src/source: the synthetic camera with sharp, ffmpeg sources) is loaded;
 * no service module is. The next service start (a cold start, a restart, the
 * first start at boot) takes it and sends it `init`, which loads the
 * service's module as a fresh fork would: what is saved is node's start and
 * the camera layer's import (docs/performance.md, F8).
 *
 * One spare per process, kept while `serviceHost.spare` is on; the owner
 * (ServiceHost) forks the next one after a start has settled, never during
 * it (two cores: a spare booting beside a cold start would slow that start).
 * A spare that dies idle is simply gone; the next start forks as before.
 *
 * Light on imports: `revcam serve` forks the spare before loading the gateway.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { compiledFile, packageFile, runsBundled } from '../app/packageFiles.js';
import { SPARE_ENV } from './childProtocol.js';

export { SPARE_ENV };

// The bundled command forks the bundled service host; dist/src's modules (tests, the API) fork dist/src's.
const SERVICE_MAIN = runsBundled ? packageFile('dist/bundle/service-host/serviceMain.js') : compiledFile('host/serviceMain.js');

/** A service child: IPC for control, fd 3 for frames (childProtocol.ts). */
export function forkServiceChild(opts: { spare?: boolean; env?: NodeJS.ProcessEnv } = {}): ChildProcess {
  return fork(SERVICE_MAIN, [], {
    stdio: ['ignore', 'inherit', 'inherit', 'pipe', 'ipc'],
    serialization: 'json',
    env: { ...process.env, ...opts.env, ...(opts.spare && { [SPARE_ENV]: '1' }) },
  });
}

let spare: ChildProcess | undefined;

const alive = (c: ChildProcess) => c.exitCode === null && c.signalCode === null && c.connected;

/** Forks the spare unless one is waiting. It does not keep the process alive by itself. */
export function preforkSpareHost(): void {
  if (spare && alive(spare)) return;
  let child: ChildProcess;
  try {
    child = forkServiceChild({ spare: true });
  } catch {
    return; // no spare: starts fork as without one
  }
  spare = child;
  child.on('error', () => {}); // a spare that cannot start is just absent
  child.once('exit', () => {
    if (spare === child) spare = undefined;
  });
  // Idle, it must not hold the event loop (a CLI that ends, a test): taking it re-refs it.
  child.unref();
  child.channel?.unref();
  (child.stdio[3] as Socket | null)?.unref();
}

/** Hands over the waiting spare (the caller owns it from now on), or undefined. */
export function takeSpareHost(): ChildProcess | undefined {
  const child = spare;
  spare = undefined;
  if (!child || !alive(child)) return undefined;
  child.ref();
  child.channel?.ref();
  (child.stdio[3] as Socket | null)?.ref();
  return child;
}

/** Whether a spare is waiting (tests, /api/health). */
export function spareHostPid(): number | undefined {
  return spare && alive(spare) ? spare.pid : undefined;
}

/** Ends the waiting spare, if any (shutdown, or `serviceHost.spare: false`). */
export function discardSpareHost(): void {
  const child = spare;
  spare = undefined;
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
