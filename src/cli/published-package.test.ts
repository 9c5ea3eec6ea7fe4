/**
 * What `npm pack` would publish, from the dist/ that npm test has just built: the CLI and
 * the node, without compiled tests, test helpers or the benchmark, and nothing missing that
 * a published module loads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { REPO_ROOT } from '../testing/index.js';

function packedFiles(): string[] {
  // --ignore-scripts: list the dist/ that is there, without building it again.
  const json = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  const [pack] = JSON.parse(json) as { files: { path: string }[] }[];
  assert.ok(pack, json);
  return pack.files.map((file) => file.path);
}

/** Relative module paths a compiled file names: imports, and worker URLs. */
function relativeModules(file: string): string[] {
  const text = readFileSync(join(REPO_ROOT, file), 'utf8');
  return [...text.matchAll(/['"](\.\.?\/[^'"]+\.js)['"]/g)].map((match) =>
    normalize(join(dirname(file), match[1] ?? '')),
  );
}

test('the published package holds no tests or benchmark, and every module it loads', () => {
  const files = packedFiles();
  for (const needed of [
    'bin/tireless.js',
    'dist/cli/main.js',
    'dist/node/index.js',
    'dist/app/index.html',
  ]) {
    assert.ok(files.includes(needed), `${needed} is published`);
  }
  const unwanted = files.filter((file) =>
    /(^dist\/(bench|e2e|testing)\/)|(\.test\.js)|(\/test-[^/]*\.js)/.test(file),
  );
  assert.deepEqual(unwanted, [], 'no compiled tests, test helpers or benchmark');
  // The dashboard: its page and the hashed assets the page names.
  const page = readFileSync(join(REPO_ROOT, 'dist/app/index.html'), 'utf8');
  const assets = [...page.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map(
    (m) => `dist/app/${m[1] ?? ''}`,
  );
  assert.ok(
    assets.some((asset) => asset.endsWith('.js')),
    page,
  );
  assert.deepEqual(
    assets.filter((asset) => !files.includes(asset)),
    [],
    'every asset of the dashboard is published',
  );

  const published = new Set(files);
  const missing = files
    .filter((file) => file.endsWith('.js'))
    .flatMap((file) => relativeModules(file).map((module) => ({ file, module })))
    .filter(({ module }) => !published.has(module));
  assert.deepEqual(missing, [], 'every module a published file loads is published');
});
