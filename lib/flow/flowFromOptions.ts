import { registerBuiltins } from '../builtins';
import { defineFlow } from './Flow';
import type { Flow } from './Flow';
import type { FlowOptions } from './FlowRef';
import type { ErrorBudgetOptions } from '../runtime/ErrorBudget';
import { createSink, createSource } from './registry';

/** Builds a flow from the CLI's flag form (or a Lambda's ADF_FLOW); each source or sink validates its own options. */
export function flowFromOptions(options: FlowOptions): Flow {
  registerBuiltins();
  return defineFlow({
    name: options.name ?? `${options.source}-to-${options.sink}`,
    source: createSource(options),
    sink: createSink(options),
    deadLetterDir: typeof options.deadLetter === 'string' ? options.deadLetter : undefined,
    ...(options.errorBudget !== undefined ? { errorBudget: options.errorBudget as ErrorBudgetOptions | false } : {}),
  });
}
