import { registerSource } from '../../flow/registry';
import type { TextEncoding } from './format/TextEncoding';
import type { AfterFinish } from './FileSourceFlags';

// Loaded on use, as the rafka source is: a reader thread of a Rafka flow loaded the whole file
// source (csv-parse, picomatch, zod schemas …) for nothing, 10-20 % of its start-up.
/* eslint-disable @typescript-eslint/no-require-imports */
registerSource(['file'], (o) => {
  const { fileSource } = require('./FileSource') as typeof import('./FileSource');
  const { parseAfterFinishFlag, parseFollowSymlinksFlag, parseMinFileAgeFlag, parseSplitSizeFlag } = require('./FileSourceFlags') as typeof import('./FileSourceFlags');
  return fileSource({
    path: o.path as string,
    format: o.format as 'csv' | 'jsonl' | undefined,
    include: o.include as string[] | undefined,
    exclude: o.exclude as string[] | undefined,
    recursive: o.recursive as boolean | undefined,
    csv:
      o.delimiter || o.quote || o.csvDuplicateHeaders
        ? {
            delimiter: o.delimiter as string | undefined,
            quote: o.quote as string | undefined,
            duplicateHeaders: o.csvDuplicateHeaders as 'error' | 'rename' | undefined,
          }
        : undefined,
    encoding: o.encoding as TextEncoding | undefined,
    maxRecordsPerBatch: o.batchSize as number | undefined,
    // The flag form as typed (ADF_FLOW JSON: "64M", "move:s3://…"), or already parsed by the CLI.
    splitSize: typeof o.splitSize === 'string' ? parseSplitSizeFlag(o.splitSize) : (o.splitSize as number | undefined),
    afterFinish: typeof o.afterFinish === 'string' ? parseAfterFinishFlag(o.afterFinish) : (o.afterFinish as AfterFinish | undefined),
    minFileAge: typeof o.minFileAge === 'string' ? parseMinFileAgeFlag(o.minFileAge) : (o.minFileAge as number | undefined),
    followSymlinks: typeof o.followSymlinks === 'string' ? parseFollowSymlinksFlag(o.followSymlinks) : undefined,
  });
});
/* eslint-enable @typescript-eslint/no-require-imports */
