/**
 * The cameras a service should have open, kept across its children: opened
 * on request (one open in the child however many ask), re-opened after a
 * restart with SERVICE_RESTARTING / SOURCE_RESTORED to their viewers, and,
 * for a cold service, an idle stop once none is left.
 */
import type { ServiceConfig } from '../config/types.js';
import { RevcamError } from '../errors/RevcamError.js';
import type { Logger } from '../log/logger.js';
import type { OpenedCamera } from '../service/types.js';
import type { CodecName } from '../wire/frame.js';
import type { StreamEvent } from '../wire/messages.js';
import type { ChildSupervisor } from './ChildSupervisor.js';
import { runsWithoutViewers } from './StandbyPolicy.js';

interface Wanted {
  camera: string;
  codec: CodecName;
  opened?: OpenedCamera | undefined;
  /** The open in flight in the current child, shared by a new request and the re-open after a restart. */
  opening?: Promise<OpenedCamera> | undefined;
  /** Open when the child died: its viewers are owed SOURCE_RESTORED. */
  lost?: boolean;
}

export interface WantedCamerasOptions {
  id: string;
  log: Logger;
  supervisor: ChildSupervisor;
  /** The service's settings of the moment (standby, idleStopMs): a live reload may change them. */
  config: () => ServiceConfig;
  /** The idle stop: stops the whole instance. */
  stop: () => Promise<void>;
  status: (camera: string, event: StreamEvent, message: string) => void;
}

const openKey = (camera: string, codec: CodecName) => `${camera}/${codec}`;

export class WantedCameras {
  #wanted = new Map<string, Wanted>();
  #idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: WantedCamerasOptions) {}

  keys(): string[] {
    return [...this.#wanted.keys()];
  }

  /** Whether the service should run with no start waiting: a camera is wanted, or it is warm or hot. */
  keepRunning(): boolean {
    return this.#wanted.size > 0 || runsWithoutViewers(this.o.config().standby);
  }

  /** Opens a camera in a codec, starting the service if needed. Throws RevcamError. */
  async open(camera: string, codec: CodecName): Promise<OpenedCamera> {
    const { supervisor } = this.o;
    const key = openKey(camera, codec);
    clearTimeout(this.#idleTimer);
    const existing = this.#wanted.get(key);
    if (existing?.opened && supervisor.state === 'running') return existing.opened;
    const w: Wanted = existing ?? { camera, codec };
    this.#wanted.set(key, w);
    try {
      await supervisor.start();
      return await this.#openEntry(w);
    } catch (err) {
      // Keep an entry that viewers from before a crash still wait on: the restart re-opens it.
      if (!w.lost && this.#wanted.get(key) === w) this.#wanted.delete(key);
      if (err instanceof RevcamError) throw err;
      throw new RevcamError('SERVICE_FAILED', `service ${this.o.id} could not open ${key}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Opens a wanted camera in the current child once, however many callers ask at the same time. */
  #openEntry(w: Wanted): Promise<OpenedCamera> {
    if (w.opened && this.o.supervisor.state === 'running') return Promise.resolve(w.opened);
    w.opening ??= this.#openInChild(w.camera, w.codec).finally(() => (w.opening = undefined));
    return w.opening;
  }

  async #openInChild(camera: string, codec: CodecName): Promise<OpenedCamera> {
    const reply = await this.o.supervisor.channel.request({ op: 'open', camera, codec });
    if (reply.op !== 'reply' || !reply.ok) throw new Error(reply.op === 'reply' && !reply.ok ? reply.message : 'bad reply');
    if (!reply.opened) throw new Error('open reply without camera info');
    const w = this.#wanted.get(openKey(camera, codec));
    if (w) w.opened = reply.opened;
    return reply.opened;
  }

  async close(camera: string, codec: CodecName): Promise<void> {
    const { supervisor } = this.o;
    if (!this.#wanted.delete(openKey(camera, codec))) return;
    if (supervisor.state !== 'running') return;
    try {
      await supervisor.channel.request({ op: 'close', camera, codec });
    } catch (err) {
      // A service that is being stopped or restarted closes everything anyway.
      if (supervisor.state === 'running') this.o.log.warn({ err, service: this.o.id }, 'close failed');
    }
    this.armIdleStop();
  }

  /** A cold service with nothing open stops after idleStopMs; warm and hot ones keep running. */
  armIdleStop(): void {
    clearTimeout(this.#idleTimer);
    const config = this.o.config();
    if (this.#wanted.size > 0 || runsWithoutViewers(config.standby)) return;
    this.#idleTimer = setTimeout(() => {
      if (this.#wanted.size === 0 && this.o.supervisor.state === 'running') void this.o.stop();
    }, config.idleStopMs);
    this.#idleTimer.unref();
  }

  /** The child died: viewers of what was open are told a restart is coming, and owed SOURCE_RESTORED. */
  markLost(reason: string): void {
    for (const w of this.#wanted.values()) {
      if (w.opened || w.lost) {
        w.lost = true;
        this.o.status(w.camera, 'SERVICE_RESTARTING', `service ${this.o.id} stopped (${reason}); restarting`);
      }
      w.opened = undefined;
    }
  }

  /** Re-opens every wanted camera in the new child; viewers of those that were open are told they are back. */
  async reopen(): Promise<void> {
    await Promise.all(
      [...this.#wanted.values()].map(async (w) => {
        try {
          await this.#openEntry(w);
          if (w.lost && this.#wanted.has(openKey(w.camera, w.codec))) {
            w.lost = false;
            this.o.status(w.camera, 'SOURCE_RESTORED', `service ${this.o.id} restarted`);
          }
        } catch (err) {
          this.o.log.error({ err, service: this.o.id, camera: w.camera }, 'reopen after restart failed');
        }
      }),
    );
  }

  /** The service is stopping: nothing is wanted any more, and no idle stop is pending. */
  forget(): void {
    clearTimeout(this.#idleTimer);
    this.#wanted.clear();
  }
}
