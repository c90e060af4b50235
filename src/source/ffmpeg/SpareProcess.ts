/**
 * An ffmpeg process spawned ahead of need, idle until taken: a transcoder
 * reading its input on stdin writes nothing before its first input frame, so
 * the process can wait with its start (dynamic libraries, codec registry,
 * about 50–300 ms on a small machine) already paid. The first viewer of the
 * codec then takes it instead of spawning (FfmpegRunner's `spare` option).
 *
 * A spare may also be primed: one throw-away picture written as soon as it
 * is ready, so the decoder, the scaler and the encoder are initialised
 * (buffers, threads) before the first real picture instead of on it. Its
 * output waits in the pipe and the taker drops it (`primed` in take()).
 *
 * Whoever holds a spare kills it when it is not taken (`kill`); a spare whose
 * process died meanwhile is not handed out. If revcam itself dies, the spare
 * sees end of file on stdin and exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';

/** An idle spare must not keep node running (nobody waits on it); the taker refs it again. */
function setRef(child: ChildProcess, ref: boolean): void {
  if (ref) child.ref();
  else child.unref();
  for (const s of [child.stdin, child.stdout, child.stderr]) {
    const socket = s as unknown as Partial<Socket> | null;
    if (ref) socket?.ref?.();
    else socket?.unref?.();
  }
}

/** What a taker gets: the process, whether it has started, and whether the priming picture went in. */
export interface TakenSpare {
  child: ChildProcess;
  spawned: boolean;
  /** The priming picture was written: the process's first output picture is that one, to be dropped. */
  primed: boolean;
}

export class SpareProcess {
  readonly #child: ChildProcess;
  #spawned = false;
  #exited = false;
  #taken = false;
  #primed = false;
  readonly #closed: Promise<void>;

  /** `prime`: the bytes of one throw-away input picture (already framed for the process's stdin). */
  constructor(args: string[], prime?: Promise<Buffer>) {
    const child = spawn('ffmpeg', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.#child = child;
    child.once('spawn', () => (this.#spawned = true));
    // Not installed, or killed: then it is simply not handed out (the taker spawns as usual and reports).
    child.on('error', () => {});
    child.stdin!.on('error', () => {});
    this.#closed = new Promise((resolve) => child.once('close', () => resolve()));
    child.once('exit', () => (this.#exited = true));
    setRef(child, false);
    // Written only if the spare is still idle then: once taken, stdin is the taker's alone.
    void prime?.then(
      (bytes) => {
        if (this.#taken || this.#exited || !child.stdin?.writable) return;
        child.stdin.write(bytes);
        this.#primed = true;
      },
      () => {}, // not primed: the first real picture pays the start-up, as without priming
    );
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** The process, once: undefined when it is gone (or never started), or was taken already. */
  take(): TakenSpare | undefined {
    if (this.#taken || this.#exited || this.#child.pid === undefined || this.#child.exitCode !== null || this.#child.killed) return undefined;
    this.#taken = true;
    setRef(this.#child, true);
    return { child: this.#child, spawned: this.#spawned, primed: this.#primed };
  }

  /** Kills the process unless it was taken (then it is its taker's); resolves when it is gone. */
  async kill(): Promise<void> {
    if (this.#taken) return;
    this.#taken = true;
    if (this.#child.pid === undefined || this.#exited) return;
    // Waited for now: it keeps node running until it is gone.
    setRef(this.#child, true);
    this.#child.kill('SIGKILL');
    await this.#closed;
  }
}
