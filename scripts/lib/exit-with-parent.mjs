// Preloaded (`node --import`) into the processes `npm start` runs. They live in process groups of
// their own, so a signal meant for `npm start` never reaches them directly: if scripts/start.mjs dies
// without stopping them (SIGKILL, a crash), they notice they were orphaned and stop themselves
// gracefully, as if sent SIGTERM.
const parent = process.ppid;
const timer = setInterval(() => {
  if (process.ppid === parent) return;
  clearInterval(timer);
  process.kill(process.pid, 'SIGTERM');
}, 1_000);
timer.unref();
