/**
 * One ffmpeg child process, supervised: spawned with fresh arguments each
 * time, its stdout parsed into frames as they stream in (never via files),
 * watched for stalls, and restarted with exponential backoff when it dies or
 * stalls. Viewers hear about it through `lost` (once per outage) and
 * `restored` (with the first frame after it); the runner itself never gives
 * up while it is started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { TypedEmitter } from '../../events/TypedEmitter.js';
import { nowUs, type CodecName } from '../../wire/frame.js';
import { createFrameParser, type ParsedFrame } from './frameParser.js';
import type { TakenSpare } from './SpareProcess.js';

export interface FfmpegRunnerOptions {
  /** What the process is, for messages: e.g. `camera 'rear' (rtsp://cam/stream)`. */
  name: string;
  /** Arguments for each spawn. */
  args: () => string[];
  /** What stdout carries. */
  output: CodecName;
  /** No frame for this long means stalled: the process is killed and restarted. */
  stallTimeoutMs: number;
  /**
   * `always`: a live source must deliver frames all the time. `whenFed`: a
   * transcoder is stalled only when input went in and nothing came out.
   */
  stallWatch?: 'always' | 'whenFed';
  /** `whenFed`: how many fed frames have not come out yet (the watch stays armed while some are inside). */
  pendingInput?: () => number;
  /** Give the process a stdin pipe (transcoders). */
  stdin?: boolean;
  backoff?: { initialMs: number; maxMs: number };
  command?: string;
  /**
   * A process spawned ahead with the same arguments (SpareProcess.take), used
   * by start() instead of spawning; restarts always spawn afresh.
   */
  spare?: () => TakenSpare | undefined;
}

export type FfmpegRunnerEvents = {
  frame: [frame: ParsedFrame];
  lost: [reason: string];
  restored: [];
  /**
   * A new process is running (after start or a restart); stdin, if any, is fresh. `spare`: it was spawned
   * ahead (idle until now); `primed`: a throw-away picture went in first (its output comes first).
   */
  spawned: [pid: number, spare: boolean, primed: boolean];
};

/** How many stderr lines are kept to explain a failure. */
const STDERR_LINES = 8;

export class FfmpegRunner extends TypedEmitter<FfmpegRunnerEvents> {
  readonly #o: Required<Omit<FfmpegRunnerOptions, 'backoff' | 'spare'>> & Pick<FfmpegRunnerOptions, 'spare'> & { backoff: { initialMs: number; maxMs: number } };
  #child: ChildProcess | undefined;
  #running = false;
  #lost = false;
  #failures = 0;
  #stallTimer: NodeJS.Timeout | undefined;
  #restartTimer: NodeJS.Timeout | undefined;
  #stallReason: string | undefined;
  #stderr: string[] = [];
  #exited: Promise<void> = Promise.resolve();
  framesOut = 0;
  restarts = 0;

  constructor(opts: FfmpegRunnerOptions) {
    super();
    this.#o = { stallWatch: 'always', pendingInput: () => 0, stdin: false, command: 'ffmpeg', backoff: { initialMs: 250, maxMs: 5000 }, ...opts };
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get running(): boolean {
    return this.#running;
  }

  /** Spawns the process. Rejects when ffmpeg cannot be started at all (not installed). */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    this.#failures = 0;
    this.#lost = false;
    await this.#spawn(this.#o.spare?.());
  }

  /** Kills the process; no restart follows. */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#restartTimer);
    clearTimeout(this.#stallTimer);
    this.#child?.kill('SIGKILL');
    await this.#exited;
  }

  /**
   * Replaces the process at once without counting a failure or telling
   * viewers (e.g. so a transcoder starts a fresh stream with a keyframe).
   */
  restartNow(): void {
    if (!this.#running || !this.#child) return;
    this.#stallReason = 'replaced';
    this.#child.kill('SIGKILL');
  }

  /** Writes to the process's stdin; false when there is no process to take it. */
  write(data: Buffer): boolean {
    const stdin = this.#child?.stdin;
    if (!stdin || stdin.destroyed || !stdin.writable) return false;
    stdin.write(data);
    if (this.#o.stallWatch === 'whenFed' && !this.#stallTimer) this.#armStall();
    return true;
  }

  /** Bytes written to stdin that the process has not read yet. */
  get stdinBacklog(): number {
    return this.#child?.stdin?.writableLength ?? 0;
  }

  #spawn(spare?: TakenSpare): Promise<void> {
    const child = spare?.child ?? spawn(this.#o.command, this.#o.args(), { stdio: [this.#o.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    this.#child = child;
    this.#stderr = [];
    this.#stallReason = undefined;
    const parser = createFrameParser(this.#o.output, (f) => this.#onFrame(child, f));
    child.stdout!.on('data', (chunk: Buffer) => {
      try {
        parser.push(chunk, nowUs());
      } catch (err) {
        this.#stallReason = `unreadable output: ${(err as Error).message}`;
        child.kill('SIGKILL');
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (text: string) => {
      for (const line of text.split('\n')) if (line.trim()) this.#stderr.push(line.trim());
      if (this.#stderr.length > STDERR_LINES) this.#stderr.splice(0, this.#stderr.length - STDERR_LINES);
    });
    // A transcoder's stdin closing under us (the process died) is reported by 'exit'.
    child.stdin?.on('error', () => {});
    this.#exited = new Promise((resolve) => child.once('close', () => resolve()));
    child.once('close', (code, signal) => this.#onExit(child, code, signal));
    if (this.#o.stallWatch === 'always') this.#armStall();
    return new Promise((resolve, reject) => {
      let started = false;
      const onSpawn = (): void => {
        started = true;
        this.emit('spawned', child.pid ?? 0, spare !== undefined, spare?.primed ?? false);
        resolve();
      };
      // A spare may have started already ('spawn' came and went).
      if (spare?.spawned) onSpawn();
      else child.once('spawn', onSpawn);
      child.on('error', (err) => {
        if (started) return; // e.g. a failed kill: 'close' reports what matters
        // ENOENT and the like: no process will ever run.
        this.#running = false;
        clearTimeout(this.#stallTimer);
        reject(new Error(`${this.#o.name}: cannot run ${this.#o.command}: ${err.message}`));
      });
    });
  }

  #armStall(): void {
    clearTimeout(this.#stallTimer);
    this.#stallTimer = setTimeout(() => {
      this.#stallTimer = undefined;
      const child = this.#child;
      if (!child || !this.#running) return;
      this.#stallReason = `no frame for ${this.#o.stallTimeoutMs} ms`;
      child.kill('SIGKILL');
    }, this.#o.stallTimeoutMs);
  }

  #onFrame(child: ChildProcess, f: ParsedFrame): void {
    if (child !== this.#child || !this.#running) return;
    this.framesOut++;
    this.#failures = 0;
    if (this.#lost) {
      this.#lost = false;
      this.emit('restored');
    }
    this.emit('frame', f);
    // A live source must go on delivering; an encoder only while frames it was fed are inside it.
    if (this.#o.stallWatch === 'always' || this.#o.pendingInput() > 0) this.#armStall();
    else {
      clearTimeout(this.#stallTimer);
      this.#stallTimer = undefined;
    }
  }

  #onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.#child) return;
    this.#child = undefined;
    clearTimeout(this.#stallTimer);
    this.#stallTimer = undefined;
    if (!this.#running) return;
    const replaced = this.#stallReason === 'replaced';
    if (!replaced) {
      const why = this.#stallReason ?? `ffmpeg exited (${signal ?? `code ${code}`})${this.#stderr.length ? `: ${this.#stderr.at(-1)}` : ''}`;
      if (!this.#lost) {
        this.#lost = true;
        this.emit('lost', `${this.#o.name}: ${why}`);
      }
      this.#failures++;
    }
    const { initialMs, maxMs } = this.#o.backoff;
    const delay = replaced ? 0 : Math.min(maxMs, initialMs * 2 ** Math.max(0, this.#failures - 1));
    this.#restartTimer = setTimeout(() => {
      if (!this.#running) return;
      this.restarts++;
      this.#spawn().catch(() => {});
    }, delay);
  }

  /** The last lines ffmpeg wrote to stderr, for logs. */
  get stderrTail(): string[] {
    return [...this.#stderr];
  }
}
