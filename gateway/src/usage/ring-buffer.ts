/**
 * The usage recorder's buffer: a fixed-capacity FIFO of usage records stored column by column, so
 * that recording a request allocates nothing. A record kept as an object lives until its batch is
 * written — long enough to be copied by the young-generation GC and promoted, about a tenth of the
 * gateway's CPU per request at 10k requests/s. Here numbers go into typed arrays and the strings
 * (key id, owner id, route name, method) are references to strings that exist anyway (the key cache
 * and route table hold one per key and route, not one per record); only the path is new, and the
 * client address when it is recorded.
 *
 * The buffer is bounded twice: in records (`capacity`, its arrays are allocated up front) and in the
 * bytes its records keep alive (`maxBytes`; each is charged `recordBytes` of its path). Pushing past
 * either bound drops the oldest records and reports how many, so the recorder can count drops. Push,
 * read and drop are O(1) per record.
 */
// What a record keeps alive beyond its slot, as an upper bound: its path at two bytes a character
// (V8 stores a string holding any character above U+00FF, such as the truncation mark, at two), the
// string's headers (16–32 B each, a slice keeps its parent alive too) with up to 64 characters of the
// URL around the path (see stored-path.ts), and the row id it gets on its first write attempt (~56 B).
const RECORD_OVERHEAD_BYTES = 192;
// A client address (at most 45 characters, IPv6 with an IPv4 tail) is a string of its own per
// request: its header and characters, at two bytes each to be safe.
const ADDRESS_OVERHEAD_BYTES = 32;

/** The bytes a record with this path (and client address, if kept) is charged against the byte bound. */
export function recordBytes(path: string, clientIp?: string): number {
  const bytes = RECORD_OVERHEAD_BYTES + 2 * path.length;
  return clientIp === undefined ? bytes : bytes + ADDRESS_OVERHEAD_BYTES + 2 * clientIp.length;
}

export class UsageRing {
  readonly keyIds: (string | undefined)[];
  readonly userIds: (string | undefined)[];
  readonly routes: (string | undefined)[];
  readonly clientIps: (string | undefined)[];
  readonly methods: (string | undefined)[];
  readonly paths: (string | undefined)[];
  readonly statuses: Uint16Array;
  readonly latencies: Float64Array;
  readonly times: Float64Array;
  // Float64, not Uint32: a streamed body may exceed 4 GiB.
  readonly requestBytes: Float64Array;
  readonly responseBytes: Float64Array;
  /** Row ids, given on a record's first write attempt and kept for retries; undefined before. */
  readonly ids: (string | undefined)[];
  private head = 0;
  private count = 0;
  /** Bytes charged for the records held (see `recordBytes`), never above `maxBytes`. */
  bytes = 0;

  constructor(
    readonly capacity: number,
    readonly maxBytes = Number.POSITIVE_INFINITY,
  ) {
    this.keyIds = new Array(capacity).fill(undefined);
    this.userIds = new Array(capacity).fill(undefined);
    this.routes = new Array(capacity).fill(undefined);
    this.clientIps = new Array(capacity).fill(undefined);
    this.methods = new Array(capacity).fill(undefined);
    this.paths = new Array(capacity).fill(undefined);
    this.ids = new Array(capacity).fill(undefined);
    this.statuses = new Uint16Array(capacity);
    this.latencies = new Float64Array(capacity);
    this.times = new Float64Array(capacity);
    this.requestBytes = new Float64Array(capacity);
    this.responseBytes = new Float64Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Adds a record; returns how many of the oldest records had to be dropped to make room. */
  push(
    keyId: string,
    userId: string,
    route: string,
    method: string,
    path: string,
    status: number,
    latencyMs: number,
    time: number,
    requestBytes: number,
    responseBytes: number,
    clientIp: string | undefined,
  ): number {
    const bytes = recordBytes(path, clientIp);
    let dropped = 0;
    while (this.count > 0 && (this.count === this.capacity || this.bytes + bytes > this.maxBytes)) {
      this.drop(1);
      dropped++;
    }
    let slot = this.head + this.count;
    if (slot >= this.capacity) slot -= this.capacity;
    this.keyIds[slot] = keyId;
    this.userIds[slot] = userId;
    this.routes[slot] = route;
    this.clientIps[slot] = clientIp;
    this.requestBytes[slot] = requestBytes;
    this.responseBytes[slot] = responseBytes;
    this.methods[slot] = method;
    this.paths[slot] = path;
    this.statuses[slot] = status;
    this.latencies[slot] = latencyMs;
    this.times[slot] = time;
    this.ids[slot] = undefined;
    this.bytes += bytes;
    this.count++;
    return dropped;
  }

  /** The slot of the i-th oldest record (0 ≤ i < size). */
  slot(i: number): number {
    const slot = this.head + i;
    return slot >= this.capacity ? slot - this.capacity : slot;
  }

  /** Removes the oldest `n` records, releasing their strings. */
  drop(n: number): void {
    const take = Math.min(n, this.count);
    for (let i = 0; i < take; i++) {
      const slot = this.slot(i);
      this.bytes -= recordBytes(this.paths[slot]!, this.clientIps[slot]);
      this.keyIds[slot] = undefined;
      this.userIds[slot] = undefined;
      this.routes[slot] = undefined;
      this.clientIps[slot] = undefined;
      this.methods[slot] = undefined;
      this.paths[slot] = undefined;
      this.ids[slot] = undefined;
    }
    this.head = this.slot(take);
    this.count -= take;
  }
}
