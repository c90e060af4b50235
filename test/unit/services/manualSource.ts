/** A Source that emits a frame only when the test says so. */
import { EventEmitter } from 'node:events';
import type { Source, SourceFrame, SourceListener } from '../../../src/source/Source.js';

export class ManualSource implements Source {
  readonly codec = 'jpeg' as const;
  readonly fps = 30;
  private readonly emitter = new EventEmitter();
  private n = 0;

  constructor(readonly width = 640, readonly height = 360) {}

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  on<E extends keyof SourceListener>(e: E, l: SourceListener[E]): this {
    this.emitter.on(e, l);
    return this;
  }

  off<E extends keyof SourceListener>(e: E, l: SourceListener[E]): this {
    this.emitter.off(e, l);
    return this;
  }

  frame(): void {
    const f: SourceFrame = { codec: 'jpeg', keyframe: true, captureUs: ++this.n, width: this.width, height: this.height, data: new Uint8Array([this.n]) };
    this.emitter.emit('frame', f);
  }
}
