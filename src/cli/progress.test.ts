import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProgress, formatBytes, formatDuration } from './progress.js';

test('progress prints nothing for quick work and a line per interval for long work', () => {
  let now = 0;
  const lines: string[] = [];
  const report = createProgress((line) => lines.push(line), 'copy', { now: () => now });
  report(10, 100);
  now = 999;
  report(50, 100);
  assert.deepEqual(lines, [], 'under a second: silent');
  now = 1000;
  report(50, 100);
  now = 1500;
  report(60, 100);
  now = 2100;
  report(99, 100);
  assert.deepEqual(lines, ['copy: 50%', 'copy: 99%']);
});

test('sizes and durations read as people write them', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(12_345_678), '12.3 MB');
  assert.equal(formatDuration(850.4), '850 ms');
  assert.equal(formatDuration(12_400), '12.4 s');
});
