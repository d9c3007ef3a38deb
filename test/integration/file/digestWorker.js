// Plain JavaScript entry for a worker thread: registers tsx, then runs digestWorkerMain.ts.
// A worker runs outside jest's module sandbox, where csv-parse is about 3x faster.
require('tsx/cjs/api').register();
require('./digestWorkerMain.ts');
