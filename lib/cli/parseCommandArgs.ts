import { parseArgs, type ParseArgsConfig } from 'node:util';
import { closest, distance } from 'fastest-levenshtein';
import { ConfigError } from '../errors';

/**
 * node:util parseArgs for one `adf` command, strict: an unknown flag, a missing value or a
 * stray positional is a ConfigError of one line naming the flag (with the nearest known flag
 * for a typo) and pointing to the command's help, instead of a TypeError with a stack.
 *
 * @example
 * const { values, positionals } = parseCommandArgs('status', { args, options: { json: { type: 'boolean' } }, allowPositionals: true });
 */
export function parseCommandArgs<T extends Omit<ParseArgsConfig, 'strict'>>(command: string, config: T): ReturnType<typeof parseArgs<T & { strict: true }>> {
  try {
    return parseArgs({ ...config, strict: true });
  } catch (e) {
    const code = (e as { code?: string }).code;
    const first = (e as Error).message.split('\n')[0]!;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const flag = /'([^']+)'/.exec(first)?.[1] ?? first;
      const hint = suggestFlag(flag, Object.keys(config.options ?? {}));
      throw new ConfigError(`unknown flag ${flag}${hint ? ` (did you mean ${hint}?)` : ''} (see adf ${command} --help)`, { context: { field: flag } });
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && /argument missing/.test(first)) {
      const flag = /'(--?[^ ']+)/.exec(first)?.[1] ?? first;
      throw new ConfigError(`${flag} needs a value (see adf ${command} --help)`, { context: { field: flag } });
    }
    throw new ConfigError(`${first} (see adf ${command} --help)`);
  }
}

/**
 * The known flag nearest to a mistyped one, when it is near enough to be a typo: at most a
 * third of its letters differ (`--pth` → `--path`, not `--x` → `--sink`).
 */
export function suggestFlag(flag: string, known: readonly string[]): string | undefined {
  const name = flag.replace(/^-+/, '').split('=')[0]!;
  if (name === '' || known.length === 0) return undefined;
  const best = closest(name, [...known]);
  return distance(name, best) <= Math.max(1, Math.floor(best.length / 3)) ? `--${best}` : undefined;
}
