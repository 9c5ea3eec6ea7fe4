import assert from 'node:assert/strict';
import { test } from 'node:test';
import { publicStrings } from './strings.js';

/** Every word of the catalog, functions called with stand-in arguments, with its path. */
function allWords(value: unknown, path: string): [string, string][] {
  if (typeof value === 'string') return [[path, value]];
  if (typeof value === 'function') {
    const args = Array.from({ length: value.length }, () => 'x');
    return allWords((value as (...a: string[]) => unknown)(...args), path);
  }
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, inner]) => allWords(inner, `${path}.${key}`));
  }
  return [];
}

test('the public catalog goes into HTML as it is: no < or & in any of its words', () => {
  const words = allWords(publicStrings, 'publicStrings');
  assert.ok(words.length > 40, 'the catalog has the words of the page, badges and feeds');
  assert.deepEqual(
    words.filter(([, text]) => /[<&]/.test(text)),
    [],
  );
  assert.equal(publicStrings.percent(0.99999), '99.99%', 'never rounded up to 100 %');
  assert.equal(publicStrings.percent(null), 'no data');
});
