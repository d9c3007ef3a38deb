// Scheduled, manual ({"flow": "<name>"}) or S3-notified: discover splits, write rows, enqueue them.
import { createEnumeratorHandler } from '../lib/runtime/serverless/handlers';

export const handler = createEnumeratorHandler();
