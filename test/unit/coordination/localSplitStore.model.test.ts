/**
 * LocalSplitStore against the reference model of the split store (test/helpers/splitStoreModel):
 * random claims, commits, releases, duplicate deliveries and clock jumps. (An in-process store
 * cannot lose a response; DynamoSplitStore's model test covers that.)
 */
import fc from 'fast-check';
import { LocalSplitStore } from '../../../lib/coordination/LocalSplitStore';
import { MODEL_START, newModel, splitStoreCommands, type RealSplitStore } from '../../helpers/splitStoreModel';
import { tempDir } from '../../helpers/tmp';

describe('LocalSplitStore (model-based)', () => {
  it('answers and stores what the reference model does, for any sequence of operations', async () => {
    await fc.assert(
      fc.asyncProperty(splitStoreCommands({ serverless: false, lostResponses: false }), async (commands) => {
        const tmp = tempDir();
        const clock = { now: MODEL_START };
        const store = LocalSplitStore.open(tmp.dir, { clock: () => clock.now });
        try {
          const real: RealSplitStore = { store, clock, leases: new Map() };
          await fc.asyncModelRun(() => ({ model: newModel(MODEL_START), real }), commands);
        } finally {
          store.close();
          tmp.cleanup();
        }
      }),
      { numRuns: 200 },
    );
  });
});
