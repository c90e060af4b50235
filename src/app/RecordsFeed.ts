/**
 * Feeds a viewer service (one whose manifest `records` streams, the
 * recorder) the frames of those streams. While the service runs, the hub
 * has one more viewer per recorded stream, H.264, with its own bounded
 * queue and keyframe resume like any other: the recorder adds no capture and
 * no encode, and a recorder that cannot keep up loses frames (and is told
 * so by the discontinuity flag), never slows the displays. Its frames go to
 * the child on the frame pipe (ServiceInstance.writeFrame).
 */
import type { ServiceInstance } from '../host/ServiceInstance.js';
import type { Logger } from '../log/logger.js';
import { SYSTEM_DEVICE, type StreamHub, type Subscription } from '../stream/StreamHub.js';

/** After a failed subscribe (no ffmpeg for H.264, the camera's service down) try again this much later. */
const RETRY_MS = 5_000;

export interface RecordsFeedOptions {
  hub: Pick<StreamHub, 'subscribe' | 'unsubscribe'>;
  instance: ServiceInstance;
  log: Pick<Logger, 'warn' | 'info'>;
}

export class RecordsFeed {
  #opts: RecordsFeedOptions;
  #subs = new Map<string, Subscription>();
  #retry = new Map<string, NodeJS.Timeout>();
  /** Streams whose failure was logged: one line per outage, not one per retry. */
  #warned = new Set<string>();
  #closed = false;
  #startTimer: NodeJS.Timeout | undefined;

  constructor(opts: RecordsFeedOptions) {
    this.#opts = opts;
    opts.instance.on('state', this.#onState);
    if (opts.instance.state === 'running') this.#onState('running');
  }

  /**
   * Starts the service `delayMs` from now unless it runs already: a recorder
   * listed `cold` comes up after boot, never beside the reverse camera's
   * first frame on two cores. The supervisor keeps it up from then on.
   */
  startLater(delayMs: number): void {
    clearTimeout(this.#startTimer);
    this.#startTimer = setTimeout(() => {
      const { instance, log } = this.#opts;
      if (this.#closed || instance.state !== 'stopped') return;
      instance.start().catch((err: unknown) => {
        // A shutdown that came while it was starting is no failure: nothing to report.
        if (!this.#closed) log.warn({ err, service: instance.id }, 'recorder could not start');
      });
    }, delayMs);
    this.#startTimer.unref();
  }

  #onState = (state: string): void => {
    if (state === 'running') for (const stream of this.#opts.instance.manifest.records ?? []) void this.#subscribe(stream);
    else this.#unsubscribeAll();
  };

  async #subscribe(stream: string): Promise<void> {
    const { hub, instance, log } = this.#opts;
    if (this.#closed || this.#subs.has(stream) || instance.state !== 'running') return;
    clearTimeout(this.#retry.get(stream));
    this.#retry.delete(stream);
    const [service = '', camera = ''] = stream.split('/');
    const sink = {
      write: (wire: Buffer, done: (err?: Error | null) => void) => {
        if (!instance.writeFrame(stream, wire, done)) done(new Error(`${instance.id} is not running`));
      },
      bufferedBytes: () => instance.frameInputBacklog,
      holdsFrames: instance.recordsHeldFrames,
    };
    try {
      const sub = await hub.subscribe({ service, camera, codec: 'h264', vehicle: instance.vehicle }, sink, { transport: 'recorder', device: SYSTEM_DEVICE });
      if (this.#closed || instance.state !== 'running') return hub.unsubscribe(sub);
      this.#subs.set(stream, sub);
      if (this.#warned.delete(stream)) log.info({ service: instance.id, stream }, 'recording again');
      // Ended from outside (the camera's service went, a shutdown): subscribe again while we run.
      const again = () => {
        if (this.#subs.get(stream) !== sub) return;
        this.#subs.delete(stream);
        hub.unsubscribe(sub);
        this.#later(stream);
      };
      sub.consumer.on('end', again);
      sub.consumer.on('error', again);
    } catch (err) {
      if (!this.#warned.has(stream)) log.warn({ err, service: instance.id, stream }, `cannot record ${stream} (retrying every ${RETRY_MS / 1000} s)`);
      this.#warned.add(stream);
      this.#later(stream);
    }
  }

  #later(stream: string): void {
    if (this.#closed || this.#retry.has(stream)) return;
    const t = setTimeout(() => {
      this.#retry.delete(stream);
      void this.#subscribe(stream);
    }, RETRY_MS);
    t.unref();
    this.#retry.set(stream, t);
  }

  #unsubscribeAll(): void {
    for (const sub of this.#subs.values()) this.#opts.hub.unsubscribe(sub);
    this.#subs.clear();
    for (const t of this.#retry.values()) clearTimeout(t);
    this.#retry.clear();
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#startTimer);
    this.#opts.instance.off('state', this.#onState);
    this.#unsubscribeAll();
  }
}
