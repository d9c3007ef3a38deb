export { defineFlow, isFlow } from './Flow';
export type { Flow, Transform } from './Flow';
export type { FlowRef, FlowOptions } from './FlowRef';
export { loadFlow } from './loadFlow';
export { flowFromOptions } from './flowFromOptions';
