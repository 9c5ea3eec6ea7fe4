import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const BENCH = fileURLToPath(new URL('./index.js', import.meta.url));

function bench(...args: string[]) {
  return spawnSync(process.execPath, [BENCH, ...args], { encoding: 'utf8', timeout: 30_000 });
}

void describe('npm run bench, its command line', () => {
  void it('--help prints the flags and runs nothing', () => {
    const { status, stdout } = bench('--help');
    assert.equal(status, 0);
    assert.match(stdout, /--only <scenario>/);
    assert.match(stdout, /capacity/);
    assert.doesNotMatch(stdout, /Tireless bench:/);
  });

  for (const [args, names] of [
    [['--bogus'], /Unknown option '--bogus'/],
    [['--only', 'nope'], /unknown scenario nope/],
    [['--targets', '0'], /--targets must be a whole number from 1 to 8, not 0/],
    [['--monitors', 'ftp:10'], /--monitors takes .* not ftp:10/],
  ] as const) {
    void it(`refuses ${args.join(' ')} with a sentence and the usage, exit 2`, () => {
      const { status, stderr, stdout } = bench(...args);
      assert.equal(status, 2);
      assert.match(stderr, names);
      assert.match(stderr, /Usage: npm run bench/);
      assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
      assert.doesNotMatch(stdout, /Tireless bench:/);
    });
  }
});
