import { finishedTtlDaysFor } from '../../../lib/runtime/serverless/ServerlessConfig';
import { fileSource } from '../../../lib/sources/file';
import { tempDir } from '../../helpers/tmp';

describe('TTL of finished split rows', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('never expires the row of a file left in place: it would be discovered and ingested again', () => {
    expect(finishedTtlDaysFor(fileSource({ path: tmp.dir }), 30)).toBe(0);
  });

  it('expires rows as configured once ingested files are deleted or moved away', () => {
    expect(finishedTtlDaysFor(fileSource({ path: tmp.dir, afterFinish: 'delete' }), 30)).toBe(30);
    expect(finishedTtlDaysFor(fileSource({ path: `${tmp.dir}/in`, afterFinish: { moveTo: `${tmp.dir}/archive` } }), 7)).toBe(7);
  });

  it('keeps rows of sources that say nothing (a replayed partition would start over)', () => {
    expect(finishedTtlDaysFor({}, 30)).toBe(0);
  });
});
