/**
 * /metrics of a node that has run checks and sent an alert, read by Prometheus's own linter
 * (`promtool check metrics`, from Debian's `prometheus` package; scripts/test.sh installs it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { pino } from 'pino';
import { loadSettings } from '../config/index.js';
import { startNode } from '../node/index.js';
import { ApiClient, startRecordingHttpServer, tempDir, waitFor } from '../testing/index.js';

/** promtool's complaints about an exposition text; fails when promtool cannot run. */
function promtoolProblems(exposition: string): string {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  if (run.error) {
    assert.fail(
      `cannot run promtool (${run.error.message}): install Debian's prometheus package, as npm test does`,
    );
  }
  const output = `${run.stdout}${run.stderr}`.trim();
  return run.status === 0 ? output : `exit ${String(run.status)}: ${output}`;
}

test('/metrics passes promtool check metrics, with Prometheus names', async (t) => {
  const dataDir = tempDir('tireless-metrics-');
  const target = await startRecordingHttpServer(() => ({ status: 503, body: 'down' }));
  const hooks = await startRecordingHttpServer();
  const node = await startNode(loadSettings({ dataDir, port: 0, checkWorkers: 0 }, {}), {
    log: pino({ level: 'silent' }),
    tuning: { flushMs: 20, deliveryPollMs: 50 },
  });
  t.after(async () => {
    await node.stop();
    await target.close();
    await hooks.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const api = new ApiClient(node.url);
  await api.setUp({ email: 'owner@example.com', password: 'correct horse battery' });
  const channel = await api.expect<{ id: string }>(201, 'POST', '/api/v1/channels', {
    type: 'webhook',
    name: 'hooks',
    config: { url: `${hooks.url}/tireless` },
  });
  await api.expect(201, 'POST', '/api/v1/monitors', {
    type: 'http',
    name: 'failing',
    url: `${target.url}/`,
    intervalSeconds: 1,
    channelIds: [channel.id],
  });

  // Every kind of metric with samples: counters and histograms by label, gauges.
  const metrics = await waitFor('a check and a sent alert in /metrics', async () => {
    const text = await fetch(`${node.url}/metrics`).then((reply) => reply.text());
    const ready =
      /^tireless_checks_total\{type="http",status="down"\} [1-9]/m.test(text) &&
      /^tireless_deliveries_total\{outcome="sent"\} [1-9]/m.test(text);
    return ready ? text : undefined;
  });

  assert.equal(promtoolProblems(metrics), '');
  assert.notEqual(
    promtoolProblems('# TYPE broken_total gauge\nbroken_total 1\n'),
    '',
    'promtool lints',
  );

  const names = new Set([...metrics.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1]));
  for (const name of [
    'process_cpu_seconds_total',
    'process_resident_memory_bytes',
    'nodejs_eventloop_lag_p99_seconds',
    'tireless_checks_total',
    'tireless_check_duration_seconds',
    'tireless_scheduler_lateness_seconds',
    'tireless_scheduler_missed_slots_total',
    'tireless_results_applied_total',
    'tireless_deliveries_total',
    'tireless_delivery_queue_depth',
    'tireless_monitors_scheduled',
  ]) {
    assert.ok(names.has(name), `${name} is exposed`);
  }
  for (const name of names) {
    assert.match(name ?? '', /^(tireless|process|nodejs)_/, `${name} has a known namespace`);
    assert.doesNotMatch(name ?? '', /^tireless_(process|nodejs)_/, `${name} is not prefixed twice`);
  }
  assert.match(metrics, /^tireless_monitors_scheduled 1$/m);
});
