import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isJsonPath, parseJsonPath, readJsonPath } from './json-path.js';

describe('json paths', () => {
  it('accepts dotted keys with [n] indexes', () => {
    for (const path of ['status', 'data.items[0].status', '[2].id', 'a[0][1]', 'x-y.z_1', '0.a']) {
      assert.ok(isJsonPath(path), path);
    }
    for (const path of ['', '.a', 'a.', 'a..b', 'a[x]', 'a[-1]', 'a[0', 'a]', 'a.[0]']) {
      assert.ok(!isJsonPath(path), path);
    }
  });

  it('splits a path into keys and indexes', () => {
    assert.deepEqual(parseJsonPath('data.items[0].status'), ['data', 'items', 0, 'status']);
    assert.deepEqual(parseJsonPath('[2].id'), [2, 'id']);
    assert.deepEqual(parseJsonPath('a[0][1]'), ['a', 0, 1]);
    assert.deepEqual(parseJsonPath('0.a'), ['0', 'a']);
  });

  it('reads the value at a path, or undefined', () => {
    const document = { data: { items: [{ status: 'up', none: null }] }, list: [[1, 2]] };
    assert.equal(readJsonPath(document, ['data', 'items', 0, 'status']), 'up');
    assert.equal(readJsonPath(document, ['data', 'items', 0, 'none']), null);
    assert.equal(readJsonPath(document, ['list', 0, 1]), 2);
    assert.equal(readJsonPath(document, ['data', 'items', 1]), undefined);
    assert.equal(readJsonPath(document, ['data', 0]), undefined, 'an index into an object');
    assert.equal(readJsonPath(document, ['list', 'length']), undefined, 'a key into an array');
    assert.equal(readJsonPath(document, ['data', 'toString']), undefined, 'inherited keys');
    assert.equal(readJsonPath('text', ['length']), undefined);
  });
});
