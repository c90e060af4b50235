import { EventEmitter } from 'node:events';
import type { SourceListener } from './Source.js';

/**
 * The typed `on`/`off` every Source exposes, over one EventEmitter, so each
 * source writes only how it produces frames. Listeners run synchronously, as
 * EventEmitter runs them.
 */
export abstract class SourceEmitter {
  readonly #emitter = new EventEmitter();

  on<E extends keyof SourceListener>(event: E, listener: SourceListener[E]): this {
    this.#emitter.on(event, listener);
    return this;
  }

  off<E extends keyof SourceListener>(event: E, listener: SourceListener[E]): this {
    this.#emitter.off(event, listener);
    return this;
  }

  protected emitSource<E extends keyof SourceListener>(event: E, ...args: Parameters<SourceListener[E]>): void {
    this.#emitter.emit(event, ...args);
  }

  protected listenerCountOf(event: keyof SourceListener): number {
    return this.#emitter.listenerCount(event);
  }
}
