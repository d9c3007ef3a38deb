import { LocalSplitStore } from '../../../lib/coordination/LocalSplitStore';
import { describeSplitStoreContract } from '../../helpers/splitStoreContract';
import { tempDir } from '../../helpers/tmp';

describeSplitStoreContract('LocalSplitStore', async () => {
  const tmp = tempDir();
  const store = LocalSplitStore.open(tmp.dir);
  return {
    store,
    async cleanup() {
      store.close();
      tmp.cleanup();
    },
  };
});
