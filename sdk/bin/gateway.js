#!/usr/bin/env node
// The `gateway` bin. A file of its own, not dist/cli/main.js: npm links a workspace's bins at install
// time, before anything is built, and skips a bin whose file does not exist yet.
try {
  await import('../dist/cli/main.js');
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli/main.js')) {
    process.stderr.write('error: the gateway CLI is not built yet: run "npm run build -w sdk"\n');
    process.exit(2);
  }
  throw error;
}
