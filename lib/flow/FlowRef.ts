/**
 * How a thread that did not build the flow finds it again: worker threads and Lambda
 * containers load the same module (or rebuild it from the same CLI flags) instead of
 * receiving functions, which cannot cross a thread.
 */
export type FlowRef =
  | { readonly kind: 'module'; readonly path: string; readonly exportName?: string }
  | { readonly kind: 'options'; readonly options: FlowOptions };

/** The flag form of a flow (`adf run --source file --path ./data ...`). */
export interface FlowOptions {
  readonly name?: string;
  readonly source: string;
  readonly sink: string;
  readonly [option: string]: unknown;
}
