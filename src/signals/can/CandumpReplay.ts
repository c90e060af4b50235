/**
 * Replays a candump -L log in real time: each frame is delivered when its
 * recorded offset from the first frame has elapsed (divided by `speed`), so
 * the signals move as they did in the car. Streams the file line by line;
 * optionally starts over at the end.
 */
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { setTimeout as sleepFor } from 'node:timers/promises';
import type { Logger } from '../../log/logger.js';
import { CandumpParseError, parseCandumpLine, type CanFrame } from './candump.js';

export interface CandumpReplayOptions {
  file: string;
  onFrame: (frame: CanFrame) => void;
  loop?: boolean;
  /** 2 = twice as fast as recorded. */
  speed?: number;
  log?: Logger;
  /** Called once when the replay ends (not looping) or fails. */
  onEnd?: (err?: Error) => void;
  /** Injectable monotonic clock (ms) and sleep, for tests. */
  now?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

const defaultSleep = (ms: number, signal: AbortSignal) => sleepFor(ms, undefined, { signal }).then(() => undefined);

export class CandumpReplay {
  #opts: CandumpReplayOptions;
  #abort: AbortController | undefined;
  #running: Promise<void> | undefined;
  /** Lines that were not candump frames, and passes completed. */
  readonly stats = { frames: 0, badLines: 0, passes: 0 };

  constructor(opts: CandumpReplayOptions) {
    if (!(opts.speed === undefined || (opts.speed > 0 && Number.isFinite(opts.speed)))) throw new RangeError('replay speed must be a positive number');
    this.#opts = opts;
  }

  /** Resolves once the file is known to be readable; frames then flow in the background. */
  async start(): Promise<void> {
    if (this.#running) return;
    try {
      await access(this.#opts.file);
    } catch (err) {
      throw new Error(`cannot read CAN log ${this.#opts.file}: ${(err as Error).message}`);
    }
    const abort = (this.#abort = new AbortController());
    this.#running = this.#run(abort.signal).then(
      () => {
        if (!abort.signal.aborted) this.#opts.onEnd?.();
      },
      (err: unknown) => {
        if (abort.signal.aborted) return;
        this.#opts.log?.error({ err, file: this.#opts.file }, 'CAN log replay failed');
        this.#opts.onEnd?.(err as Error);
      },
    );
  }

  async stop(): Promise<void> {
    this.#abort?.abort();
    await this.#running;
    this.#running = undefined;
  }

  /** Resolves when a non-looping replay has delivered its last frame. */
  get done(): Promise<void> {
    return this.#running ?? Promise.resolve();
  }

  async #run(signal: AbortSignal): Promise<void> {
    const now = this.#opts.now ?? (() => performance.now());
    const sleep = this.#opts.sleep ?? defaultSleep;
    const speed = this.#opts.speed ?? 1;
    do {
      const input = createReadStream(this.#opts.file, { encoding: 'utf8' });
      const lines = createInterface({ input, crlfDelay: Infinity });
      let first: number | undefined;
      let startMs = now();
      let framesThisPass = 0;
      try {
        for await (const line of lines) {
          if (signal.aborted) return;
          let frame: CanFrame | null;
          try {
            frame = parseCandumpLine(line);
          } catch (err) {
            if (!(err instanceof CandumpParseError)) throw err;
            if (this.stats.badLines++ < 5) this.#opts.log?.warn({ file: this.#opts.file, err: err.message }, 'skipping a line that is not a CAN frame');
            continue;
          }
          if (!frame) continue;
          if (first === undefined) {
            first = frame.timestampS;
            startMs = now();
          }
          const wait = startMs + ((frame.timestampS - first) * 1000) / speed - now();
          if (wait > 0) {
            try {
              await sleep(wait, signal);
            } catch (err) {
              if (signal.aborted) return;
              throw err;
            }
          }
          framesThisPass++;
          this.stats.frames++;
          this.#opts.onFrame(frame);
        }
      } finally {
        lines.close();
        input.destroy();
      }
      this.stats.passes++;
      if (framesThisPass === 0) throw new Error(`CAN log ${this.#opts.file} holds no candump frames`);
    } while (this.#opts.loop && !signal.aborted);
  }
}
