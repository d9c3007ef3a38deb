import { registerSource } from '../../flow/registry';
import { fileSource } from './FileSource';

registerSource(['file'], (o) =>
  fileSource({
    path: o.path as string,
    format: o.format as 'csv' | 'jsonl' | undefined,
    include: o.include as string[] | undefined,
    exclude: o.exclude as string[] | undefined,
    recursive: o.recursive as boolean | undefined,
    csv: o.delimiter || o.quote ? { delimiter: o.delimiter as string | undefined, quote: o.quote as string | undefined } : undefined,
    maxRecordsPerBatch: o.batchSize as number | undefined,
  }),
);
