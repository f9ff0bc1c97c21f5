// Preloaded into every Node server of the bench (node --expose-gc --require this file): SIGUSR2 runs a full
// garbage collection, so the idle scenario reads every server's RSS after the same forced GC (bench/README.md).
'use strict';
if (typeof globalThis.gc === 'function') {
  process.on('SIGUSR2', () => {
    globalThis.gc();
    globalThis.gc();
  });
}
