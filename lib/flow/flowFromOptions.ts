import { ConfigError } from '../errors';
import { fileSource } from '../sources/file';
import { jsonlSink, nullSink, stdoutSink } from '../sinks';
import type { Sink } from '../sinks';
import type { AnySource } from '../source-support/Source';
import { defineFlow } from './Flow';
import type { Flow } from './Flow';
import type { FlowOptions } from './FlowRef';

/** Builds a flow from the CLI's flag form; every flag is validated by the source or sink it configures. */
export function flowFromOptions(options: FlowOptions): Flow {
  return defineFlow({
    name: options.name ?? `${options.source}-to-${options.sink}`,
    source: sourceFromOptions(options),
    sink: sinkFromOptions(options),
    deadLetterDir: typeof options.deadLetter === 'string' ? options.deadLetter : undefined,
  });
}

function sourceFromOptions(o: FlowOptions): AnySource {
  switch (o.source) {
    case 'file':
      return fileSource({
        path: required(o, 'path', '--path'),
        format: o.format as 'csv' | 'jsonl' | undefined,
        include: o.include as string[] | undefined,
        exclude: o.exclude as string[] | undefined,
        recursive: o.recursive as boolean | undefined,
        csv: o.delimiter || o.quote ? { delimiter: o.delimiter as string | undefined, quote: o.quote as string | undefined } : undefined,
        maxRecordsPerBatch: o.batchSize as number | undefined,
      });
    default:
      throw new ConfigError(`--source must be one of: file (got "${o.source}")`, { context: { field: 'source' } });
  }
}

function sinkFromOptions(o: FlowOptions): Sink {
  switch (o.sink) {
    case 'jsonl':
      return jsonlSink({ dir: required(o, 'out', '--out') });
    case 'stdout':
      return stdoutSink();
    case 'null':
      return nullSink();
    default:
      throw new ConfigError(`--sink must be one of: jsonl, stdout, null (got "${o.sink}")`, { context: { field: 'sink' } });
  }
}

function required(o: FlowOptions, key: string, flag: string): string {
  const value = o[key];
  if (typeof value !== 'string' || value === '') throw new ConfigError(`${flag} is required for --source ${o.source} / --sink ${o.sink}`, { context: { field: key } });
  return value;
}
