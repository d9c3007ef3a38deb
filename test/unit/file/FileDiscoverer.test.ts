import { LocalFileStore } from '../../../lib/sources/file/store/LocalFileStore';
import { ConfigError } from '../../../lib/errors/AdfError';
import { FileDiscoverer, TO_END_OF_FILE, type FileDiscovererOptions, type FileDiscoveryPage } from '../../../lib/sources/file';
import { makeFixtureDir, type FixtureDir } from '../../helpers/files';

async function discoverAll(options: Partial<FileDiscovererOptions> & { path: string }, cursor?: string): Promise<FileDiscoveryPage[]> {
  const discoverer = new FileDiscoverer({ recursive: true, pageSize: 1000, ...options });
  const pages: FileDiscoveryPage[] = [];
  for await (const page of discoverer.discover(cursor)) pages.push(page);
  return pages;
}

const ids = (pages: FileDiscoveryPage[]) => pages.flatMap((p) => p.splits.map((s) => s.splitId));

describe('FileDiscoverer', () => {
  let fx: FixtureDir;
  beforeEach(() => {
    fx = makeFixtureDir({
      'b.csv': 'x\n',
      'a.jsonl': '{}\n',
      'a-b.csv': 'x\n',
      'a/z.csv': 'x\n',
      'a/b/c.ndjson.gz': 'x',
      'B.tsv': 'x\n',
      'notes.txt': 'hello',
      '.hidden.csv': 'x\n',
      '.git/config.csv': 'x\n',
      'sub/.env/x.csv': 'x\n',
      'sub/d.json-lines': '{}\n',
    });
  });
  afterEach(() => fx.cleanup());

  it('lists files depth-first in path-segment order, skipping hidden files and directories', async () => {
    const pages = await discoverAll({ path: fx.root });

    expect(ids(pages)).toEqual(['B.tsv', 'a/b/c.ndjson.gz', 'a/z.csv', 'a-b.csv', 'a.jsonl', 'b.csv', 'sub/d.json-lines']);
  });

  it('infers format and compression from the extension', async () => {
    const splits = (await discoverAll({ path: fx.root })).flatMap((p) => p.splits);
    const byId = Object.fromEntries(splits.map((s) => [s.splitId, s]));

    expect(byId['a/b/c.ndjson.gz']).toMatchObject({ format: 'jsonl', compression: 'gzip', fileId: 'a/b/c.ndjson.gz', path: fx.path('a/b/c.ndjson.gz') });
    expect(byId['B.tsv']).toMatchObject({ format: 'csv', compression: 'none', start: 0, end: TO_END_OF_FILE });
    expect(byId['b.csv'].position).toEqual({ offset: 0, line: 1, records: 0 });
  });

  it('reports files with unknown extensions as skipped, with a reason', async () => {
    const onSkip = jest.fn();

    const pages = await discoverAll({ path: fx.root, onSkip });

    const skipped = pages.flatMap((p) => p.skipped);
    expect(skipped).toEqual([expect.objectContaining({ fileId: 'notes.txt', path: fx.path('notes.txt') })]);
    expect(skipped[0].reason).toMatch(/unknown file extension/);
    expect(onSkip).toHaveBeenCalledWith(skipped[0]);
  });

  it('reads every file in a forced format', async () => {
    const splits = (await discoverAll({ path: fx.root, format: 'csv', include: ['*.txt', '*.gz'] })).flatMap((p) => p.splits);

    expect(splits.map((s) => [s.splitId, s.format, s.compression])).toEqual([
      ['a/b/c.ndjson.gz', 'csv', 'gzip'],
      ['notes.txt', 'csv', 'none'],
    ]);
  });

  it('filters with include and exclude globs: by name without a slash, by relative path with one', async () => {
    const byName = await discoverAll({ path: fx.root, include: ['*.csv'] });
    const byPath = await discoverAll({ path: fx.root, include: ['a/**'], exclude: ['**/*.gz'] });

    expect(ids(byName)).toEqual(['a/z.csv', 'a-b.csv', 'b.csv']);
    expect(ids(byPath)).toEqual(['a/z.csv']);
  });

  it('stays in the top directory when not recursive', async () => {
    expect(ids(await discoverAll({ path: fx.root, recursive: false }))).toEqual(['B.tsv', 'a-b.csv', 'a.jsonl', 'b.csv']);
  });

  it('pages by pageSize with the last relative path as cursor, and resumes after a cursor', async () => {
    const all = ids(await discoverAll({ path: fx.root }));

    const pages = await discoverAll({ path: fx.root, pageSize: 3, include: ['*.csv', '*.tsv', '*.jsonl', '*.gz', '*.json-lines'] });

    expect(pages.map((p) => p.cursor)).toEqual(['a/z.csv', 'b.csv', 'sub/d.json-lines']);
    expect(ids(pages)).toEqual(all);
    for (const [i, page] of pages.entries()) {
      const resumed = ids(await discoverAll({ path: fx.root }, page.cursor));
      expect(resumed).toEqual(all.slice(ids(pages.slice(0, i + 1)).length));
    }
  });

  it('resumes after a cursor that names a file deleted since', async () => {
    expect(ids(await discoverAll({ path: fx.root }, 'a/y.csv'))).toEqual(['a/z.csv', 'a-b.csv', 'a.jsonl', 'b.csv', 'sub/d.json-lines']);
  });

  it('takes a single file as the path', async () => {
    const pages = await discoverAll({ path: fx.path('a/z.csv') });

    expect(pages).toEqual([{ splits: [expect.objectContaining({ splitId: 'z.csv', fileId: 'z.csv', path: fx.path('a/z.csv') })], skipped: [], cursor: 'z.csv' }]);
    expect(await discoverAll({ path: fx.path('a/z.csv') }, 'z.csv')).toEqual([]);
  });

  it('follows links to files but not to directories', async () => {
    fx.link('links/file.csv', fx.path('b.csv'));
    fx.link('links/dir', fx.path('a'));
    // Links out of the root are read only with followSymlinks: 'any' (the default, 'within-root', is tested in test/unit/security).
    const store = new LocalFileStore({ root: fx.path('links'), recursive: true, pageSize: 1000, followSymlinks: 'any' });

    const pages = await discoverAll({ path: fx.path('links'), store });

    expect(ids(pages)).toEqual(['file.csv']);
    expect(pages[0].skipped).toEqual([expect.objectContaining({ fileId: 'dir', reason: 'symbolic link to a directory (not followed)' })]);
  });

  it('throws ConfigError naming a missing path', async () => {
    const missing = fx.path('nope');

    const error = await discoverAll({ path: missing }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(missing);
    expect((error as ConfigError).context.field).toBe('path');
  });

  it('yields no page for an empty directory', async () => {
    fx.write('empty/.keep', '');

    expect(await discoverAll({ path: fx.path('empty') })).toEqual([]);
  });
});

describe('FileDiscoverer with an unlistable subdirectory', () => {
  let fx: FixtureDir;
  beforeEach(() => (fx = makeFixtureDir({ 'a.csv': 'x\n', 'locked/b.csv': 'x\n', 'z/c.csv': 'x\n' })));
  afterEach(() => {
    jest.restoreAllMocks();
    fx.cleanup();
  });

  it('reports that directory as skipped (whatever the globs say) and still lists every other file', async () => {
    // Running as root, chmod cannot make a directory unlistable: make opendir fail the way EACCES does.
    const fs = jest.requireActual<typeof import('node:fs/promises')>('node:fs/promises');
    const opendir = fs.opendir.bind(fs);
    jest.spyOn(fs, 'opendir').mockImplementation(async (path, options) => {
      if (String(path).endsWith('/locked')) throw Object.assign(new Error(`EACCES: permission denied, opendir '${String(path)}'`), { code: 'EACCES' });
      return opendir(path, options);
    });
    const skipped: string[] = [];
    const pages = await discoverAll({ path: fx.root, include: ['*.csv'], onSkip: (f) => skipped.push(`${f.fileId}: ${f.reason}`) });

    expect(ids(pages)).toEqual(['a.csv', 'z/c.csv']);
    expect(skipped).toEqual([expect.stringMatching(/^locked: cannot list directory .*locked: EACCES: permission denied/)]);
  });
});
