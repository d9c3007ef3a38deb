/**
 * Registers the built-in sources and sinks. `ADF_SOURCE` narrows it to one source: the Lambda
 * bundles set it at build time (esbuild `define`), which drops the other branches and so
 * keeps, say, ioredis out of a file-only bundle. Unset (the CLI), everything is registered.
 */
let registered = false;

export function registerBuiltins(): void {
  if (registered) return;
  registered = true;
  const only = process.env.ADF_SOURCE;
  /* eslint-disable @typescript-eslint/no-require-imports */
  require('./sinks/register');
  if (only === undefined || only === 'file') require('./sources/file/register');
  if (only === undefined || only === 'rafka' || only === 'redis-stream') require('./sources/rafka/register');
  /* eslint-enable @typescript-eslint/no-require-imports */
}
