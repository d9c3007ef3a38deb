export { SplitStatus } from './SplitStore';
export type { SplitStore, SplitRow, Lease, SplitCommit, ClaimResult } from './SplitStore';
export { LocalSplitStore } from './LocalSplitStore';
