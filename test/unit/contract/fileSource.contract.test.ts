import { join } from 'node:path';
import { ConfigError } from '../../../lib/errors/AdfError';
import { fileSource } from '../../../lib/sources/file';
import { lines, makeFixtureDir } from '../../helpers/files';
import { describeSourceContract, runSource } from '../../helpers/sourceContract';

describeSourceContract('file source (CSV, JSON Lines, gzip)', async () => {
  const fx = makeFixtureDir({
    'orders/2024-01.csv': 'id,sku,qty\r\n1,A,2\r\n2,"B, large",1\r\n3,C\r\n4,"multi\nline",5\r\n5,E,6\r\n',
    'orders/2024-02.csv': lines(7, (i) => (i === 0 ? 'id,sku' : `${i},S${i}`)),
    'events/a.jsonl': '{"e":1}\n\n{"e":2}\nnot json\n{"e":3}\n[4]\n',
    'empty.csv': '',
    'notes.txt': 'not a data file',
  });
  fx.writeGzip('events/b.ndjson.gz', lines(8, (i) => JSON.stringify({ g: i })));
  fx.writeGzip('orders/2024-03.csv.gz', 'id,sku\n1,X\n2,"Y"\n3,Z\n');
  // A small discovery page, so the enumerator checkpoint holds a cursor mid-listing.
  return { source: fileSource({ path: fx.root, discoveryPageSize: 2 }), cleanup: fx.cleanup };
});

describe('the contract kit driver', () => {
  it('fails a run with the ConfigError of a missing path instead of waiting', async () => {
    const fx = makeFixtureDir();
    try {
      const missing = join(fx.root, 'missing');

      const run = runSource(fileSource({ path: missing }), { readers: 1, stallMs: 1_000 });

      await expect(run).rejects.toThrow(ConfigError);
      await expect(run).rejects.toThrow(missing);
    } finally {
      fx.cleanup();
    }
  });
});
