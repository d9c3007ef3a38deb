/**
 * Registers the built-in sources and sinks. `ADF_SOURCE` narrows it to one source: the Lambda
 * bundles set it at build time (esbuild `define`), which drops the other branches and so
 * keeps, say, ioredis out of a file-only bundle. Unset (the CLI), everything is registered.
 */
let registered = false;

export function registerBuiltins(): void {
  if (registered) return;
  registered = true;
  // Compare process.env.ADF_SOURCE itself in each condition: esbuild's `define` replaces that
  // expression, not a local copy of it, and only then drops the dead branches from a bundle.
  /* eslint-disable @typescript-eslint/no-require-imports */
  require('./sinks/register');
  if (process.env.ADF_SOURCE === undefined || process.env.ADF_SOURCE === 'file') require('./sources/file/register');
  if (process.env.ADF_SOURCE === undefined || process.env.ADF_SOURCE === 'rafka' || process.env.ADF_SOURCE === 'redis-stream') require('./sources/rafka/register');
  /* eslint-enable @typescript-eslint/no-require-imports */
}
