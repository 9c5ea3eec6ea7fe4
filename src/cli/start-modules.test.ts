/**
 * What `tireless start` keeps in memory: the modules the CLI loads before any command runs.
 * The NATS client (cluster mode), the mailer (email channels) and the YAML library (apply,
 * export) load when first used, so a solo node that uses none of them does not hold them
 * (about 6 MB of heap at start, before any monitor).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { TIRELESS_BIN, tempDir } from '../testing/index.js';

const run = promisify(execFile);

/** The packages whose modules `tireless <args>` loads through the module loader. */
async function packagesLoaded(args: string[]): Promise<Set<string>> {
  const dir = tempDir('start-modules-');
  const loaded = join(dir, 'loaded.txt');
  const hooks = join(dir, 'hooks.mjs');
  writeFileSync(loaded, '');
  // Module loader hooks (node:module register) see every module an import loads.
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';
     export async function load(url, context, next) {
       appendFileSync(${JSON.stringify(loaded)}, url + '\\n');
       return next(url, context);
     }`,
  );
  const register = join(dir, 'register.mjs');
  writeFileSync(
    register,
    `import { register } from 'node:module';
     register(${JSON.stringify(pathToFileURL(hooks).href)});`,
  );
  await run(process.execPath, ['--import', pathToFileURL(register).href, TIRELESS_BIN, ...args]);
  const packages = new Set<string>();
  for (const url of readFileSync(loaded, 'utf8').split('\n')) {
    const inside = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (inside?.[1]) packages.add(inside[1]);
  }
  return packages;
}

void test('the CLI loads no NATS client, mailer or YAML library before a command needs them', async () => {
  const packages = await packagesLoaded(['--version']);
  // The probe sees packages of both kinds the CLI does load (ESM zod, CommonJS fastify).
  assert.ok(packages.has('zod') && packages.has('fastify'), [...packages].join(' '));
  const unwanted = [...packages].filter(
    (name) => name.startsWith('@nats-io/') || name === 'nodemailer' || name === 'yaml',
  );
  assert.deepEqual(unwanted, []);
});
