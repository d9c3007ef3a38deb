import { LocalSplitStore } from '../../coordination/LocalSplitStore';
import type { SplitRow } from '../../coordination/SplitStore';
import type { AdminStore } from './AdminStore';

/** The embedded state dir, opened under its lock: a running `adf run` keeps the commands out (its rows live in its memory). */
export function openLocalAdminStore(dir: string): AdminStore {
  const store = LocalSplitStore.open(dir);
  return {
    where: `state dir ${dir}`,
    async list() {
      const rows: SplitRow[] = [];
      for await (const row of store.list()) rows.push(row);
      return rows;
    },
    async retry(splitId, audit) {
      return store.retry(splitId, audit);
    },
    async reset(seen, split, force, audit) {
      return store.reset(seen, split, force, audit);
    },
    async forget(splitId) {
      return store.forget(splitId);
    },
    async wake() {
      // The next `adf run` with this state dir claims PENDING splits.
    },
    async deadLetters() {
      return [];
    },
    async close() {
      store.close();
    },
  };
}
