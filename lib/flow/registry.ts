import { ConfigError } from '../errors';
import type { Sink } from '../sinks/Sink';
import type { AnySource } from '../source-support/Source';
import type { FlowOptions } from './FlowRef';

export type SourceFactory = (options: FlowOptions) => AnySource;
export type SinkFactory = (options: FlowOptions) => Sink;

const sources = new Map<string, SourceFactory>();
const sinks = new Map<string, SinkFactory>();

/**
 * Sources and sinks register themselves by name so the flag form (`--source rafka`) and the
 * Lambda handlers find them without importing every integration: a bundle holds only the
 * integrations it registered (see lib/sources/builtins.ts).
 */
export function registerSource(names: string[], factory: SourceFactory): void {
  for (const name of names) sources.set(name, factory);
}

export function registerSink(names: string[], factory: SinkFactory): void {
  for (const name of names) sinks.set(name, factory);
}

export function createSource(options: FlowOptions): AnySource {
  const factory = sources.get(options.source);
  if (!factory) throw new ConfigError(`--source must be one of: ${[...sources.keys()].join(', ')} (got "${options.source}")`, { context: { field: 'source' } });
  return factory(options);
}

export function createSink(options: FlowOptions): Sink {
  const factory = sinks.get(options.sink);
  if (!factory) throw new ConfigError(`--sink must be one of: ${[...sinks.keys()].join(', ')} (got "${options.sink}")`, { context: { field: 'sink' } });
  return factory(options);
}

/** The value of a required string option, or a ConfigError naming its flag. */
export function requiredOption(o: FlowOptions, key: string, flag: string): string {
  const value = o[key];
  if (typeof value !== 'string' || value === '') throw new ConfigError(`${flag} is required for --source ${o.source} / --sink ${o.sink}`, { context: { field: key } });
  return value;
}
