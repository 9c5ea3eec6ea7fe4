import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { z } from 'zod';
import { jsonSchema } from './openapi.js';
import { createTestApi, type TestApi } from './testing.js';

type Document = Record<string, unknown>;

/** Every `$ref` in a document. */
function refsOf(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(refsOf);
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([key, value]) =>
    key === '$ref' && typeof value === 'string' ? [value] : refsOf(value),
  );
}

/** What a local reference (`#/components/schemas/x`) points to in `document`. */
function pointed(document: Document, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  const keys = ref
    .slice(2)
    .split('/')
    .map((key) => key.replace(/~1/g, '/').replace(/~0/g, '~'));
  return keys.reduce<unknown>(
    (node, key) =>
      node !== null && typeof node === 'object' ? (node as Document)[key] : undefined,
    document,
  );
}

/** Validates against the OpenAPI schemas, then resolves every internal reference. */
async function validate(document: Document): Promise<{ version: string }> {
  const validator = new Validator();
  const { valid, errors } = await validator.validate(document);
  assert.ok(valid, JSON.stringify(errors, null, 2));
  validator.resolveRefs();
  return { version: validator.version };
}

void describe('the OpenAPI document', () => {
  let api: TestApi;
  let document: Document;
  before(async () => {
    api = await createTestApi();
    const reply = await api.call('GET', '/api/docs/json', { token: null });
    assert.equal(reply.statusCode, 200);
    document = reply.json<Document>();
  });
  after(() => api.close());

  void it('validates as OpenAPI 3.0, every reference resolved', async () => {
    assert.deepEqual(await validate(document), { version: '3.0' });
    for (const ref of refsOf(document)) {
      assert.notEqual(pointed(document, ref), undefined, `${ref} points into the document`);
    }
  });

  void it('is refused when a reference points nowhere (the validator can fail)', async () => {
    const broken = structuredClone(document);
    (broken.components as { schemas: Document }).schemas = {
      Probe: { $ref: '#/components/schemas/__schema0' },
    };
    await assert.rejects(validate(broken), /__schema0/);
    assert.equal(pointed(broken, '#/components/schemas/__schema0'), undefined);
    assert.notEqual(pointed(broken, '#/components/schemas/Probe'), undefined);
  });

  void it('inlines what zod defines apart: a JSON value holds any JSON values', () => {
    const schema = jsonSchema(z.object({ value: z.json().optional(), other: z.string() }));
    assert.deepEqual(refsOf(schema), []);
    assert.equal(schema.definitions, undefined);
    const value = (schema.properties as Record<string, { allOf: { anyOf: unknown[] }[] }>).value;
    assert.deepEqual(value?.allOf[0]?.anyOf.slice(4), [
      { type: 'array', items: {} },
      { type: 'object', additionalProperties: {} },
    ]);
  });
});
