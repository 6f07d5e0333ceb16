/**
 * Fixed-capacity FIFO. Pushing into a full buffer overwrites the oldest item and reports it, so the
 * usage recorder can count drops. O(1) push and shift, no reallocation on the hot path.
 */
export class RingBuffer<T> {
  private readonly items: (T | undefined)[];
  private head = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.items = new Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Adds an item; returns true when the oldest item had to be dropped to make room. */
  push(item: T): boolean {
    const tail = (this.head + this.count) % this.capacity;
    this.items[tail] = item;
    if (this.count < this.capacity) {
      this.count++;
      return false;
    }
    this.head = (this.head + 1) % this.capacity;
    return true;
  }

  /** The oldest `n` items, without removing them. */
  peek(n: number): T[] {
    const out: T[] = [];
    const take = Math.min(n, this.count);
    for (let i = 0; i < take; i++) out.push(this.items[(this.head + i) % this.capacity] as T);
    return out;
  }

  /** Removes the oldest `n` items. */
  drop(n: number): void {
    const take = Math.min(n, this.count);
    for (let i = 0; i < take; i++) this.items[(this.head + i) % this.capacity] = undefined;
    this.head = (this.head + take) % this.capacity;
    this.count -= take;
  }
}
