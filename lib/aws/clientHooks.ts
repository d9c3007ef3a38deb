import type { AwsService } from './config';

/** The part of an SDK v3 client a hook gets: its middleware stack (add a step, count calls). */
export interface HookableClient {
  readonly middlewareStack: { add(middleware: never, options?: never): void };
}

/** Called with every client lib/aws builds from then on (`createSqsClient`, the shared ones …). */
export type AwsClientHook = (client: HookableClient, service: AwsService) => void;

const hooks = new Set<AwsClientHook>();

/**
 * Opt-in, for benchmarks and diagnostics (not used by the runtime itself): sees every SDK client
 * lib/aws creates after this call, including the container's shared clients and the sinks' own,
 * so a caller can add a middleware to each, e.g. to count AWS calls per command
 * (bench/serverless.bench.ts). Clients built before the call are not seen. Returns a function
 * that removes the hook. With no hook registered, creating a client costs one empty loop.
 *
 * @example
 * const stop = onAwsClientCreated((client, service) =>
 *   client.middlewareStack.add((next, context) => (args) => { count(service, context.commandName); return next(args); }, { step: 'initialize' }));
 */
export function onAwsClientCreated(hook: AwsClientHook): () => void {
  hooks.add(hook);
  return () => void hooks.delete(hook);
}

/** Passes a newly built client to the registered hooks; returns it. */
export function announceClient<C extends HookableClient>(client: C, service: AwsService): C {
  for (const hook of hooks) hook(client, service);
  return client;
}
