import type { z } from 'zod';
import { ConfigError } from '../errors';

/**
 * Defaults, then the caller's options (an `undefined` field keeps its default), checked once
 * against `schema`. The first issue becomes a ConfigError naming the field and the value it got.
 * Fields the schema does not list (clients, clocks) are not checked and not returned.
 *
 * @example
 * const { pageSize } = parseOptions(schema, { pageSize: 500 }, options); // 'pageSize must be between 1 and 10000 (got 0)'
 */
export function parseOptions<S extends z.ZodType>(schema: S, defaults: object, options: object): z.output<S> {
  const settings: Record<string, unknown> = { ...defaults, ...withoutUndefined(options) };
  const parsed = schema.safeParse(settings);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.');
    throw new ConfigError(`${issue.message} (got ${JSON.stringify(settings[field])})`, { context: { field } });
  }
  return parsed.data;
}

function withoutUndefined(value: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined));
}
