/**
 * Live SocketCAN frames through can-utils' `candump -L <iface>` (Debian
 * package can-utils): a child process rather than a native binding, so there
 * is nothing to compile and the same parser reads logs and live traffic.
 * candump exiting (interface down or missing) is logged and retried with
 * back-off; the signals go stale meanwhile and the displays say so.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Logger } from '../../log/logger.js';
import { CandumpParseError, parseCandumpLine, type CanFrame } from './candump.js';

export interface CandumpLiveOptions {
  iface: string;
  onFrame: (frame: CanFrame) => void;
  /** The candump executable (default `candump` on PATH). */
  candump?: string;
  log?: Logger;
  /** Back-off between restarts: starts here, doubles up to maxRestartDelayMs. */
  restartDelayMs?: number;
  maxRestartDelayMs?: number;
}

export class CandumpMissingError extends Error {
  readonly code = 'CANDUMP_MISSING';
  constructor(candump: string) {
    super(`cannot run ${candump}: the live CAN source needs candump from can-utils (Debian: apt-get install can-utils)`);
    this.name = 'CandumpMissingError';
  }
}

export class CandumpLive {
  #opts: CandumpLiveOptions;
  #child: ChildProcess | undefined;
  #stopped = true;
  #restartTimer: NodeJS.Timeout | undefined;
  #delayMs: number;
  readonly stats = { frames: 0, badLines: 0, restarts: 0 };

  constructor(opts: CandumpLiveOptions) {
    this.#opts = opts;
    this.#delayMs = opts.restartDelayMs ?? 1000;
  }

  /** Rejects with CandumpMissingError when candump cannot be run at all. */
  async start(): Promise<void> {
    if (!this.#stopped) return;
    this.#stopped = false;
    await this.#spawn();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#restartTimer);
    const child = this.#child;
    this.#child = undefined;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    }
  }

  #spawn(): Promise<void> {
    const bin = this.#opts.candump ?? 'candump';
    const { iface, log } = this.#opts;
    return new Promise<void>((resolve, reject) => {
      const child = spawn(bin, ['-L', iface], { stdio: ['ignore', 'pipe', 'pipe'] });
      this.#child = child;
      let stderr = '';
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (d: string) => {
        stderr = (stderr + d).slice(-2000); // keep the tail: the reason is at the end
      });
      child.once('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT' || err.code === 'EACCES') {
          this.#stopped = true;
          reject(new CandumpMissingError(bin));
        } else reject(err);
      });
      child.once('spawn', () => {
        log?.info({ iface, pid: child.pid }, 'reading live CAN frames with candump');
        resolve();
      });
      const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
      lines.on('line', (line) => {
        let frame: CanFrame | null;
        try {
          frame = parseCandumpLine(line);
        } catch (err) {
          if (!(err instanceof CandumpParseError)) throw err;
          if (this.stats.badLines++ < 5) log?.warn({ iface, err: err.message }, 'candump printed a line that is not a frame');
          return;
        }
        if (!frame) return;
        this.stats.frames++;
        this.#delayMs = this.#opts.restartDelayMs ?? 1000; // frames flow again: reset the back-off
        this.#opts.onFrame(frame);
      });
      child.once('exit', (code, sig) => {
        if (this.#child === child) this.#child = undefined;
        if (this.#stopped) return;
        log?.error({ iface, code, signal: sig, stderr: stderr.trim() }, `candump on ${iface} exited; retrying in ${this.#delayMs} ms`);
        this.stats.restarts++;
        this.#restartTimer = setTimeout(() => {
          if (this.#stopped) return;
          this.#spawn().catch((err: unknown) => log?.error({ err, iface }, 'candump could not be restarted'));
        }, this.#delayMs);
        this.#restartTimer.unref();
        this.#delayMs = Math.min(this.#delayMs * 2, this.#opts.maxRestartDelayMs ?? 5000);
      });
    });
  }
}
