/** The SDK client surface a call counter needs (any v3 client). */
interface HasMiddleware {
  readonly middlewareStack: {
    add(middleware: unknown, options: { step: 'initialize'; name: string; override?: boolean }): void;
    remove(name: string): boolean;
  };
}

/**
 * Counts the AWS calls made through SDK v3 clients, by command name (PutItem, SendMessage …),
 * with a middleware at the initialize step: one count per logical call, whatever its retries.
 * Stop it to take the middleware off again.
 *
 * @example
 * const calls = countAwsCalls({ dynamodb: clients.dynamodb, sqs: clients.sqs });
 * await work();
 * expect(calls.of('sqs', 'SendMessage')).toBe(1);
 * calls.stop();
 */
export function countAwsCalls<K extends string>(clients: Record<K, HasMiddleware>) {
  const counts = new Map<string, number>();
  const name = `adfCallCounter-${Math.random().toString(36).slice(2)}`;
  for (const [service, client] of Object.entries(clients) as [K, HasMiddleware][]) {
    client.middlewareStack.add(
      (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
        const key = `${service}:${context.commandName ?? 'unknown'}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
        return next(args);
      },
      { step: 'initialize', name, override: true },
    );
  }
  return {
    of: (service: K, command: string) => counts.get(`${service}:${command}`) ?? 0,
    all: () => Object.fromEntries(counts),
    reset: () => counts.clear(),
    stop: () => {
      for (const client of Object.values(clients) as HasMiddleware[]) client.middlewareStack.remove(name);
    },
  };
}
