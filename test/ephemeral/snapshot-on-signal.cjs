// Preloaded into the relay child of the ephemerality tests (node --expose-gc --require <this file>).
// On SIGUSR2: two full garbage collections, then a V8 heap snapshot written to the process's cwd (a temp folder
// outside the data folder), then a ".done" file next to it, so the test knows the snapshot is complete. The test
// process owns this hook; the relay itself has no such code path.
'use strict';
const { writeHeapSnapshot } = require('node:v8');
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

let n = 0;
process.on('SIGUSR2', () => {
  if (typeof global.gc === 'function') {
    global.gc();
    global.gc();
  }
  const name = `relay-${process.pid}-${++n}.heapsnapshot`;
  writeHeapSnapshot(join(process.cwd(), name));
  writeFileSync(join(process.cwd(), `${name}.done`), name);
});
