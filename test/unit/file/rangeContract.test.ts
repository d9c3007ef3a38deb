import { FileSource } from '../../../lib/sources/file';
import { lines, makeFixtureDir } from '../../helpers/files';
import { describeSourceContract } from '../../helpers/sourceContract';

/** The source contract with large files cut into byte ranges: ranges checkpoint, resume and move between readers like files do. */
describeSourceContract('file source with byte-range splits', async () => {
  const fx = makeFixtureDir({
    'orders.csv': 'id,sku,note\r\n' + Array.from({ length: 12 }, (_, i) => `${i},S${i},"note ${i}\r\nsecond ""line"""`).join('\r\n') + '\r\n',
    'events.jsonl': lines(15, (i) => (i === 7 ? 'not json' : JSON.stringify({ e: i, pad: 'é'.repeat(i) }))),
    'short.csv': 'id\n1\n',
  });
  fx.writeGzip('packed.jsonl.gz', lines(6, (i) => JSON.stringify({ g: i })));
  return { source: new FileSource({ path: fx.root, splitSize: 90, discoveryPageSize: 2 }, () => undefined), cleanup: fx.cleanup };
});
