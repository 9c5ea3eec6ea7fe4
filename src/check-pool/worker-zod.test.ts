import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import type { WorkerSettings } from './protocol.js';

// zod marks the realm it loads into with this global (zod/v4/core/core.js).
const ZOD_MARK = '__zod_globalConfig';

const settings: WorkerSettings = { blockPrivateTargets: false, userAgent: 'test' };

/** Imports `module` in a fresh worker thread, as the pool starts one; true when zod loaded. */
async function loadsZod(module: URL): Promise<boolean> {
  const code = `
    const { parentPort } = require('node:worker_threads');
    import(${JSON.stringify(module.href)}).then(
      () => parentPort.postMessage(${JSON.stringify(ZOD_MARK)} in globalThis),
      (error) => parentPort.postMessage(String(error)),
    );`;
  const worker = new Worker(code, { eval: true, workerData: settings });
  try {
    const answer = await new Promise<unknown>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    assert.equal(typeof answer, 'boolean', String(answer));
    return answer as boolean;
  } finally {
    await worker.terminate();
  }
}

void describe('check thread module graph', () => {
  void it('loads no zod: the options were validated on the main thread', async () => {
    assert.equal(await loadsZod(new URL('./worker.js', import.meta.url)), false);
  });

  void it('would see zod were it loaded (the checkers with their schemas)', async () => {
    assert.equal(await loadsZod(new URL('../checks/index.js', import.meta.url)), true);
  });
});
