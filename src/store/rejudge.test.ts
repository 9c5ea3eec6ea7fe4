import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createJudge } from '../alerts/index.js';
import type { Monitor } from '../model/index.js';
import { httpMonitorDoc } from '../testing/index.js';
import { rejudge } from './rejudge.js';
import type { CheckedResult, Store } from './index.js';
import { applyMonitor, tempStore } from './test-fixtures.js';

/** The node's own judge (no maintenance; a monitor with locations is checked from two). */
const judge = createJudge({ maintenanceOf: () => [], checkingLocations: () => 2 });

const SLOT = 10_000;

/**
 * One node's results from a timeline, a character per slot from slot 0: `u` up, `d` down,
 * `.` none (another node checked it, or nobody).
 */
function timeline(
  node: string,
  slots: string,
  options: { region?: string; monitorId?: string; checking?: number } = {},
): CheckedResult[] {
  const { region = 'local', monitorId = 'mon_a', checking } = options;
  return [...slots].flatMap((c, i): CheckedResult[] =>
    c === '.'
      ? []
      : [
          {
            monitorId,
            slot: i * SLOT,
            checkedAt: i * SLOT + 30,
            status: c === 'u' ? 'up' : 'down',
            latencyMs: 5,
            ...(c === 'd' ? { error: 'connection refused' } : {}),
            node,
            region,
            ...(checking === undefined ? {} : { locationsChecking: checking }),
          },
        ],
  );
}

/** The monitor's incidents as [id, startedAt, endedAt], newest first. */
function incidentsOf(store: Store, monitorId = 'mon_a'): [string, number, number | null][] {
  return store
    .listIncidents('acc_1', { monitorId, limit: 100 })
    .map((incident) => [incident.id, incident.startedAt, incident.endedAt]);
}

/** What of the state decides the next verdict. */
function stateOf(store: Store, monitorId = 'mon_a'): Record<string, unknown> {
  const state = store.getMonitorState(monitorId) as Record<string, unknown> | undefined;
  if (!state) return {};
  const { status, lastSlot, failures, incidentId } = state;
  return { status, lastSlot, failures, incidentId };
}

function storeWithMonitor(fields: Record<string, unknown> = {}): Store {
  const store = tempStore();
  applyMonitor(store);
  if (Object.keys(fields).length > 0) {
    const doc = { ...httpMonitorDoc({ id: 'mon_a', accountId: 'acc_1', revision: 2 }), ...fields };
    store.applyConfig({ kind: 'monitor', id: 'mon_a', accountId: 'acc_1', revision: 2, doc });
  }
  return store;
}

test('rejudge folds the judge over results in the order given, from no state', () => {
  const monitor = {
    ...httpMonitorDoc({ id: 'mon_a', accountId: 'acc_1', revision: 1 }),
    retries: 1,
  } as unknown as Monitor;
  const cases: [string, string, [string, number, number | null][], string][] = [
    ['all up', 'uuuu', [], 'up'],
    ['one failure is within retries', 'uudu', [], 'up'],
    [
      'an outage from its first failure to the first success',
      'udddu',
      [['mon_a:10000', 10_000, 40_000]],
      'up',
    ],
    ['still open', 'uudd', [['mon_a:20000', 20_000, null]], 'down'],
    [
      'two outages',
      'uddudduu',
      [
        ['mon_a:10000', 10_000, 30_000],
        ['mon_a:40000', 40_000, 60_000],
      ],
      'up',
    ],
  ];
  for (const [name, slots, incidents, status] of cases) {
    const replayed = rejudge(judge, monitor, timeline('n1', slots));
    assert.deepEqual(
      replayed.incidents.map((i) => [i.id, i.startedAt, i.endedAt]),
      incidents,
      name,
    );
    assert.equal((replayed.state as { status: string }).status, status, name);
  }
  // A result the judge leaves (a second one of a judged slot) changes nothing.
  const twice = [...timeline('n1', 'ud'), ...timeline('n2', '.u')];
  assert.deepEqual(
    rejudge(judge, { ...monitor, retries: 0 }, twice).incidents.map((i) => i.endedAt),
    [null],
  );
  assert.deepEqual(rejudge(judge, monitor, []), { state: undefined, incidents: [] });
});

// Two islands checked one monitor: n1 slots 0–7, n2 slots 4–11 (both 4–7). In (slot, node)
// order n1's result of a slot is the one judged: down 4–5, then n2's down at 8.
const N1 = timeline('n1', 'uuuudduu');
const N2 = timeline('n2', '....uuddduuu');
const EXPECTED: [string, number, number | null][] = [
  ['mon_a:80000', 80_000, 90_000],
  ['mon_a:40000', 40_000, 60_000],
];

test('two islands merged in any arrival order hold the same incidents and state', () => {
  const bySlot = (a: CheckedResult, b: CheckedResult) => a.slot - b.slot;
  const orders: [string, CheckedResult[][]][] = [
    ['n1 then n2', [N1, N2]],
    ['n2 then n1', [N2, N1]],
    ['one batch, n2 first', [[...N2, ...N1]]],
    [
      'one result at a time, newest first',
      [...N1, ...N2]
        .sort(bySlot)
        .reverse()
        .map((r) => [r]),
    ],
    ['one result at a time by slot, n2 before n1', [...N2, ...N1].sort(bySlot).map((r) => [r])],
  ];
  for (const [name, batches] of orders) {
    const store = storeWithMonitor();
    for (const batch of batches) store.ingest(batch, judge);
    assert.deepEqual(incidentsOf(store), EXPECTED, name);
    assert.deepEqual(
      stateOf(store),
      { status: 'up', lastSlot: 110_000, failures: 0, incidentId: null },
      name,
    );
  }
  // Each island alone judged its own timeline: different incidents.
  const alone = storeWithMonitor();
  alone.ingest(N2, judge);
  assert.deepEqual(incidentsOf(alone), [['mon_a:60000', 60_000, 90_000]]);
});

test('a late down result inside an up stretch opens and closes its incident, and queues no alert', () => {
  const store = storeWithMonitor();
  // Slot 4 was checked by n2, whose result arrives after n1's later ones.
  store.ingest(timeline('n1', 'uuuu.uuuuu'), judge);
  assert.equal(store.countPendingDeliveries(), 0);
  store.ingest(timeline('n2', '....d'), judge);
  assert.deepEqual(incidentsOf(store), [['mon_a:40000', 40_000, 50_000]]);
  assert.deepEqual(stateOf(store), {
    status: 'up',
    lastSlot: 90_000,
    failures: 0,
    incidentId: null,
  });
  assert.equal(store.countPendingDeliveries(), 0, 'the replay queued no alert');

  // A late down result of a slot whose first result (by node) is up is not the one judged.
  store.ingest(timeline('n9', '..d'), judge);
  assert.deepEqual(incidentsOf(store), [['mon_a:40000', 40_000, 50_000]]);
  // One of a slot with none, while down: the outage it belongs to starts there.
  store.ingest(timeline('n1', '..........dd.d'), judge);
  assert.deepEqual(incidentsOf(store)[0], ['mon_a:100000', 100_000, null]);
  store.ingest(timeline('n2', '............d'), judge);
  assert.deepEqual(incidentsOf(store)[0], ['mon_a:100000', 100_000, null]);
  assert.deepEqual(stateOf(store), {
    status: 'down',
    lastSlot: 130_000,
    failures: 4,
    incidentId: 'mon_a:100000',
  });
  // An up result judged first in its slot (n0 before n1) splits the outage in two: the
  // replay starts before the open incident.
  store.ingest(timeline('n0', '...........u'), judge);
  assert.deepEqual(incidentsOf(store).slice(0, 2), [
    ['mon_a:120000', 120_000, null],
    ['mon_a:100000', 100_000, 110_000],
  ]);
});

test('a duplicate changes nothing: not even what a replay cannot rebuild', () => {
  const store = storeWithMonitor();
  const [first, ...rest] = timeline('n1', 'uddu');
  const withCertificate = {
    ...(first as CheckedResult),
    details: { certDaysLeft: 90, certExpiresAt: 7_776_000_000 },
  };
  store.ingest([withCertificate, ...rest], judge);
  const before = { incidents: incidentsOf(store), state: store.getMonitorState('mon_a') };
  assert.equal((before.state as { certExpiresAt: number }).certExpiresAt, 7_776_000_000);
  const report = store.ingest(timeline('n1', '.d'), judge);
  assert.equal(report.duplicates, 1);
  assert.deepEqual(
    { incidents: incidentsOf(store), state: store.getMonitorState('mon_a') },
    before,
  );
});

test('results that waited for their config are judged, from the first, with the next result', () => {
  const store = tempStore();
  const early = timeline('n2', 'uddu', { monitorId: 'mon_later' });
  assert.equal(store.ingest(early, judge, { keepUnknown: true }).waiting, 4);
  applyMonitor(store, { id: 'mon_later' });
  assert.equal(store.countResults(), 4);
  store.ingest(timeline('n1', '....u', { monitorId: 'mon_later' }), judge);
  assert.deepEqual(incidentsOf(store, 'mon_later'), [['mon_later:10000', 10_000, 30_000]]);
  assert.deepEqual(stateOf(store, 'mon_later'), {
    status: 'up',
    lastSlot: 40_000,
    failures: 0,
    incidentId: null,
  });
});

test('several locations: a region result late for its own region is judged again in order', () => {
  const east = timeline('n1', 'uuudduuu', { region: 'east' });
  const west = timeline('n3', 'uuudduuu', { region: 'west' });
  const inOrder = storeWithMonitor({ locations: 2 });
  for (const [i, result] of east.entries())
    inOrder.ingest([result, west[i] as CheckedResult], judge);
  // Both regions fail at 30 000 (one alone does not make it down).
  assert.deepEqual(incidentsOf(inOrder), [['mon_a:30000', 30_000, 50_000]]);

  // West's result of slot 30 000 arrives after its later ones.
  const late = storeWithMonitor({ locations: 2 });
  const west3 = west[3] as CheckedResult;
  for (const [i, result] of east.entries()) {
    late.ingest(i === 3 ? [result] : [result, west[i] as CheckedResult], judge);
  }
  assert.deepEqual(incidentsOf(late), [['mon_a:40000', 40_000, 50_000]], 'judged without it');
  late.ingest([west3], judge);
  assert.deepEqual(incidentsOf(late), incidentsOf(inOrder));
  assert.deepEqual(stateOf(late), stateOf(inOrder));
});

test('an announced incident a replay closes gets its "up"; one it replaces while down gets it when the outage ends', () => {
  const deliveries = (store: Store) =>
    store
      .listDeliveries('acc_1', 10)
      .map((d) => d.id)
      .sort();
  // n1, alone, saw slots 2–3 fail and announced the incident.
  const closed = storeWithMonitor();
  closed.ingest(timeline('n1', 'uudd'), judge);
  assert.deepEqual(deliveries(closed), ['mon_a:20000:down:ch_1']);
  // n0 saw those slots up; in (slot, node) order its results are the ones judged.
  closed.ingest(timeline('n0', '..uu'), judge);
  assert.deepEqual(incidentsOf(closed), []);
  assert.deepEqual(deliveries(closed), ['mon_a:20000:down:ch_1', 'mon_a:20000:up:ch_1']);

  // n0 saw the outage start a slot earlier: the same outage, another incident, still down.
  // Nothing is sent then; the announced incident is folded into the open one.
  const replaced = storeWithMonitor();
  replaced.ingest(timeline('n1', 'uudd'), judge);
  replaced.ingest(timeline('n0', '.d'), judge);
  assert.deepEqual(incidentsOf(replaced), [['mon_a:10000', 10_000, null]]);
  assert.deepEqual(deliveries(replaced), ['mon_a:20000:down:ch_1']);
  // Another late result replays it again: still folded.
  replaced.ingest(timeline('n2', '...d'), judge);
  assert.deepEqual(deliveries(replaced), ['mon_a:20000:down:ch_1']);
  // The outage ends: the announced incident gets its "up"; the open one, never announced
  // here, none (its receivers know the outage by the folded id).
  replaced.ingest(timeline('n1', '....du'), judge);
  assert.deepEqual(incidentsOf(replaced), [['mon_a:10000', 10_000, 50_000]]);
  assert.deepEqual(deliveries(replaced), ['mon_a:20000:down:ch_1', 'mon_a:20000:up:ch_1']);
  assert.equal((replaced.getMonitorState('mon_a') as { folded?: unknown }).folded, undefined);
});

test("several locations: any order and batching of two regions' results gives the same incidents and state", () => {
  const east = timeline('n1', 'uudddduuddu', { region: 'east' });
  const west = timeline('n3', 'uuuddduudd', { region: 'west' });
  const all = [...east, ...west];
  const bySlot = (a: CheckedResult, b: CheckedResult) => a.slot - b.slot;
  const orders: [string, CheckedResult[][]][] = [
    ['one batch in slot order', [[...all].sort(bySlot)]],
    ['east, then west', [east, west]],
    ['west, then east', [west, east]],
    [
      'one at a time, newest first',
      [...all]
        .sort(bySlot)
        .reverse()
        .map((r) => [r]),
    ],
    [
      'one at a time, east ahead by three slots',
      [...east.slice(0, 3), ...all.slice(3)].map((r) => [r]),
    ],
    [
      'one at a time, west ahead by two slots',
      [
        ...west.slice(0, 2),
        ...east.flatMap((r, i) => [r, ...(west[i + 2] ? [west[i + 2] as CheckedResult] : [])]),
      ].map((r) => [r]),
    ],
  ];
  let first: unknown;
  for (const [name, batches] of orders) {
    const store = storeWithMonitor({ locations: 2 });
    for (const batch of batches) store.ingest(batch, judge);
    assert.equal(store.countResults(), all.length, name);
    const outcome = { incidents: incidentsOf(store), state: stateOf(store) };
    first ??= outcome;
    assert.deepEqual(outcome, first, name);
  }
  // East's last slot waits for west's result (or a newer one): still down.
  assert.deepEqual((first as { incidents: unknown[] }).incidents, [
    ['mon_a:80000', 80_000, null],
    ['mon_a:30000', 30_000, 60_000],
  ]);
});

test('several locations: a replay under another view of the live locations decides as live judging did', () => {
  // Two locations, two confirmations. West is lost for slots 1–6: east checks alone and
  // records it (one location checking); this node, seeing one, judged east's failures down.
  const seeing = (checking: number) =>
    createJudge({ maintenanceOf: () => [], checkingLocations: () => checking });
  const eastAlone = timeline('n1', '.uddduu', { region: 'east', checking: 1 });
  const both = [
    ...timeline('n1', '.......uu', { region: 'east', checking: 2 }),
    ...timeline('n3', '.......uu', { region: 'west', checking: 2 }),
  ];
  const live = storeWithMonitor({ locations: 2, confirmations: 2 });
  live.ingest(eastAlone, seeing(1));
  live.ingest(both, seeing(2));
  const outage: [string, number, number | null][] = [['mon_a:20000', 20_000, 50_000]];
  assert.deepEqual(incidentsOf(live), outage);
  const decided = stateOf(live);
  // West's result of slot 0 comes late, judged under today's view (two live): the replay
  // from slot 0 judges the old slots again and keeps the outage.
  live.ingest(timeline('n3', 'u', { region: 'west', checking: 2 }), seeing(2));
  assert.deepEqual(incidentsOf(live), outage);
  assert.deepEqual(stateOf(live), decided);
  // A replica that saw two live all along, receiving everything at once, agrees.
  const other = storeWithMonitor({ locations: 2, confirmations: 2 });
  other.ingest([...timeline('n3', 'u', { region: 'west', checking: 2 }), ...eastAlone], seeing(2));
  other.ingest(both, seeing(2));
  assert.deepEqual(incidentsOf(other), outage);
  assert.deepEqual(stateOf(other), decided);
});
