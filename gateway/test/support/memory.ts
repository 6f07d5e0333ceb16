import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * Live memory of this process: V8 heap plus Buffers/ArrayBuffers (which live outside it), measured
 * after full GCs so that it counts what is retained, not garbage awaiting collection — streaming
 * 50 MB in 64 KB chunks allocates far more than 50 MB of short-lived buffers in total. The second
 * GC makes sure the first one's ArrayBuffer backing stores (swept on a background thread) are gone
 * from the `arrayBuffers` figure.
 */
export function liveBytes(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Samples live memory every `intervalMs` until stopped; returns its peak growth over the first sample. */
export function sampleMemory(intervalMs = 200) {
  const baseline = liveBytes();
  let peak = baseline;
  const sample = () => {
    peak = Math.max(peak, liveBytes());
  };
  const timer = setInterval(sample, intervalMs);
  return {
    stop(): number {
      clearInterval(timer);
      sample();
      return peak - baseline;
    },
  };
}
