/**
 * Node options of the functions, derived from params. Source maps cost a cold start twice: the
 * map inside the zip (it was 2.2 MB next to an 800 KB bundle) and --enable-source-maps, which
 * makes Node parse it at start-up. Both come only with --param="sourceMaps=true".
 */
'use strict';

function nodeOptions(sourceMaps) {
  return String(sourceMaps) === 'true' ? '--enable-source-maps' : '';
}

module.exports = {
  // NODE_OPTIONS for the functions: empty (no options) unless source maps are asked for.
  nodeOptions: async ({ resolveVariable }) => nodeOptions(await resolveVariable('param:sourceMaps')),
  // For tests and tools.
  nodeOptionsFor: nodeOptions,
};
