import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from '../errors';

/**
 * node:util parseArgs for one `adf` command, strict: an unknown flag, a missing value or a
 * stray positional is a ConfigError of one line (parseArgs' first line, which names the flag)
 * pointing to the command's help, instead of a TypeError with a stack.
 *
 * @example
 * const { values, positionals } = parseCommandArgs('status', { args, options: { json: { type: 'boolean' } }, allowPositionals: true });
 */
export function parseCommandArgs<T extends Omit<ParseArgsConfig, 'strict'>>(command: string, config: T): ReturnType<typeof parseArgs<T & { strict: true }>> {
  try {
    return parseArgs({ ...config, strict: true });
  } catch (e) {
    throw new ConfigError(`${(e as Error).message.split('\n')[0]} (see adf ${command} --help)`);
  }
}
