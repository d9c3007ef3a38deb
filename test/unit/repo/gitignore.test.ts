import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

/** Repo hygiene: what `npm run local:aws` writes is ignored, and .gitignore hides no tracked file. */
const root = resolve(__dirname, '..', '..', '..');
const git = (...args: string[]) => spawnSync('git', args, { cwd: root, encoding: 'utf8' });
const inGit = git('rev-parse', '--is-inside-work-tree').stdout?.trim() === 'true';

(inGit ? describe : describe.skip)('.gitignore', () => {
  it('ignores the emulator environment file the README writes', () => {
    expect(git('check-ignore', '-q', '--no-index', '.adf-aws.env').status).toBe(0);
  });

  it('lists no tracked file', () => {
    expect(git('ls-files', '--cached', '--ignored', '--exclude-standard').stdout.trim()).toBe('');
  });
});
