import fc from 'fast-check';
import { parseCommandArgs, suggestFlag } from '../../../lib/cli/parseCommandArgs';
import { ConfigError } from '../../../lib/errors';

describe('parseCommandArgs', () => {
  const options = { path: { type: 'string' }, parallelism: { type: 'string' }, json: { type: 'boolean' } } as const;

  it('names an unknown flag in one line, with the nearest known one', () => {
    const run = () => parseCommandArgs('run', { args: ['--parallelsm', '2'], options });
    expect(run).toThrow(ConfigError);
    expect(run).toThrow('unknown flag --parallelsm (did you mean --parallelism?) (see adf run --help)');
  });

  it('suggests nothing for a flag that resembles none', () => {
    expect(() => parseCommandArgs('run', { args: ['--zzzzzz'], options })).toThrow(/^unknown flag --zzzzzz \(see adf run --help\)$/);
  });

  it('says which flag lacks its value', () => {
    expect(() => parseCommandArgs('run', { args: ['--path'], options })).toThrow(/^--path needs a value \(see adf run --help\)$/);
  });

  it('suggests the flag itself back after any one-letter typo of a flag of 4+ letters', () => {
    const known = ['path', 'parallelism', 'source', 'sink', 'format', 'include', 'exclude', 'state-dir'];
    fc.assert(
      fc.property(fc.constantFrom(...known.filter((k) => k.length >= 4)), fc.nat(), fc.constantFrom(...'qxz'), (flag, at, letter) => {
        const i = at % flag.length;
        const typo = flag.slice(0, i) + letter + flag.slice(i + 1);
        if (known.includes(typo)) return;
        const hint = suggestFlag(`--${typo}`, known);
        // a typo one edit away from two flags may name either, never a far one
        expect(hint).toBeDefined();
        expect(known.map((k) => `--${k}`)).toContain(hint);
      }),
    );
  });
});
