/**
 * The smallest object undici accepts as a request `signal`: it takes EventEmitter-shaped signals
 * as well as AbortSignal (undici/lib/core/util.js addAbortListener). An AbortController costs about
 * 4 µs and 1.5 KB per request (an EventTarget, its listener bookkeeping); this one is a plain object
 * with one listener slot, which is all a single request ever registers.
 */
export class RequestAbort {
  aborted = false;
  private listener: (() => void) | null = null;

  on(_event: 'abort', listener: () => void): this {
    this.listener = listener;
    return this;
  }

  once(event: 'abort', listener: () => void): this {
    return this.on(event, listener);
  }

  addListener(event: 'abort', listener: () => void): this {
    return this.on(event, listener);
  }

  removeListener(_event: 'abort', listener: () => void): this {
    if (this.listener === listener) this.listener = null;
    return this;
  }

  /** Aborts the request (undici rejects it with RequestAbortedError); idempotent. */
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const listener = this.listener;
    this.listener = null;
    listener?.();
  }
}
