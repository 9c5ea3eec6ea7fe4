import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { agreement, confirmationOf, recentLocations, type LocationResult } from './locations.js';
import {
  INITIAL_STATE,
  judgeResult,
  type AlertPolicy,
  type MonitorState,
} from './state-machine.js';

const up = (slot: number): LocationResult => ({ slot, status: 'up' });
const down = (slot: number, error = 'refused'): LocationResult => ({ slot, status: 'down', error });

void describe('agreement of the locations', () => {
  const cases: {
    title: string;
    locations: Record<string, LocationResult>;
    needed: number;
    expected: ReturnType<typeof agreement>;
  }[] = [
    { title: 'nobody reports', locations: {}, needed: 2, expected: undefined },
    {
      title: 'one of two fails, two needed',
      locations: { eu: down(10), us: up(10) },
      needed: 2,
      expected: { status: 'up' },
    },
    {
      title: 'both of two fail',
      locations: { eu: down(10, '503'), us: down(10, 'timeout') },
      needed: 2,
      expected: { status: 'down', error: 'eu: 503; us: timeout' },
    },
    {
      title: 'one of two fails, one needed',
      locations: { eu: up(10), us: down(10) },
      needed: 1,
      expected: { status: 'down', error: 'us: refused' },
    },
    {
      title: 'a majority of three fails',
      locations: { ap: down(10), eu: up(10), us: down(10) },
      needed: 2,
      expected: { status: 'down', error: 'ap: refused; us: refused' },
    },
    {
      title: 'a minority of three fails',
      locations: { ap: down(10), eu: up(10), us: up(10) },
      needed: 2,
      expected: { status: 'up' },
    },
    {
      title: 'one location has reported, failing, and two are needed: no verdict',
      locations: { eu: down(10) },
      needed: 2,
      expected: undefined,
    },
    {
      title: 'one location has reported, up, and two are needed: no verdict',
      locations: { eu: up(10) },
      needed: 2,
      expected: undefined,
    },
    {
      title: 'a failure without an error text',
      locations: { eu: { slot: 10, status: 'down' }, us: down(10) },
      needed: 2,
      expected: { status: 'down', error: 'eu: down; us: refused' },
    },
  ];
  for (const { title, locations, needed, expected } of cases) {
    test(title, () => assert.deepEqual(agreement(locations, needed), expected));
  }

  test('only results at most staleAfterMs older than the slot count', () => {
    const locations = { eu: down(100_000), us: up(80_000), ap: up(79_999) };
    assert.deepEqual(Object.keys(recentLocations(locations, 100_000, 20_000)).sort(), ['eu', 'us']);
  });
});

const policy: AlertPolicy = {
  monitorId: 'm1',
  retries: 0,
  renotifyMinutes: null,
  certWarnDays: [],
  inMaintenance: false,
  confirmation: { needed: 2, staleAfterMs: 20_000 },
};

/**
 * Feeds results given as "region:slot:status" (slot in units of 10 s, status u or d), in
 * that order of arrival, and returns what each one did: "-" ignored, "" nothing, or its
 * actions (kind or event).
 */
function feed(steps: string[], overrides: Partial<AlertPolicy> = {}, start = INITIAL_STATE) {
  let state: MonitorState = start;
  const done: string[] = [];
  for (const step of steps) {
    const [region, slot, status] = step.split(':') as [string, string, string];
    const verdict = judgeResult(
      state,
      {
        slot: Number(slot) * 10_000,
        status: status === 'u' ? 'up' : 'down',
        region,
        ...(status === 'u' ? {} : { error: `${region} says no` }),
      },
      { ...policy, ...overrides },
    );
    if (!verdict) {
      done.push('-');
      continue;
    }
    state = verdict.state;
    done.push(verdict.actions.map((a) => (a.kind === 'notify' ? a.event : a.kind)).join(' '));
  }
  return { state, done };
}

void describe('judging a monitor checked from two locations, two confirmations', () => {
  const cases: { title: string; steps: string[]; expected: string[]; retries?: number }[] = [
    {
      title: 'one region failing keeps the monitor up',
      steps: ['eu:1:u', 'us:1:u', 'eu:2:d', 'us:2:u', 'eu:3:d', 'us:3:u', 'eu:4:d'],
      expected: ['', '', '', '', '', '', ''],
    },
    {
      title:
        'both failing take it down once, in whichever order they arrive; one recovering brings it up',
      steps: ['eu:1:u', 'us:1:u', 'eu:2:d', 'us:2:d', 'us:3:d', 'eu:3:d', 'eu:4:u', 'us:4:d'],
      expected: ['', '', '', 'open-incident monitor.down', '', '', 'close-incident monitor.up', ''],
    },
    {
      title: 'a late result of an older slot still confirms the newest one',
      steps: ['eu:1:u', 'us:1:u', 'eu:2:d', 'eu:3:d', 'us:2:d'],
      expected: ['', '', '', '', 'open-incident monitor.down'],
    },
    {
      title: 'a new monitor is not down on the first location that reports a failure',
      steps: ['eu:1:d', 'us:1:u', 'eu:2:d', 'us:2:d'],
      expected: ['', '', '', 'open-incident monitor.down'],
    },
    {
      title: 'a replayed or older result of a location is ignored',
      steps: ['eu:2:d', 'eu:2:d', 'eu:1:u', 'us:2:d', 'us:2:u', 'eu:3:u'],
      expected: ['', '-', '-', 'open-incident monitor.down', '-', 'close-incident monitor.up'],
    },
    {
      title: 'a location silent for more than two intervals confirms nothing, and ends nothing',
      steps: ['eu:1:d', 'us:1:d', 'eu:2:d', 'eu:3:d', 'eu:4:u', 'eu:5:u', 'eu:6:d', 'us:6:u'],
      expected: ['', 'open-incident monitor.down', '', '', '', '', '', 'close-incident monitor.up'],
    },
    {
      title:
        'retries count slots, not results: each slot is one failure however many locations report it',
      steps: ['eu:1:d', 'us:1:d', 'eu:2:d', 'us:2:d', 'us:3:d', 'eu:3:d'],
      expected: ['', '', '', '', 'open-incident monitor.down', ''],
      retries: 2,
    },
  ];
  for (const { title, steps, expected, retries } of cases) {
    test(title, () => {
      assert.deepEqual(feed(steps, retries === undefined ? {} : { retries }).done, expected);
    });
  }

  test('the incident starts at the first confirmed slot and names every failing location', () => {
    const { state } = feed(['eu:1:u', 'us:1:u', 'eu:2:d', 'us:2:d']);
    assert.equal(state.status, 'down');
    assert.equal(state.incidentId, 'm1:20000');
    assert.equal(state.lastError, 'eu: eu says no; us: us says no');
  });

  test('one needed (one confirmation, or one location left): any failing location takes it down', () => {
    const { done } = feed(['eu:1:u', 'us:1:d'], {
      confirmation: { needed: 1, staleAfterMs: 20_000 },
    });
    assert.deepEqual(done, ['', 'open-incident monitor.down']);
  });

  test('a state written before locations existed is judged on from where it was', () => {
    const old: MonitorState = { ...INITIAL_STATE, status: 'up', lastSlot: 10_000 };
    assert.deepEqual(feed(['eu:2:d', 'us:2:d'], {}, old).done, ['', 'open-incident monitor.down']);
  });
});

void describe('how many failing locations are needed', () => {
  const cases: {
    title: string;
    monitor: { locations?: number; confirmations?: number };
    checking: number;
    expected: ReturnType<typeof confirmationOf>;
  }[] = [
    {
      title: 'one location: nothing to confirm',
      monitor: { locations: 1 },
      checking: 1,
      expected: {},
    },
    {
      title: 'a monitor stored before locations existed: one location',
      monitor: {},
      checking: 3,
      expected: {},
    },
    {
      title: 'two of two checking',
      monitor: { locations: 2, confirmations: 2 },
      checking: 2,
      expected: { confirmation: { needed: 2, staleAfterMs: 20_000 } },
    },
    {
      title: 'the default, a majority: two of three',
      monitor: { locations: 3 },
      checking: 3,
      expected: { confirmation: { needed: 2, staleAfterMs: 20_000 } },
    },
    {
      title: 'one region left (the others lost, or a node alone): it decides',
      monitor: { locations: 2, confirmations: 2 },
      checking: 1,
      expected: { confirmation: { needed: 1, staleAfterMs: 20_000 } },
    },
    {
      title: 'three of three wanted, two regions live: both',
      monitor: { locations: 3, confirmations: 3 },
      checking: 2,
      expected: { confirmation: { needed: 2, staleAfterMs: 20_000 } },
    },
  ];
  for (const { title, monitor, checking, expected } of cases) {
    test(title, () =>
      assert.deepEqual(
        confirmationOf({ intervalSeconds: 10, ...monitor }, () => checking),
        expected,
      ),
    );
  }
});
