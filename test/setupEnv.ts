import { quietNodeVersionWarning } from '../lib/util/nodeVersion';

// Quiet the Lambda-side JSON logs and EMF metrics in tests (set POWERTOOLS_LOG_LEVEL=DEBUG to see them).
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
// The SDK's Node 22 notice, once per test file (13 times a run): the variable it reads is set as the CLI sets it.
quietNodeVersionWarning();
