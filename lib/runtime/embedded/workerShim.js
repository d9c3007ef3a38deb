// Loaded as plain JavaScript by new Worker(): registers tsx so the TypeScript entry (and a
// TypeScript flow module) can be required in this thread, then hands over to the entry.
const { workerData } = require('node:worker_threads');
if (workerData.entry.endsWith('.ts')) require('tsx/cjs/api').register();
require(workerData.entry);
