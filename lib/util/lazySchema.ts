import type { z as Zod } from 'zod';

/** The `z` namespace of zod, as `import { z } from 'zod'` gives it. */
export type ZodApi = typeof Zod;

/**
 * A zod schema built on first use instead of at module load. Zod is the largest part of a
 * Lambda bundle after the AWS SDK (≈ 750 KB that a bundle evaluates on load): modules on the
 * reader's path import zod's types only and build their schemas through this, so a cold start
 * loads zod when the first invocation validates something, not during init
 * (bench/coldstart.bench.ts). Outside a bundle it costs one require, cached.
 *
 * @example
 * const optionsSchema = lazySchema((z) => z.object({ queueUrl: z.string().url('queueUrl must be a URL') }));
 * optionsSchema().parse(options);
 */
export function lazySchema<S>(build: (z: ZodApi) => S): () => S {
  let schema: S | undefined;
  return () => (schema ??= build(zod()));
}

/** zod's `z`, loaded on first call. */
export function zod(): ZodApi {
  return (require('zod') as { z: ZodApi }).z; // eslint-disable-line @typescript-eslint/no-require-imports
}
