import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  agreement,
  confirmationOf,
  type ConfirmationPolicy,
  type LocationResult,
} from './locations.js';
import {
  INITIAL_STATE,
  judgeResult,
  type AlertPolicy,
  type JudgedResult,
  type MonitorState,
} from './state-machine.js';

const up: LocationResult = { node: 'n1', status: 'up' };
const down = (error = 'refused'): LocationResult => ({ node: 'n1', status: 'down', error });

void describe('agreement of the locations that reported a slot', () => {
  const cases: {
    title: string;
    locations: Record<string, LocationResult>;
    needed: number;
    expected: ReturnType<typeof agreement>;
  }[] = [
    {
      title: 'one of two fails, two needed',
      locations: { eu: down(), us: up },
      needed: 2,
      expected: { status: 'up' },
    },
    {
      title: 'both of two fail',
      locations: { eu: down('503'), us: down('timeout') },
      needed: 2,
      expected: { status: 'down', error: 'eu: 503; us: timeout' },
    },
    {
      title: 'one of two fails, one needed',
      locations: { eu: up, us: down() },
      needed: 1,
      expected: { status: 'down', error: 'us: refused' },
    },
    {
      title: 'a majority of three fails',
      locations: { ap: down(), eu: up, us: down() },
      needed: 2,
      expected: { status: 'down', error: 'ap: refused; us: refused' },
    },
    {
      title: 'a minority of three fails',
      locations: { ap: down(), eu: up, us: up },
      needed: 2,
      expected: { status: 'up' },
    },
    {
      title: 'one location has reported, failing, and two are needed: no verdict',
      locations: { eu: down() },
      needed: 2,
      expected: undefined,
    },
    {
      title: 'one location has reported, up, and two are needed: up, as none fails',
      locations: { eu: up },
      needed: 2,
      expected: { status: 'up' },
    },
    {
      title: 'a failure without an error text',
      locations: { eu: { node: 'n1', status: 'down' }, us: down() },
      needed: 2,
      expected: { status: 'down', error: 'eu: down; us: refused' },
    },
  ];
  for (const { title, locations, needed, expected } of cases) {
    test(title, () => assert.deepEqual(agreement(locations, needed), expected));
  }
});

/** A confirmation whose slots record no `checking`: judged on this live view. */
function live(needed: number, expected: number): ConfirmationPolicy {
  return {
    locations: Math.max(2, expected),
    confirmations: needed,
    live: { needed, expected },
    graceMs: 20_000,
  };
}

const policy: AlertPolicy = {
  monitorId: 'm1',
  retries: 0,
  renotifyMinutes: null,
  certWarnDays: [],
  inMaintenance: () => false,
  confirmation: live(2, 2),
};

/**
 * "region:slot:status[:node[:checking]]" (slot in units of 10 s, status u or d; checking:
 * the locations its node saw checking the monitor) as a result.
 */
function parse(step: string): JudgedResult {
  const [region, slot, status, node = `${region}-node`, checking] = step.split(':') as [
    string,
    string,
    string,
    string?,
    string?,
  ];
  return {
    slot: Number(slot) * 10_000,
    status: status === 'u' ? 'up' : 'down',
    region,
    node,
    ...(status === 'u' ? {} : { error: `${region} says no` }),
    ...(checking === undefined ? {} : { locationsChecking: Number(checking) }),
  };
}

/**
 * Feeds results given as "region:slot:status[:node]", in that order of arrival, and returns
 * what each one did: "-" late (not judged: the store replays), "" nothing, or its actions
 * (kind or event).
 */
function feed(steps: string[], overrides: Partial<AlertPolicy> = {}, start = INITIAL_STATE) {
  let state: MonitorState = start;
  const done: string[] = [];
  for (const step of steps) {
    const verdict = judgeResult(state, parse(step), { ...policy, ...overrides });
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
      expected: ['', '', '', 'open-incident monitor.down', '', '', '', 'close-incident monitor.up'],
    },
    {
      title: 'a slot waits for its other location while newer slots arrive, and holds them back',
      steps: ['eu:1:u', 'us:1:u', 'eu:2:d', 'eu:3:d', 'us:2:d', 'us:3:u'],
      expected: ['', '', '', '', 'open-incident monitor.down', 'close-incident monitor.up'],
    },
    {
      title: 'a new monitor is not down on the first location that reports a failure',
      steps: ['eu:1:d', 'us:1:u', 'eu:2:d', 'us:2:d'],
      expected: ['', '', '', 'open-incident monitor.down'],
    },
    {
      title: 'a result of a slot judged already is late: not judged (the store replays in order)',
      steps: ['eu:1:u', 'us:1:u', 'us:1:d', 'eu:2:d', 'us:2:d', 'eu:2:u', 'us:1:u'],
      expected: ['', '', '-', '', 'open-incident monitor.down', '-', '-'],
    },
    {
      title:
        'a location silent: its slots are judged on the other once a result two intervals newer came — a failure alone confirms nothing, an up alone ends the outage',
      steps: ['eu:1:d', 'us:1:d', 'eu:2:d', 'eu:3:d', 'eu:4:u', 'eu:5:u', 'eu:6:d', 'us:6:u'],
      expected: ['', 'open-incident monitor.down', '', '', '', '', 'close-incident monitor.up', ''],
    },
    {
      title: 'a complete slot closes the older ones still waiting',
      steps: ['eu:1:u', 'us:1:u', 'eu:2:d', 'eu:3:d', 'us:3:d'],
      expected: ['', '', '', '', 'open-incident monitor.down'],
    },
    {
      title:
        'retries count slots, not results: each slot is one failure however many locations report it',
      steps: ['eu:1:d', 'us:1:d', 'eu:2:d', 'us:2:d', 'us:3:d', 'eu:3:d'],
      expected: ['', '', '', '', '', 'open-incident monitor.down'],
      retries: 2,
    },
    {
      title: 'of two results of one slot and region (a handover), the first node by name counts',
      steps: ['eu:1:d:b', 'eu:1:u:a', 'eu:1:d:c', 'us:1:d'],
      expected: ['', '', '', ''],
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
      confirmation: live(1, 2),
    });
    assert.deepEqual(done, ['', 'open-incident monitor.down']);
  });

  test('one location left checking (expected 1): each of its results is judged at once', () => {
    const { done } = feed(['eu:1:u', 'eu:2:d', 'eu:3:u'], {
      confirmation: live(1, 1),
    });
    assert.deepEqual(done, ['', 'open-incident monitor.down', 'close-incident monitor.up']);
  });

  test('a state written before locations existed is judged on from where it was', () => {
    const old: MonitorState = { ...INITIAL_STATE, status: 'up', lastSlot: 10_000 };
    assert.deepEqual(feed(['eu:2:d', 'us:2:d'], {}, old).done, ['', 'open-incident monitor.down']);
  });

  test('a maintenance window is asked about the slot judged, not the result that closed it', () => {
    const quiet = (slot: number) => slot === 20_000;
    const { done } = feed(['eu:1:u', 'us:1:u', 'eu:2:d', 'eu:5:d', 'us:5:d'], {
      inMaintenance: quiet,
      confirmation: live(1, 2),
    });
    assert.deepEqual(done, ['', '', '', 'open-incident', '']);
  });
});

/** Every order of `items`. */
function* permutations<T>(items: readonly T[]): Generator<T[]> {
  if (items.length <= 1) {
    yield [...items];
    return;
  }
  for (const [i, item] of items.entries()) {
    const rest = [...items.slice(0, i), ...items.slice(i + 1)];
    for (const tail of permutations(rest)) yield [item, ...tail];
  }
}

/**
 * One replica receiving `arrivals` in that order, as the store judges them: each result as
 * it comes; one the judge leaves (late) has every result received so far judged again from
 * no state in (slot, node, region) order, each slot once it has them all (see `rejudge`),
 * the incidents replaced by the replay's.
 */
function replica(arrivals: readonly string[], overrides: Partial<AlertPolicy>) {
  const judged = { ...policy, ...overrides };
  const received: JudgedResult[] = [];
  let state: MonitorState = INITIAL_STATE;
  let incidents = new Map<string, number | null>();
  const fold = (start: MonitorState, result: JudgedResult, into: Map<string, number | null>) => {
    const verdict = judgeResult(start, result, judged);
    if (!verdict) return undefined;
    for (const action of verdict.actions) {
      if (action.kind === 'open-incident') into.set(action.incidentId, null);
      if (action.kind === 'close-incident') into.set(action.incidentId, action.endedAt);
    }
    return verdict.state;
  };
  for (const arrival of arrivals) {
    const result = parse(arrival);
    received.push(result);
    const next = fold(state, result, incidents);
    if (next) {
      state = next;
      continue;
    }
    const order = (r: JudgedResult) => `${String(r.slot).padStart(12)} ${r.node} ${r.region}`;
    state = INITIAL_STATE;
    incidents = new Map();
    const sorted = [...received].sort((a, b) => (order(a) < order(b) ? -1 : 1));
    for (const [index, again] of sorted.entries()) {
      const slotContinues = sorted[index + 1]?.slot === again.slot;
      state = fold(state, { ...again, slotContinues }, incidents) ?? state;
    }
  }
  return { state, incidents: Object.fromEntries(incidents) };
}

void describe("replicas receiving one monitor's results in any order", () => {
  const cases: { title: string; results: string[]; retries?: number }[] = [
    {
      title: 'an outage both regions see, one region first',
      results: ['eu:1:u', 'us:1:u', 'eu:2:d', 'us:2:u', 'eu:3:d', 'us:3:d', 'eu:4:u'],
    },
    {
      title: 'with retries, a region silent for a slot, two nodes of one region at a handover',
      results: ['eu:1:d', 'us:1:d', 'eu:2:d', 'eu:3:d', 'us:3:u', 'us:3:d:a', 'eu:5:d'],
      retries: 1,
    },
    {
      title: 'nodes that saw different numbers of locations checking (a region coming and going)',
      results: [
        'eu:1:u:e:2',
        'us:1:u:u:2',
        'eu:2:d:e:1',
        'us:2:u:u:2',
        'eu:3:d:e:1',
        'eu:4:d:e:2',
        'us:4:d:u:1',
      ],
    },
  ];
  for (const { title, results, retries } of cases) {
    test(`${title}: every order of arrival gives the same incidents and state`, () => {
      const overrides = retries === undefined ? {} : { retries };
      const first = replica(results, overrides);
      assert.ok(Object.keys(first.incidents).length > 0, 'an incident to agree on');
      let orders = 0;
      for (const order of permutations(results)) {
        assert.deepEqual(replica(order, overrides), first, order.join(' '));
        orders++;
      }
      assert.equal(orders, 5040);
    });
  }
});

/** What confirmationOf returns for a monitor of `locations` at 10 s, seen with `live`. */
function policyOf(
  locations: number,
  confirmations: number,
  seen: ConfirmationPolicy['live'],
): ReturnType<typeof confirmationOf> {
  return { confirmation: { locations, confirmations, live: seen, graceMs: 20_000 } };
}

void describe('replicas whose views of the live locations differ judge recorded slots alike', () => {
  // Two locations, two confirmations. Each result records how many locations its node saw
  // checking; the judging replica's own view (live 1 or 2) must not matter.
  const seeing = (checking: number) =>
    confirmationOf({ intervalSeconds: 10, locations: 2, confirmations: 2 }, () => checking)
      .confirmation;
  const views = { 'one live': seeing(1), 'two live': seeing(2) };
  const cases: { title: string; results: string[]; expected: string[] }[] = [
    {
      title: 'both regions checking, one fails: not confirmed (one view alone would say down)',
      results: ['eu:1:u:e:2', 'us:1:u:u:2', 'eu:2:d:e:2', 'us:2:u:u:2'],
      expected: ['', '', '', ''],
    },
    {
      title: 'one region left checking: its failure decides (the other view would wait for it)',
      results: ['eu:1:u:e:1', 'eu:2:d:e:1', 'eu:3:u:e:1'],
      expected: ['', 'open-incident monitor.down', 'close-incident monitor.up'],
    },
    {
      title: 'a slot whose nodes disagree counts the most locations any saw: both must fail',
      results: ['us:1:u:u:2', 'eu:1:d:e:1', 'eu:2:d:e:2', 'us:2:d:u:1'],
      expected: ['', '', '', 'open-incident monitor.down'],
    },
  ];
  for (const { title, results, expected } of cases) {
    test(title, () => {
      for (const [view, confirmation] of Object.entries(views)) {
        assert.deepEqual(feed(results, { confirmation }).done, expected, view);
      }
    });
  }

  test('results that record nothing (older nodes) are judged on the live view', () => {
    const results = ['eu:1:u', 'eu:2:d'];
    assert.deepEqual(feed(results, { confirmation: views['one live'] }).done, [
      '',
      'open-incident monitor.down',
    ]);
    assert.deepEqual(feed(results, { confirmation: views['two live'] }).done, ['', '']);
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
      expected: policyOf(2, 2, { needed: 2, expected: 2 }),
    },
    {
      title: 'the default, a majority: two of three',
      monitor: { locations: 3 },
      checking: 3,
      expected: policyOf(3, 2, { needed: 2, expected: 3 }),
    },
    {
      title: 'one region left (the others lost, or a node alone): it decides',
      monitor: { locations: 2, confirmations: 2 },
      checking: 1,
      expected: policyOf(2, 2, { needed: 1, expected: 1 }),
    },
    {
      title: 'three of three wanted, two regions live: both',
      monitor: { locations: 3, confirmations: 3 },
      checking: 2,
      expected: policyOf(3, 3, { needed: 2, expected: 2 }),
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
