import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assetsOf,
  dashboardVerdict,
  eventLatency,
  firstLoadBytes,
  ReceivedEvents,
  type EventLatency,
} from './dashboard-figures.js';

/** Events as [receivedAt, slot, checkedAt, latencyMs]. */
function received(events: [number, number, number, number][]): ReceivedEvents {
  const log = new ReceivedEvents();
  for (const [at, slot, checkedAt, latencyMs] of events)
    log.add(at, { slot, checkedAt, latencyMs });
  return log;
}

describe('event latency', () => {
  it('is received − (checkedAt + latencyMs), and received − slot, per copy received', () => {
    const figures = eventLatency(
      received([
        // slot 10,000, started 3 ms late, took 40 ms: ready at 10,043, read at 10,150
        [10_150, 10_000, 10_003, 40],
        // the same result read by a second dashboard 20 ms later
        [10_170, 10_000, 10_003, 40],
        [20_400, 20_000, 20_010, 90],
      ]),
      0,
      Infinity,
    );
    assert.deepEqual(figures.readyToReceived, { p50: 127, p99: 300, max: 300, count: 3 });
    assert.deepEqual(figures.slotToReceived, { p50: 170, p99: 400, max: 400, count: 3 });
    assert.equal(figures.events, 3);
  });

  it('counts only what was read in [from, to)', () => {
    const figures = eventLatency(
      received([
        [999, 900, 900, 0],
        [1000, 900, 900, 0],
        [1999, 1900, 1900, 0],
        [2000, 1900, 1900, 0],
      ]),
      1000,
      2000,
    );
    assert.equal(figures.events, 2);
    assert.deepEqual(figures.readyToReceived, { p50: 99, p99: 100, max: 100, count: 2 });
  });

  it('never gives a negative latency (latencyMs is rounded to whole ms)', () => {
    const figures = eventLatency(received([[1000, 900, 950, 50.4]]), 0, Infinity);
    assert.equal(figures.readyToReceived.max, 0);
  });

  it('p99 is the nearest rank over every sample: one slow copy in 100 is the p99', () => {
    const events: [number, number, number, number][] = [];
    for (let i = 0; i < 99; i++) events.push([1000 + 10, 1000, 1000, 0]);
    events.push([1000 + 5000, 1000, 1000, 0]);
    assert.equal(eventLatency(received(events), 0, Infinity).readyToReceived.p99, 10);
    events.push([1000 + 4000, 1000, 1000, 0]);
    assert.equal(eventLatency(received(events), 0, Infinity).readyToReceived.p99, 4000);
  });

  it('nothing read: no figures', () => {
    const figures = eventLatency(new ReceivedEvents(), 0, Infinity);
    assert.equal(figures.events, 0);
    assert.ok(Number.isNaN(figures.readyToReceived.p99));
  });
});

describe('the dashboard verdict', () => {
  const latency = (p99: number, events = 1000): EventLatency => ({
    readyToReceived: { p50: 1, p99, max: p99, count: events },
    slotToReceived: { p50: 1, p99, max: p99, count: events },
    events,
  });
  const table: [string, boolean, EventLatency, number, boolean, boolean][] = [
    ['checks held, events in time', true, latency(999), 0, true, true],
    ['a p99 of 1 s exactly is not under 1 s', true, latency(1000), 0, false, false],
    ['checks not held', false, latency(50), 0, true, false],
    ['no event read at all', true, latency(Number.NaN, 0), 0, false, false],
    ['a stream dropped', true, latency(50), 1, false, false],
  ];
  for (const [name, held, events, dropped, eventsOnTime, all] of table) {
    it(name, () => {
      assert.deepEqual(dashboardVerdict(held, events, dropped), {
        checksHeld: held,
        eventsOnTime,
        held: all,
      });
    });
  }
});

describe('first load', () => {
  it('sums bytes by part', () => {
    assert.deepEqual(
      firstLoadBytes([
        { part: 'page', path: '/', bytes: 300 },
        { part: 'asset', path: '/assets/a.js', bytes: 20_000 },
        { part: 'asset', path: '/assets/a.css', bytes: 2_000 },
        { part: 'api', path: '/api/v1/auth/session', bytes: 200 },
        { part: 'api', path: '/api/v1/monitors', bytes: 1_000_000 },
        { part: 'events', path: '/api/v1/events', bytes: 500_000 },
      ]),
      { page: 300, asset: 22_000, api: 1_000_200, events: 500_000, total: 1_522_500, requests: 6 },
    );
  });

  it("a page's assets: its scripts, stylesheets and module preloads, once each", () => {
    const html = `<!doctype html><html><head>
      <link rel="icon" href="data:," />
      <script type="module" crossorigin src="/assets/index-iZLBUJZo.js"></script>
      <link rel="stylesheet" crossorigin href="/assets/index--iaOalgo.css">
      <link href="/assets/vendor-1.js" rel="modulepreload" crossorigin>
      <link rel="preconnect" href="https://example.com">
      <script type="module" src="/assets/index-iZLBUJZo.js"></script>
      <script>inline()</script>
      </head><body><div id="app"></div></body></html>`;
    assert.deepEqual(assetsOf(html), [
      '/assets/index-iZLBUJZo.js',
      '/assets/index--iaOalgo.css',
      '/assets/vendor-1.js',
    ]);
  });
});
