/**
 * The package's public entry points, as module paths inside lib/ (or dist/ once built), keyed by
 * their subpath: `activedataflow` is '', `activedataflow/rafka` is 'rafka'. package.json's
 * "exports" names the same files (a unit test keeps the two in step); the flow loader uses this
 * map to hand a flow file the very copy of ActiveDataFlow that runs it.
 */
export const PACKAGE_NAME = 'activedataflow';

export const PACKAGE_ENTRIES: Readonly<Record<string, string>> = {
  '': 'index',
  rafka: 'sources/rafka/index',
  s3: 'sinks/s3',
  redis: 'sinks/redis',
  coordination: 'coordination/index',
};
