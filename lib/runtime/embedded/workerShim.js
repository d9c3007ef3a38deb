// Used only when ActiveDataFlow runs from its TypeScript sources (tests, `tsx`; the built package
// starts dist/…/readerWorker.js directly): registers tsx, a dev dependency, in this worker thread
// so the TypeScript entry can be required, then hands over to it. Flow files are compiled by
// lib/flow/compileFlowModule.ts either way.
const { workerData } = require('node:worker_threads');
if (workerData.entry.endsWith('.ts')) require('tsx/cjs/api').register();
require(workerData.entry);
