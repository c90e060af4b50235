/**
 * The sd_notify protocol under systemd (deploy/systemd/, docs/deploy.md,
 * "Readiness and watchdog"): READY=1 once revcam serves, WATCHDOG=1 every
 * half watchdog period while the event loop keeps time and the services
 * answer, STOPPING=1 when a stop begins.
 *
 * Loaded only when $NOTIFY_SOCKET is set (src/cli/serve.ts): outside systemd
 * nothing here runs and nothing is sent.
 *
 * Sending: Node has no unix datagram socket, so each message is sent by
 * Debian's `systemd-notify` (package systemd), spawned with the message. It
 * sends from its own PID, so the units say NotifyAccess=all; it waits until
 * the manager has taken the message (sd_notify_barrier), so the message is not
 * lost when it exits at once. Why not an npm package: docs/deploy.md.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

export interface NotifyLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface SystemdNotifyOptions {
  /** Whether revcam's services answer: a false skips the watchdog ping. */
  healthy?: () => boolean;
  log?: NotifyLog;
  env?: NodeJS.ProcessEnv;
  /** The sender (default `systemd-notify`, found on PATH). */
  command?: string;
}

export interface SystemdNotifier {
  /** The watchdog period revcam pings at (half of WatchdogSec), ms; undefined without a watchdog. */
  readonly pingEveryMs: number | undefined;
  /** The event-loop lag above which a ping is skipped, ms. */
  readonly maxLagMs: number | undefined;
  /** Stops the watchdog and sends STOPPING=1; resolves once sent (or after `waitMs`). */
  stopping(waitMs?: number): Promise<void>;
}

/** $WATCHDOG_USEC as a period in ms, when the watchdog is meant for this process ($WATCHDOG_PID, as sd_watchdog_enabled). */
export function watchdogMs(env: NodeJS.ProcessEnv, pid = process.pid): number | undefined {
  const usec = Number(env.WATCHDOG_USEC);
  if (!env.WATCHDOG_USEC || !Number.isFinite(usec) || usec <= 0) return undefined;
  if (env.WATCHDOG_PID !== undefined && env.WATCHDOG_PID !== '' && Number(env.WATCHDOG_PID) !== pid) return undefined;
  return usec / 1000;
}

/**
 * Sends READY=1 now and starts the watchdog when $WATCHDOG_USEC asks for one.
 * Returns undefined (and does nothing) without $NOTIFY_SOCKET.
 */
export function startSystemdNotify(opts: SystemdNotifyOptions = {}): SystemdNotifier | undefined {
  const env = opts.env ?? process.env;
  const socket = env.NOTIFY_SOCKET;
  if (!socket) return undefined;
  const watchdog = watchdogMs(env);
  // Services, ffmpeg and other children must not talk to the manager in revcam's name, nor think a watchdog is theirs.
  if (env === process.env) {
    delete process.env.NOTIFY_SOCKET;
    delete process.env.WATCHDOG_USEC;
    delete process.env.WATCHDOG_PID;
  }
  const command = opts.command ?? 'systemd-notify';
  const childEnv: NodeJS.ProcessEnv = { ...env, NOTIFY_SOCKET: socket };
  delete childEnv.WATCHDOG_USEC;
  delete childEnv.WATCHDOG_PID;
  let failedOnce = false;
  let inFlight = 0;

  const send = (message: string): Promise<void> =>
    new Promise<void>((resolve) => {
      inFlight++;
      const done = () => {
        inFlight--;
        resolve();
      };
      const child = spawn(command, [message], { env: childEnv, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr!.setEncoding('utf8').on('data', (t: string) => (err += t));
      child.once('error', (e) => {
        if (!failedOnce) opts.log?.error({ err: e, command }, `systemd: cannot run ${command} to send ${message} (install Debian's systemd package): systemd will not see revcam ready or alive`);
        failedOnce = true;
        done();
      });
      child.once('exit', (code) => {
        if (code !== 0 && !failedOnce) opts.log?.warn({ code, stderr: err.trim(), message }, 'systemd: systemd-notify failed');
        if (code !== 0) failedOnce = true;
        done();
      });
    });

  void send('READY=1');

  let timer: NodeJS.Timeout | undefined;
  const pingEveryMs = watchdog === undefined ? undefined : watchdog / 2;
  // A loop late by more than this is not healthy: half the ping period, at most 1 s (a frozen rear view for a second is already long).
  const maxLagMs = pingEveryMs === undefined ? undefined : Math.min(pingEveryMs / 2, 1000);
  if (pingEveryMs !== undefined && maxLagMs !== undefined) {
    // The loop's lag is measured by a timer of its own, 4 times per ping period: how late each tick fires.
    const tickMs = Math.max(10, Math.min(pingEveryMs / 4, 250));
    let lastTick = performance.now();
    let lastPing = lastTick;
    let worstLag = 0;
    timer = setInterval(() => {
      const now = performance.now();
      worstLag = Math.max(worstLag, now - lastTick - tickMs);
      lastTick = now;
      if (now - lastPing < pingEveryMs - tickMs / 2) return;
      lastPing = now;
      const lag = worstLag;
      worstLag = 0;
      if (lag > maxLagMs) {
        opts.log?.warn({ lagMs: Math.round(lag), maxLagMs }, 'systemd: event loop late; watchdog ping skipped');
        return;
      }
      if (opts.healthy && !opts.healthy()) {
        opts.log?.warn({}, 'systemd: a service does not answer; watchdog ping skipped');
        return;
      }
      // A ping still waiting for the manager is enough: do not pile senders up.
      if (inFlight > 0) return;
      void send('WATCHDOG=1');
    }, tickMs);
    timer.unref();
  }

  return {
    pingEveryMs,
    maxLagMs,
    async stopping(waitMs = 1000) {
      if (timer) clearInterval(timer);
      timer = undefined;
      let wait: NodeJS.Timeout | undefined;
      await Promise.race([send('STOPPING=1'), new Promise<void>((r) => (wait = setTimeout(r, waitMs)))]);
      clearTimeout(wait);
    },
  };
}
