/**
 * A node with something in every state the accessibility and phone tests look at: monitors
 * Up, Down (with an incident and errors) and Paused, and a public status page showing them.
 */
import type { TestContext } from 'node:test';
import { OWNER, startRecordingHttpServer, waitFor, type ApiClient } from '../testing/index.js';

/** The monitors made, by the state each shows. */
export interface Showcase {
  up: { id: string; name: string };
  down: { id: string; name: string };
  paused: { id: string; name: string };
  /** The public status page's path. */
  statusPath: string;
}

/** Sets up `OWNER` through `api` and fills the node; the target closes when `t` ends. */
export async function fillShowcase(t: TestContext, api: ApiClient): Promise<Showcase> {
  const target = await startRecordingHttpServer((request) =>
    request.path.startsWith('/fail')
      ? { status: 503, body: 'failing on purpose' }
      : { status: 200, body: 'ok' },
  );
  t.after(() => target.close());
  await api.setUp(OWNER);
  const create = async (name: string, path: string, paused = false) => {
    const made = await api.expect<{ id: string }>(201, 'POST', '/api/v1/monitors', {
      type: 'http',
      name,
      url: `${target.url}${path}`,
      intervalSeconds: 1,
      tags: ['shop'],
      paused,
    });
    return { id: made.id, name };
  };
  const up = await create('Storefront', '/health');
  const down = await create('Payments', '/fail');
  const paused = await create('Archive', '/health', true);
  await api.expect(201, 'POST', '/api/v1/status-pages', {
    slug: 'shop',
    title: 'Shop',
    monitorIds: [up.id, down.id, paused.id],
  });
  await waitFor('Storefront up and Payments down', async () => {
    const { items } = await api.expect<{ items: { monitorId: string; status: string }[] }>(
      200,
      'GET',
      '/api/v1/monitors/summary',
    );
    const state = (id: string) => items.find((item) => item.monitorId === id)?.status;
    return state(up.id) === 'up' && state(down.id) === 'down' ? true : undefined;
  });
  return { up, down, paused, statusPath: '/status/shop' };
}
