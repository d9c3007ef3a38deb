import { registerSource } from '../../flow/registry';
import { fileSource } from './FileSource';
import { parseAfterFinishFlag, parseFollowSymlinksFlag, parseSplitSizeFlag, type AfterFinish } from './FileSourceFlags';

registerSource(['file'], (o) =>
  fileSource({
    path: o.path as string,
    format: o.format as 'csv' | 'jsonl' | undefined,
    include: o.include as string[] | undefined,
    exclude: o.exclude as string[] | undefined,
    recursive: o.recursive as boolean | undefined,
    csv: o.delimiter || o.quote ? { delimiter: o.delimiter as string | undefined, quote: o.quote as string | undefined } : undefined,
    maxRecordsPerBatch: o.batchSize as number | undefined,
    // The flag form as typed (ADF_FLOW JSON: "64M", "move:s3://…"), or already parsed by the CLI.
    splitSize: typeof o.splitSize === 'string' ? parseSplitSizeFlag(o.splitSize) : (o.splitSize as number | undefined),
    afterFinish: typeof o.afterFinish === 'string' ? parseAfterFinishFlag(o.afterFinish) : (o.afterFinish as AfterFinish | undefined),
    followSymlinks: typeof o.followSymlinks === 'string' ? parseFollowSymlinksFlag(o.followSymlinks) : undefined,
  }),
);
