import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../testing/index.js';
import { lang, publicStrings, strings } from './index.js';

/**
 * Every word of a catalog with its path, functions called with stand-in arguments. Anything
 * that is neither a word, a function giving one, nor a group of them is listed as a problem,
 * so a translation cannot slip a number or a missing value in.
 */
function allWords(value: unknown, path: string): [string, string][] {
  if (typeof value === 'string') return [[path, value]];
  if (typeof value === 'function') {
    const args = Array.from({ length: value.length }, () => 'x');
    const word: unknown = (value as (...a: string[]) => unknown)(...args);
    return typeof word === 'string' ? [[path, word]] : [[path, `not a word: ${String(word)}`]];
  }
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, inner]) => allWords(inner, `${path}.${key}`));
  }
  return [[path, `not a word: ${String(value)}`]];
}

test('every entry of the catalog is a word or a function giving one', () => {
  const words = [...allWords(strings, 'strings'), ...allWords(publicStrings, 'publicStrings')];
  assert.deepEqual(
    words.filter(([, text]) => text.startsWith('not a word: ')),
    [],
  );
});

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

test("the built app's page is in the catalog's language (web/vite.config.ts sets it)", () => {
  const page = readFileSync(join(REPO_ROOT, 'dist', 'app', 'index.html'), 'utf8');
  assert.match(page, new RegExp(`<html lang="${lang}">`));
});
