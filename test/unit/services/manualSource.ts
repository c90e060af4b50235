/** A Source that emits a frame only when the test says so. */
import type { Source, SourceFrame } from '../../../src/source/Source.js';
import { SourceEmitter } from '../../../src/source/SourceEmitter.js';

export class ManualSource extends SourceEmitter implements Source {
  readonly codec = 'jpeg' as const;
  readonly fps = 30;
  private n = 0;

  constructor(readonly width = 640, readonly height = 360) {
    super();
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}


  frame(): void {
    const f: SourceFrame = { codec: 'jpeg', keyframe: true, captureUs: ++this.n, width: this.width, height: this.height, data: new Uint8Array([this.n]) };
    this.emitSource('frame', f);
  }
}
