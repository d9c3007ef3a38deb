import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as adf from '../../../lib';
import { ConfigError } from '../../../lib/errors';
import { loadFlow } from '../../../lib/flow';
import { s3JsonlSink } from '../../../lib/sinks/s3';
import { PACKAGE_ENTRIES, PACKAGE_NAME } from '../../../lib/flow/packageEntries';
import pkg from '../../../package.json';
import { tempDir } from '../../helpers/tmp';

describe('flow files compiled by esbuild (loadFlow)', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());

  const write = (name: string, text: string) => {
    const path = join(tmp.dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('gives a flow outside the repo the running copy of activedataflow, bundles its relative imports, and names its own file', async () => {
    // Arrange: no node_modules beside the flow
    mkdirSync(join(tmp.dir, 'lib'));
    write('lib/name.ts', "export const name: string = 'anywhere';\n");
    const path = write(
      'x.flow.ts',
      `import { defineFlow, fileSource, nullSink, ConfigError } from 'activedataflow';
import { name } from './lib/name';
const where = { dirname: __dirname, url: import.meta.url, ConfigError };
export default defineFlow({ name, source: fileSource({ path: __dirname }), transform: () => where, sink: nullSink() });
`,
    );

    // Act
    const flow = await loadFlow({ kind: 'module', path });

    // Assert
    expect(flow.name).toBe('anywhere');
    expect((flow.transform as () => unknown)()).toEqual({ dirname: tmp.dir, url: pathToFileURL(path).href, ConfigError: adf.ConfigError }); // one ConfigError class: the runtime's
    expect(await loadFlow({ kind: 'module', path })).toBe(flow); // evaluated once per process, like require
  });

  it('loads an ESM .mjs flow importing a subpath entry', async () => {
    const path = write('y.flow.mjs', "import { defineFlow, fileSource, nullSink } from 'activedataflow';\nimport { s3JsonlSink } from 'activedataflow/s3';\nexport const flow = defineFlow({ name: 'y', source: fileSource({ path: '.' }), transform: () => s3JsonlSink, sink: nullSink() });\n");
    const flow = await loadFlow({ kind: 'module', path });
    expect((flow.transform as () => unknown)()).toBe(s3JsonlSink);
  });

  it('names file:line:col of a syntax error, as a ConfigError', async () => {
    const path = write('bad.flow.ts', "import { defineFlow } from 'activedataflow';\n\nconst x: number = ;\n");
    const error = await loadFlow({ kind: 'module', path }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(`${path}:3:19: Unexpected ";"`);
  });

  it('refuses an import of an entry point the package does not have, naming the ones it has', async () => {
    const path = write('nope.flow.ts', "import { x } from 'activedataflow/nope';\nconsole.log(x);\n");
    await expect(loadFlow({ kind: 'module', path })).rejects.toThrow(`${path}:1:19: "activedataflow/nope" is not an entry point of activedataflow; use one of: activedataflow, activedataflow/rafka`);
  });
});

describe('the package entry points', () => {
  it('are the ones package.json exports, file for file', () => {
    const fromPackage = Object.entries(pkg.exports as Record<string, unknown>)
      .filter(([key]) => key !== './package.json')
      .map(([key, target]) => [key === '.' ? PACKAGE_NAME : `${PACKAGE_NAME}/${key.slice(2)}`, (target as { default: string }).default]);
    const fromLoader = Object.entries(PACKAGE_ENTRIES).map(([sub, file]) => [sub ? `${PACKAGE_NAME}/${sub}` : PACKAGE_NAME, `./dist/${file}.js`]);
    expect(fromLoader).toEqual(fromPackage);
    expect(pkg.name).toBe(PACKAGE_NAME);
  });
});
