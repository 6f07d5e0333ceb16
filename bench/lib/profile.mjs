// Summarises a V8 .cpuprofile (node --cpu-prof): where the gateway's CPU time goes, by function
// (self and inclusive) and by origin (gateway source, each npm package, Node internals, GC).
import { readFileSync } from 'node:fs';

function origin(url) {
  if (!url) return '(native / V8)';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const nm = url.lastIndexOf('/node_modules/');
  if (nm !== -1) {
    const rest = url.slice(nm + 14).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const src = url.indexOf('/gateway/dist/');
  if (src !== -1) return `gateway/${url.slice(src + 14)}`;
  return url.replace(/^file:\/\//, '');
}

export function summarizeProfile(file, top = 25) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const intervalUs = (profile.endTime - profile.startTime) / Math.max(1, profile.samples.length);
  const selfUs = new Map(); // node id → µs
  for (const id of profile.samples) selfUs.set(id, (selfUs.get(id) ?? 0) + intervalUs);

  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n) => {
    const { functionName, url, lineNumber } = n.callFrame;
    return `${functionName || '(anonymous)'} ${origin(url)}${url ? `:${lineNumber + 1}` : ''}`;
  };

  const self = new Map();
  const inclusive = new Map();
  const byOrigin = new Map();
  let total = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    total += us;
    if (n.callFrame.functionName === '(idle)') {
      idle += us;
      continue;
    }
    const l = label(n);
    self.set(l, (self.get(l) ?? 0) + us);
    const o = n.callFrame.url ? origin(n.callFrame.url) : n.callFrame.functionName || '(native)';
    byOrigin.set(o, (byOrigin.get(o) ?? 0) + us);
    // Inclusive: credit every distinct function on the stack once.
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const cl = label(byId.get(cur));
      if (seen.has(cl)) continue;
      seen.add(cl);
      inclusive.set(cl, (inclusive.get(cl) ?? 0) + us);
    }
  }
  const busy = total - idle;
  const pct = (us) => `${((100 * us) / busy).toFixed(1).padStart(5)} %`;
  const list = (m, n) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => `  ${pct(us)}  ${k}`);
  return [
    `profile ${file}`,
    `  busy ${(busy / 1e6).toFixed(1)} s of ${(total / 1e6).toFixed(1)} s sampled`,
    'by origin (self time):',
    ...list(byOrigin, 20),
    `top ${top} functions by self time:`,
    ...list(self, top),
    `top ${top} functions by inclusive time:`,
    ...list(inclusive, top),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const file of process.argv.slice(2)) console.log(summarizeProfile(file, 40));
}

/**
 * Self and inclusive time per function (name and file, no line: builds being compared differ in
 * lines) of a .cpuprofile, and self time by origin (as summarizeProfile), in µs, idle excluded, from
 * `skipUs` after the profile's start on.
 */
export function functionTimes(file, skipUs = 0) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const intervalUs = (profile.endTime - profile.startTime) / Math.max(1, profile.samples.length);
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n) => `${n.callFrame.functionName || '(anonymous)'} ${origin(n.callFrame.url)}`;
  const self = new Map();
  const inclusive = new Map();
  const byOrigin = new Map();
  let t = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas?.[i] ?? intervalUs;
    if (t < skipUs) continue;
    const n = byId.get(profile.samples[i]);
    if (n.callFrame.functionName === '(idle)') continue;
    const l = label(n);
    self.set(l, (self.get(l) ?? 0) + intervalUs);
    const o = n.callFrame.url ? origin(n.callFrame.url) : n.callFrame.functionName || '(native)';
    byOrigin.set(o, (byOrigin.get(o) ?? 0) + intervalUs);
    const seen = new Set();
    for (let cur = profile.samples[i]; cur !== undefined; cur = parent.get(cur)) {
      const cl = label(byId.get(cur));
      if (seen.has(cl)) continue;
      seen.add(cl);
      inclusive.set(cl, (inclusive.get(cl) ?? 0) + intervalUs);
    }
  }
  return { self, inclusive, byOrigin };
}
