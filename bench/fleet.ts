/** The bench's handle on the viewer process (bench/viewers.ts). */
import type { CodecName } from '../src/wire/frame.js';
import type { ProbeOptions } from '../src/cli/probe.js';
import { RpcChild } from './child.js';
import type { ReverseTiming } from './display.js';
import type { Collected, LateResult, ViewerCommand } from './viewers.js';
import type { ResumeReport } from './viewerTally.js';

export interface RevcamTarget {
  kind: 'revcam';
  url: string;
  codec: CodecName;
  service?: string;
  camera?: string;
  /** On a NATS gateway: the vehicle whose service to watch. */
  vehicle?: string;
}

export interface FlvTarget {
  kind: 'flv';
  url: string;
}

export class Fleet {
  #child = new RpcChild<ViewerCommand>('viewers.js');

  get pid(): number {
    return this.#child.pid;
  }

  connect(target: RevcamTarget | FlvTarget, count: number): Promise<{ connected: number }> {
    if (target.kind === 'flv') return this.#child.call({ op: 'connect', kind: 'flv', url: target.url, count });
    return this.#child.call({
      op: 'connect',
      kind: 'revcam',
      url: target.url,
      codec: target.codec,
      service: target.service ?? 'reversing',
      camera: target.camera ?? 'rear',
      ...(target.vehicle !== undefined && { vehicle: target.vehicle }),
      count,
    });
  }

  mark(): Promise<void> {
    return this.#child.call({ op: 'mark' });
  }

  collect(exclude?: number[], samples?: boolean): Promise<Collected> {
    return this.#child.call({ op: 'collect', ...(exclude && { exclude }), ...(samples && { samples }) });
  }

  pause(index: number): Promise<void> {
    return this.#child.call({ op: 'pause', index });
  }

  resume(index: number, liveThresholdMs: number): Promise<void> {
    return this.#child.call({ op: 'resume', index, liveThresholdMs });
  }

  resumeReport(index: number): Promise<ResumeReport | null> {
    return this.#child.call({ op: 'resumeReport', index });
  }

  closeAll(): Promise<void> {
    return this.#child.call({ op: 'closeAll' });
  }

  late(options: Omit<ProbeOptions, 'onFrame' | 'signal'>, liveThresholdMs: number): Promise<LateResult> {
    return this.#child.call({ op: 'late', options, liveThresholdMs });
  }

  lateFlv(url: string, liveThresholdMs: number, timeoutMs = 10_000): Promise<LateResult> {
    return this.#child.call({ op: 'lateFlv', url, liveThresholdMs, timeoutMs });
  }

  display(url: string): Promise<void> {
    return this.#child.call({ op: 'display', url });
  }

  reverse(o: { url: string; codec: CodecName; service: string; camera: string; timeoutMs: number }): Promise<ReverseTiming> {
    return this.#child.call({ op: 'reverse', ...o });
  }

  forward(url: string, timeoutMs: number): Promise<void> {
    return this.#child.call({ op: 'forward', url, timeoutMs });
  }

  displayClose(): Promise<void> {
    return this.#child.call({ op: 'displayClose' });
  }

  close(): Promise<void> {
    return this.#child.close();
  }
}
