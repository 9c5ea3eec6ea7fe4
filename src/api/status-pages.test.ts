import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { XMLValidator } from 'fast-xml-parser';
import { FakeClock } from '../clock/index.js';
import type { CheckedResult } from '../store/index.js';
import { badFields, createTestApi, errorOf, signUp, type TestApi } from './testing.js';

type Json = Record<string, unknown>;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Noon on a UTC day: the page's last bar is this day. */
const NOW = Date.UTC(2030, 0, 10, 12, 0, 0);
const TTL = 10_000;

void describe('status pages', () => {
  // The monitors exist from 5 days before NOW; the clock then moves to NOW.
  const clock = new FakeClock(NOW - 5 * DAY);
  let api: TestApi;
  let other: string;
  let shop: string;
  let blog: string;
  let hidden: string;
  let foreign: string;
  let base: string;

  const result = (monitorId: string, slot: number, status: 'up' | 'down'): CheckedResult => ({
    monitorId,
    slot,
    checkedAt: slot + 100,
    status,
    latencyMs: 40,
    ...(status === 'down' ? { error: 'connect ECONNREFUSED 10.1.2.3:443' } : {}),
    node: 'node-a',
    region: 'eu',
  });
  /** Hourly results of a monitor for [from, to). */
  const hourly = (monitorId: string, from: number, to: number, status: 'up' | 'down') => {
    const results: CheckedResult[] = [];
    for (let slot = from; slot < to; slot += HOUR) results.push(result(monitorId, slot, status));
    return results;
  };
  const monitor = async (name: string, token?: string) =>
    (
      await api.call('POST', '/api/v1/monitors', {
        payload: {
          name,
          type: 'http',
          url: `https://${name}.example.com/health`,
          intervalSeconds: 3600,
        },
        ...(token === undefined ? {} : { token }),
      })
    ).json<{ id: string }>().id;

  before(async () => {
    api = await createTestApi({ clock, settings: { signup: 'open', statusPageTtlMs: TTL } });
    other = await signUp(api.app, 'other@example.com');
    shop = await monitor('shop');
    blog = await monitor('blog');
    hidden = await monitor('hidden');
    foreign = await monitor('foreign', other);
    clock.advance(5 * DAY);
    const today = Math.floor(NOW / DAY) * DAY;
    api.record([
      // shop: checked every hour but for a gap of most of the day before yesterday, then down
      // for the last 2 hours (an open incident).
      ...hourly(shop, NOW - 5 * DAY, today - 2 * DAY, 'up'),
      ...hourly(shop, today - 2 * DAY, today - 2 * DAY + 3 * HOUR, 'up'),
      ...hourly(shop, today - DAY, NOW - 2 * HOUR, 'up'),
      ...hourly(shop, NOW - 2 * HOUR, NOW, 'down'),
      // blog: up all along.
      ...hourly(blog, NOW - 5 * DAY, NOW, 'up'),
      ...hourly(hidden, NOW - 5 * DAY, NOW, 'up'),
    ]);
    await api.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${String((api.app.server.address() as AddressInfo).port)}`;
  });
  after(() => api.close());

  const create = (payload: Json, token?: string) =>
    api.call('POST', '/api/v1/status-pages', {
      payload,
      ...(token === undefined ? {} : { token }),
    });

  void it('creates, reads, changes and deletes a page, with defaults filled in', async () => {
    const made = await create({ slug: 'crud', title: 'CRUD', monitorIds: [shop] });
    assert.equal(made.statusCode, 201, made.body);
    const page = made.json<Json>();
    assert.match(String(page.id), /^sp_/);
    assert.equal(page.showTargets, false);
    assert.deepEqual(page.notes, []);
    const listed = (await api.call('GET', '/api/v1/status-pages')).json<{ items: Json[] }>();
    assert.ok(listed.items.some((item) => item.id === page.id));
    const changed = await api.call('PATCH', `/api/v1/status-pages/${String(page.id)}`, {
      payload: { title: 'Changed', description: 'Our services' },
    });
    assert.equal(changed.statusCode, 200, changed.body);
    assert.equal(changed.json<Json>().title, 'Changed');
    const removed = await api.call('DELETE', `/api/v1/status-pages/${String(page.id)}`);
    assert.equal(removed.statusCode, 204);
    assert.equal(
      (await api.call('GET', `/api/v1/status-pages/${String(page.id)}`)).statusCode,
      404,
    );
    // Its slug is free again once the page is gone.
    const again = await create({ slug: 'crud', title: 'Again', monitorIds: [] });
    assert.equal(again.statusCode, 201, again.body);
  });

  void it('names the bad field: slug form, reserved words, duplicates, monitors, domain', async () => {
    const cases: [Json, string][] = [
      [{ slug: 'Bad Slug', title: 't', monitorIds: [] }, 'slug'],
      [{ slug: '-x', title: 't', monitorIds: [] }, 'slug'],
      [{ slug: 'api', title: 't', monitorIds: [] }, 'slug'],
      [{ title: 't', monitorIds: [] }, 'slug'],
      [{ slug: 'ok-slug', title: '', monitorIds: [] }, 'title'],
      [{ slug: 'ok-slug', title: 't', monitorIds: ['mon_nope'] }, 'monitorIds'],
      [{ slug: 'ok-slug', title: 't', monitorIds: [shop, shop] }, 'monitorIds'],
      [
        { slug: 'ok-slug', title: 't', monitorIds: [], customDomain: 'https://x.example' },
        'customDomain',
      ],
      [{ slug: 'ok-slug', title: 't', monitorIds: [], colour: 'red' }, 'colour'],
      [
        { slug: 'ok-slug', title: 't', monitorIds: [], notes: [{ title: 'n', at: 5, until: 1 }] },
        'notes.0.until',
      ],
    ];
    for (const [payload, field] of cases) {
      const reply = await create(payload);
      assert.equal(reply.statusCode, 400, JSON.stringify(payload));
      assert.deepEqual(badFields(reply), [field], JSON.stringify(payload));
    }
    assert.equal((await create({ slug: 'taken', title: 't', monitorIds: [] })).statusCode, 201);
    // A slug is unique on the node, whoever holds it.
    const duplicate = await create({ slug: 'taken', title: 't', monitorIds: [] }, other);
    assert.equal(duplicate.statusCode, 400);
    assert.deepEqual(badFields(duplicate), ['slug']);
    // A slug a page gave up stays with it while it exists: still a field error, not a 409.
    const renamed = (await create({ slug: 'before', title: 't', monitorIds: [] })).json<Json>();
    const rename = await api.call('PATCH', `/api/v1/status-pages/${String(renamed.id)}`, {
      payload: { slug: 'after' },
    });
    assert.equal(rename.statusCode, 200, rename.body);
    const reuse = await create({ slug: 'before', title: 't', monitorIds: [] }, other);
    assert.equal(reuse.statusCode, 400, reuse.body);
    assert.deepEqual(badFields(reuse), ['slug']);
  });

  void it("refuses another account's monitor and hides the page from the other account", async () => {
    const refused = await create({ slug: 'steal', title: 't', monitorIds: [shop] }, other);
    assert.equal(refused.statusCode, 400);
    assert.deepEqual(badFields(refused), ['monitorIds']);
    assert.match(errorOf(refused).message, /names no monitor of this account/);
    const mine = (await create({ slug: 'mine', title: 't', monitorIds: [shop] })).json<Json>();
    const id = String(mine.id);
    for (const [method, url] of [
      ['GET', `/api/v1/status-pages/${id}`],
      ['PATCH', `/api/v1/status-pages/${id}`],
      ['DELETE', `/api/v1/status-pages/${id}`],
    ] as const) {
      const reply = await api.call(method, url, {
        token: other,
        ...(method === 'PATCH' ? { payload: {} } : {}),
      });
      assert.equal(reply.statusCode, 404, `${method} ${url}`);
    }
    const theirs = (await api.call('GET', '/api/v1/status-pages', { token: other })).json<{
      items: Json[];
    }>();
    assert.ok(!theirs.items.some((item) => item.id === id));
  });

  void describe('the public page', () => {
    before(async () => {
      const made = await create({
        slug: 'acme',
        title: 'Acme <status>',
        description: 'Shop & blog',
        monitorIds: [shop, blog],
        customDomain: 'Status.Acme.Example',
        notes: [
          {
            title: 'Database upgrade',
            body: 'Short pauses.',
            at: NOW + HOUR,
            until: NOW + 3 * HOUR,
          },
          { title: 'Old news', body: '', at: NOW - 3 * DAY, until: NOW - 2 * DAY },
        ],
      });
      assert.equal(made.statusCode, 201, made.body);
      assert.equal(made.json<Json>().customDomain, 'status.acme.example');
    });

    const get = (path: string, headers: Record<string, string> = {}) =>
      fetch(`${base}${path}`, { headers });

    void it('serves JSON without login: state, monitors, 90 daily bars with gaps as no data, incidents, notes', async () => {
      const reply = await get('/api/v1/public/status/acme');
      assert.equal(reply.status, 200);
      const page = (await reply.json()) as {
        state: string;
        title: string;
        monitors: {
          id: string;
          name: string;
          state: string;
          target?: string;
          days: { date: string; status: string }[];
          uptime: Json;
          latencyMs: number;
        }[];
        incidents: { current: Json[]; past: Json[] };
        notes: Json[];
      };
      assert.equal(page.title, 'Acme <status>');
      assert.equal(page.state, 'degraded');
      assert.deepEqual(
        page.monitors.map((m) => [m.name, m.state]),
        [
          ['shop', 'down'],
          ['blog', 'up'],
        ],
      );
      const [shopView, blogView] = page.monitors;
      assert.ok(shopView && blogView);
      assert.equal(shopView.target, undefined, 'targets hidden by default');
      assert.equal(shopView.days.length, 90);
      const day = (offset: number) => new Date(NOW - offset * DAY).toISOString().slice(0, 10);
      const statusOf = (view: typeof shopView, offset: number) =>
        view.days.find((bar) => bar.date === day(offset))?.status;
      assert.equal(statusOf(shopView, 2), 'nodata', 'a day with a gap is not up');
      assert.equal(statusOf(blogView, 2), 'up');
      assert.equal(statusOf(shopView, 3), 'up');
      assert.equal(statusOf(shopView, 0), 'partial');
      assert.equal(statusOf(shopView, 10), 'none', 'before the monitor existed');
      assert.equal(shopView.latencyMs, 40);
      assert.equal(blogView.uptime['24h'], 1);
      assert.equal(page.incidents.current.length, 1);
      assert.equal(page.incidents.current[0]?.monitorName, 'shop');
      assert.equal(
        page.incidents.current[0]?.cause,
        undefined,
        'no error text: it names addresses',
      );
      assert.deepEqual(
        page.notes.map((note) => note.title),
        ['Database upgrade'],
      );
    });

    void it('shows targets and causes only when the page says so', async () => {
      const made = await create({
        slug: 'open-book',
        title: 'Open',
        monitorIds: [shop],
        showTargets: true,
      });
      assert.equal(made.statusCode, 201, made.body);
      const page = (await (await get('/api/v1/public/status/open-book')).json()) as {
        monitors: { target: string }[];
        incidents: { current: { cause: string }[] };
      };
      assert.equal(page.monitors[0]?.target, 'https://shop.example.com/health');
      assert.match(page.incidents.current[0]?.cause ?? '', /ECONNREFUSED/);
    });

    void it('serves HTML without script, with the strict headers', async () => {
      const reply = await get('/status/acme');
      assert.equal(reply.status, 200);
      assert.match(reply.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(reply.headers.get('content-security-policy') ?? '', /default-src 'self'/);
      const html = await reply.text();
      assert.doesNotMatch(html, /<script/i);
      assert.match(html, /<h1>Acme &lt;status&gt;<\/h1>/);
      assert.match(html, /Some systems are down/);
      assert.match(html, /<span class="state state-down">Down<\/span>/);
      assert.match(
        html,
        new RegExp(`${new Date(NOW - 2 * DAY).toISOString().slice(0, 10)}: no data`),
      );
      assert.match(html, /Database upgrade/);
      assert.doesNotMatch(html, /shop\.example\.com/, 'no target');
      const css = await get('/status/assets/status.css');
      assert.equal(css.status, 200);
      assert.match(css.headers.get('content-type') ?? '', /^text\/css/);
    });

    void it('serves badges as valid SVG with the right text', async () => {
      const svg = async (path: string) => {
        const reply = await get(path);
        assert.equal(reply.status, 200, path);
        assert.match(reply.headers.get('content-type') ?? '', /^image\/svg\+xml/);
        const text = await reply.text();
        assert.equal(XMLValidator.validate(text), true, text);
        return /<title>(.*)<\/title>/.exec(text)?.[1];
      };
      assert.equal(await svg(`/badge/acme/${shop}/status.svg`), 'status: down');
      assert.equal(await svg(`/badge/acme/${blog}/status.svg`), 'status: up');
      assert.equal(await svg(`/badge/acme/${blog}/uptime.svg?window=7d`), 'uptime 7d: 100%');
      assert.equal(await svg(`/badge/acme/${shop}/uptime.svg`), 'uptime 24h: 91.66%');
      assert.equal(await svg(`/badge/acme/${shop}/response-time.svg`), 'response time: 40 ms');
    });

    void it('reaches only the monitors on the page: anything else is the same 404', async () => {
      const unknown = await get('/api/v1/public/status/nope');
      assert.equal(unknown.status, 404);
      const body = await unknown.text();
      for (const path of [
        `/badge/acme/${hidden}/status.svg`,
        `/badge/acme/${foreign}/status.svg`,
        `/badge/acme/mon_nope/uptime.svg`,
        `/badge/acme/${shop}/uptime.svg?window=1y`,
        `/badge/nope/${shop}/status.svg`,
        '/status/nope/feed.json',
        '/status/nope/rss.xml',
      ]) {
        const reply = await get(path);
        assert.equal(reply.status, 404, path);
        assert.equal(await reply.text(), body, path);
      }
      assert.equal((await get('/status/nope')).status, 404);
    });

    void it('serves the incidents as JSON Feed 1.1 and well-formed RSS', async () => {
      const feed = (await (await get('/status/acme/feed.json')).json()) as Json & { items: Json[] };
      assert.equal(feed.version, 'https://jsonfeed.org/version/1.1');
      assert.equal(feed.title, 'Acme <status>: incidents');
      assert.equal(feed.home_page_url, `${base}/status/acme`);
      assert.equal(feed.feed_url, `${base}/status/acme/feed.json`);
      assert.equal(feed.items.length, 1);
      const [item] = feed.items;
      assert.equal(item?.title, 'shop is down');
      assert.equal(typeof item?.id, 'string');
      assert.equal(item?.date_published, new Date(NOW - 2 * HOUR).toISOString());
      const rss = await get('/status/acme/rss.xml');
      assert.match(rss.headers.get('content-type') ?? '', /^application\/rss\+xml/);
      const xml = await rss.text();
      assert.equal(XMLValidator.validate(xml), true);
      assert.match(xml, /<title>Acme &lt;status&gt;: incidents<\/title>/);
      assert.match(xml, /<item>\s*<title>shop is down<\/title>/);
    });

    void it('answers a custom domain with its page at /', async () => {
      const page = await api.call('GET', '/', {
        token: null,
        headers: { host: 'status.acme.example:8080' },
      });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /<h1>Acme &lt;status&gt;<\/h1>/);
      const feed = await api.call('GET', '/feed.json', {
        token: null,
        headers: { host: 'STATUS.acme.example' },
      });
      assert.equal(feed.json<Json>().version, 'https://jsonfeed.org/version/1.1');
      const elsewhere = await api.call('GET', '/', {
        token: null,
        headers: { host: 'other.example' },
      });
      assert.doesNotMatch(elsewhere.body, /Acme/);
      // The node's own paths stay its own on the domain.
      const api404 = await api.call('GET', '/api/v1/status-pages', {
        token: null,
        headers: { host: 'status.acme.example' },
      });
      assert.equal(api404.statusCode, 401);
    });

    void it('computes a view once per TTL: cached answers, ETag 304, a page edit at once', async () => {
      const first = await get('/api/v1/public/status/acme');
      const etag = first.headers.get('etag');
      assert.ok(etag);
      assert.match(first.headers.get('cache-control') ?? '', /^public, max-age=10$/);
      const body = await first.text();
      // blog goes down now: within the TTL the cached view is served unchanged.
      api.record([result(blog, NOW, 'down')]);
      clock.advance(TTL - 1000);
      const cached = await get('/api/v1/public/status/acme');
      assert.equal(await cached.text(), body);
      assert.equal(cached.headers.get('etag'), etag);
      assert.equal(cached.headers.get('age'), String((TTL - 1000) / 1000));
      const notModified = await get('/api/v1/public/status/acme', { 'if-none-match': etag });
      assert.equal(notModified.status, 304);
      assert.equal(await notModified.text(), '');
      // fetch asks for gzip: the same view, gzipped once, under an ETag of its own.
      assert.equal(first.headers.get('content-encoding'), 'gzip');
      const plain = await api.call('GET', '/api/v1/public/status/acme', { token: null });
      assert.equal(plain.headers['content-encoding'], undefined);
      assert.equal(plain.body, body);
      assert.notEqual(plain.headers.etag, etag);
      // After the TTL the view is computed again: blog is down now.
      clock.advance(1000);
      const fresh = await get('/api/v1/public/status/acme');
      assert.notEqual(fresh.headers.get('etag'), etag);
      const view = (await fresh.json()) as { state: string };
      assert.equal(view.state, 'outage');
      // An edit of the page shows at once.
      const id = (await api.call('GET', '/api/v1/status-pages'))
        .json<{ items: Json[] }>()
        .items.find((item) => item.slug === 'acme')?.id;
      await api.call('PATCH', `/api/v1/status-pages/${String(id)}`, { payload: { title: 'Acme' } });
      assert.equal(
        ((await (await get('/api/v1/public/status/acme')).json()) as Json).title,
        'Acme',
      );
    });

    void it('drops a deleted monitor from the pages that showed it', async () => {
      const made = (
        await create({ slug: 'short-lived', title: 't', monitorIds: [hidden, blog] })
      ).json<Json>();
      assert.equal((await api.call('DELETE', `/api/v1/monitors/${hidden}`)).statusCode, 204);
      const page = (await api.call('GET', `/api/v1/status-pages/${String(made.id)}`)).json<Json>();
      assert.deepEqual(page.monitorIds, [blog]);
    });
  });
});
