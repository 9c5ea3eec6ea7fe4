/**
 * The dashboard's forms take each type's fields from `GET /api/v1/monitor-types` and
 * `/channel-types`, and their words from the one catalog, src/catalog/index.ts (a translation
 * is a copy of it): every field served must have its label there, and every field the schema
 * describes its hint, keyed by type and field; the catalog names no field that is not served.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { strings } from '../catalog/index.js';
import { createTestApi, type TestApi } from './testing.js';

interface Schema {
  properties?: Record<string, { description?: string; readOnly?: boolean }>;
}
interface Described {
  items: { type: string; schema: Schema }[];
  common?: Schema;
}
interface Catalog {
  fieldNames: Record<string, string>;
  fieldHints: Record<'monitor' | 'channel', Record<string, Record<string, string>>>;
}

/** The app's field words, read by any key the server serves. */
const catalog: Catalog = strings;

let api: TestApi;
before(async () => {
  api = await createTestApi();
});
after(() => api.close());

test('every field of every monitor and channel type has its label and hint in the catalog, and the catalog no other', async () => {
  const read = async (path: string) => (await api.call('GET', path)).json<Described>();
  const monitors = await read('/api/v1/monitor-types');
  const channels = await read('/api/v1/channel-types');
  const served: (readonly ['monitor' | 'channel', string, Schema])[] = [
    ['monitor', 'common', monitors.common ?? {}],
    ...monitors.items.map((item) => ['monitor', item.type, item.schema] as const),
    ...channels.items.map((item) => ['channel', item.type, item.schema] as const),
  ];
  const missing: string[] = [];
  const labelled = new Set<string>();
  const shownTypes = new Set<string>();
  for (const [kind, type, schema] of served) {
    shownTypes.add(`${kind}.${type}`);
    const hints = catalog.fieldHints[kind][type] ?? {};
    const fields = Object.entries(schema.properties ?? {}).filter(([, field]) => !field.readOnly);
    for (const [key, field] of fields) {
      labelled.add(key);
      if (catalog.fieldNames[key] === undefined) missing.push(`fieldNames.${key}`);
      if (field.description !== undefined && hints[key] === undefined) {
        missing.push(`fieldHints.${kind}.${type}.${key}`);
      }
    }
    const stale = Object.keys(hints).filter((key) => !fields.some(([name]) => name === key));
    missing.push(...stale.map((key) => `fieldHints.${kind}.${type}.${key} (no such field)`));
  }
  for (const kind of ['monitor', 'channel'] as const) {
    for (const type of Object.keys(catalog.fieldHints[kind])) {
      if (!shownTypes.has(`${kind}.${type}`))
        missing.push(`fieldHints.${kind}.${type} (no such type)`);
    }
  }
  for (const key of Object.keys(catalog.fieldNames)) {
    if (!labelled.has(key)) missing.push(`fieldNames.${key} (no such field)`);
  }
  assert.ok(served.length > 10, 'the types are served');
  assert.deepEqual(missing, [], 'catalog entries missing or stale');
});
