import { Agent, request } from 'undici';

export interface LoadResult {
  /** Answers by status code. */
  statuses: Record<number, number>;
  /** Requests that got no HTTP answer at all (reset, refused), with their error codes. */
  failures: string[];
  answered: number;
}

export interface Load {
  /** Stops sending, waits for the requests in flight and returns what was seen. */
  stop(): Promise<LoadResult>;
  /** A snapshot of what was seen so far. */
  readonly result: LoadResult;
}

/**
 * Background traffic: `concurrency` loops, each sending GET `path` with `key` back to back until
 * stopped. Used to prove a fault or a shutdown happens *under load* and to tally every answer.
 */
export function startLoad(
  baseUrl: string,
  opts: { key: string; path?: string; concurrency?: number; pauseMs?: number },
): Load {
  const concurrency = opts.concurrency ?? 8;
  const agent = new Agent({ connections: concurrency, pipelining: 1 });
  const result: LoadResult = { statuses: {}, failures: [], answered: 0 };
  let running = true;
  const loop = async () => {
    while (running) {
      try {
        const res = await request(`${baseUrl}${opts.path ?? '/proxy/load'}`, {
          dispatcher: agent,
          headers: { 'x-api-key': opts.key },
        });
        await res.body.dump();
        result.statuses[res.statusCode] = (result.statuses[res.statusCode] ?? 0) + 1;
        result.answered++;
      } catch (err) {
        result.failures.push((err as { code?: string }).code ?? String(err));
      }
      if (opts.pauseMs) await new Promise((r) => setTimeout(r, opts.pauseMs));
    }
  };
  const loops = Array.from({ length: concurrency }, loop);
  return {
    get result() {
      return result;
    },
    async stop() {
      running = false;
      await Promise.all(loops);
      await agent.close();
      return result;
    },
  };
}
