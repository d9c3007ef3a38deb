// SQS-triggered (ReportBatchItemFailures): one bounded batch per split message.
import { createReaderHandler } from '../lib/runtime/serverless/handlers';

export const handler = createReaderHandler();
