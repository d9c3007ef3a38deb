// Scheduled: expired leases and lost messages go back to the queue; exhausted splits to the DLQ.
import { createFailureHandler } from '../lib/runtime/serverless/handlers';

export const handler = createFailureHandler();
