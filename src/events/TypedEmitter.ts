/**
 * A typed event emitter: a map from event name to argument tuple. A listener
 * that throws is caught and reported through `onListenerError`, never allowed
 * to unwind into the frame loop that emitted the event.
 */
export type EventMap = Record<string, unknown[]>;
type Listener<A extends unknown[]> = (...args: A) => void;
// Stored untyped; the public methods keep the per-event types.
type AnyListener = (...args: unknown[]) => void;

export class TypedEmitter<E extends EventMap> {
  #listeners = new Map<keyof E, Set<AnyListener>>();
  onListenerError: (err: unknown, event: keyof E) => void = (err) => queueMicrotask(() => { throw err; });

  on<K extends keyof E>(event: K, fn: Listener<E[K]>): this {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(fn as unknown as AnyListener);
    return this;
  }

  off<K extends keyof E>(event: K, fn: Listener<E[K]>): this {
    this.#listeners.get(event)?.delete(fn as unknown as AnyListener);
    return this;
  }

  once<K extends keyof E>(event: K, fn: Listener<E[K]>): this {
    const wrapped = ((...args: E[K]) => {
      this.off(event, wrapped);
      fn(...args);
    }) as Listener<E[K]>;
    return this.on(event, wrapped);
  }

  protected emit<K extends keyof E>(event: K, ...args: E[K]): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const fn of [...set]) {
      try {
        fn(...args);
      } catch (err) {
        this.onListenerError(err, event);
      }
    }
  }

  listenerCount(event: keyof E): number {
    return this.#listeners.get(event)?.size ?? 0;
  }
}
