/**
 * CRUD routes for a config entity kind (monitors, channels, maintenance windows): one
 * implementation of scoping, ids, revisions, patch merging and 404s, with each kind
 * supplying only how it validates, merges and shows its documents.
 */
import type { FastifyInstance, FastifySchema } from 'fastify';
import type { ConfigDoc, UniqueName } from '../cluster/index.js';
import { notFound, type FieldProblem } from '../errors/index.js';
import type { Entity, Role } from '../model/index.js';
import type { ConfigKind } from '../store/index.js';
import { callerOf } from './credentials.js';
import type { ApiDeps } from './deps.js';
import { readInPages } from './paged-read.js';
import type { SharedReads } from './shared-reads.js';
import { routeSchema, type JsonSchema } from './openapi.js';
import { bodyObject, expectedRevision, idParam, newId } from './request.js';

export interface PrepareContext<Doc> {
  accountId: string;
  /** The entity's id (already chosen on create). */
  id: string;
  /** The stored entity on a patch; undefined on create. */
  current: Doc | undefined;
}

export interface ConfigResource<Doc extends Entity> {
  kind: ConfigKind;
  /** Collection path under /api/v1, e.g. `/monitors`; also the OpenAPI tag. */
  path: string;
  /** Prefix of new ids, e.g. `mon_`. */
  idPrefix: string;
  /** Singular name for messages and docs, e.g. `monitor`. */
  noun: string;
  /** OpenAPI schema of a create's body (from the model's schema, not copied). */
  bodySchema: JsonSchema;
  /** OpenAPI schema of the entity as replies show it. @defaultValue an object */
  replySchema?: JsonSchema;
  /** Fields replies add (e.g. a monitor's status): ignored when a client sends them back. */
  derivedFields?: readonly string[];
  /**
   * Validates an input (a create's body, or a patch merged onto the stored entity) into
   * the fields to store; throws TIRELESS_VALIDATION naming every bad field.
   */
  prepare(input: Record<string, unknown>, context: PrepareContext<Doc>): Record<string, unknown>;
  /** The input a patch makes of the stored entity. @defaultValue mergePatch(current, patch) */
  merge?(current: Doc, patch: Record<string, unknown>): Record<string, unknown>;
  /** The entity as replies show it. */
  present(doc: Doc): Record<string, unknown>;
  /**
   * Names the entity must hold alone in the node (the cluster), e.g. a status page's slug:
   * a write whose name another live entity holds is a 409. @defaultValue none
   */
  unique?(fields: Record<string, unknown>): UniqueName[];
  /** Runs after a delete, e.g. to drop references to the entity from others. */
  afterRemove?(doc: Doc): Promise<void>;
  /**
   * Lists are answered through this, shared by the account's readers for a short time
   * (SharedReads). @defaultValue none: each list read afresh
   */
  sharedReads?: SharedReads;
  /** The least role that creates, changes and deletes one (any role reads). @defaultValue 'member' */
  editRole?: Role;
}

/** Adds GET/POST `/api/v1{path}` and GET/PATCH/DELETE `/api/v1{path}/:id`. */
export function registerConfigResource<Doc extends Entity>(
  app: FastifyInstance,
  deps: ApiDeps,
  resource: ConfigResource<Doc>,
): void {
  const { kind, noun } = resource;
  const editRole = resource.editRole ?? 'member';
  const collection = `/api/v1${resource.path}`;
  const item = `${collection}/:id`;
  const tag = resource.path.slice(1);
  const inputOf = (body: unknown) => withoutFields(bodyObject(body), resource.derivedFields);
  const one = resource.replySchema;
  const list = one && {
    type: 'object',
    required: ['items'],
    properties: { items: { type: 'array', items: one } },
  };

  app.get(
    collection,
    {
      schema: withReply(
        routeSchema({
          role: 'viewer',
          tag,
          summary: `List ${noun}s`,
          responses: { 200: `{ items: [${noun}…] }` },
        }),
        200,
        list,
      ),
    },
    (request, reply) => {
      const { accountId } = callerOf(request);
      const { sharedReads } = resource;
      if (!sharedReads) {
        return {
          items: deps.store.listScoped<Doc>(kind, accountId).map((doc) => resource.present(doc)),
        };
      }
      // A large list, shared by the account's readers and read in pages between other work.
      const list = async () => ({
        items: await readInPages(
          (page) =>
            deps.store
              .listScopedPage<Doc>(kind, accountId, page)
              .map((doc) => resource.present(doc)),
          (item) => item.id as string,
        ),
      });
      return sharedReads.answer(reply, accountId, collection, list);
    },
  );

  app.post(
    collection,
    {
      schema: withReply(
        routeSchema({
          role: editRole,
          tag,
          summary: `Create a ${noun}`,
          body: resource.bodySchema,
          responses: { 201: `The ${noun}, with its id and revision` },
        }),
        201,
        one,
      ),
    },
    async (request, reply) => {
      const { accountId } = callerOf(request);
      const id = newId(resource.idPrefix);
      const fields = resource.prepare(inputOf(request.body), { accountId, id, current: undefined });
      const now = deps.clock.now();
      const saved = await deps.config.put<ConfigDoc>(
        kind,
        { ...fields, id, accountId, createdAt: now, updatedAt: now },
        0,
        resource.unique?.(fields),
      );
      reply.code(201);
      return resource.present(saved as unknown as Doc);
    },
  );

  app.get(
    item,
    {
      schema: withReply(
        routeSchema({
          role: 'viewer',
          tag,
          summary: `Get a ${noun}`,
          params: ['id'],
          responses: { 200: `The ${noun}` },
        }),
        200,
        one,
      ),
    },
    (request) => {
      const { accountId } = callerOf(request);
      return resource.present(findScoped<Doc>(deps, kind, accountId, idParam(request)));
    },
  );

  app.patch(
    item,
    {
      schema: withReply(
        routeSchema({
          role: editRole,
          tag,
          summary: `Change some fields of a ${noun} (null resets a field to its default)`,
          params: ['id'],
          body: { type: 'object', description: `Any fields of a ${noun}; optional \`revision\`` },
          responses: { 200: `The changed ${noun}` },
        }),
        200,
        one,
      ),
    },
    async (request) => {
      const { accountId } = callerOf(request);
      const current = findScoped<Doc>(deps, kind, accountId, idParam(request));
      const patch = inputOf(request.body);
      // The writer refuses a stale revision with a 409.
      const expected = expectedRevision(request, patch) ?? current.revision;
      const input = resource.merge ? resource.merge(current, patch) : mergePatch(current, patch);
      const fields = resource.prepare(input, { accountId, id: current.id, current });
      const saved = await deps.config.put<ConfigDoc>(
        kind,
        {
          ...fields,
          id: current.id,
          accountId,
          createdAt: current.createdAt,
          updatedAt: deps.clock.now(),
        },
        expected,
        resource.unique?.(fields),
      );
      return resource.present(saved as unknown as Doc);
    },
  );

  app.delete(
    item,
    {
      schema: routeSchema({
        role: editRole,
        tag,
        summary: `Delete a ${noun}`,
        params: ['id'],
        responses: { 204: 'Deleted' },
      }),
    },
    async (request, reply) => {
      const { accountId } = callerOf(request);
      const current = findScoped<Doc>(deps, kind, accountId, idParam(request));
      const expected = expectedRevision(request);
      await deps.config.remove(kind, accountId, current.id, expected);
      await resource.afterRemove?.(current);
      return reply.code(204).send();
    },
  );
}

/** A config entity of the caller's account; another account's id is simply not found. */
export function findScoped<Doc>(
  deps: ApiDeps,
  kind: ConfigKind,
  accountId: string,
  id: string,
): Doc {
  const doc = deps.store.getScoped<Doc>(kind, accountId, id);
  if (!doc) throw notFound(`${kind} ${id}`);
  return doc;
}

/** `base` with the patch's top-level fields: a value replaces, null removes (back to the default). */
export function mergePatch(base: object, patch: Record<string, unknown>): Record<string, unknown> {
  // fromEntries defines properties, so a key like "__proto__" stays a plain key.
  return Object.fromEntries([
    ...Object.entries(base).filter(([key]) => !Object.hasOwn(patch, key)),
    ...Object.entries(patch).filter(([, value]) => value !== null),
  ]);
}

/**
 * Problems for ids in `ids` that name no `kind` entity of the account, reported on `field`.
 * Ids in `alreadyStored` are not checked again: a reference that went stale meanwhile (its
 * entity deleted on another node) must not block unrelated changes.
 */
export function missingReferences(
  deps: ApiDeps,
  accountId: string,
  kind: ConfigKind,
  field: string,
  ids: readonly string[],
  alreadyStored: readonly string[] = [],
): FieldProblem[] {
  const missing = ids.filter(
    (id) => !alreadyStored.includes(id) && !deps.store.getScoped(kind, accountId, id),
  );
  if (missing.length === 0) return [];
  const shown = missing.slice(0, 5).join(', ') + (missing.length > 5 ? ', …' : '');
  return [{ field, problem: `names no ${kind} of this account: ${shown}` }];
}

/**
 * Removes `removed.id` from the `field` list of every `kind` entity of its account (a deleted
 * channel from the monitors' channelIds), so nothing is left pointing at nothing.
 */
export async function detachReferences(
  deps: ApiDeps,
  kind: ConfigKind,
  field: string,
  removed: Entity,
): Promise<void> {
  for (const doc of deps.store.listScoped<ConfigDoc>(kind, removed.accountId)) {
    const ids = doc[field];
    if (!Array.isArray(ids) || !ids.includes(removed.id)) continue;
    const kept = ids.filter((id) => id !== removed.id);
    try {
      await deps.config.put(
        kind,
        { ...doc, [field]: kept, updatedAt: deps.clock.now() },
        doc.revision,
      );
    } catch (error) {
      // Changed meanwhile: the stale id is harmless (missingReferences skips stored ids).
      deps.log.warn({ err: error, kind, id: doc.id }, `could not drop ${removed.id} from ${field}`);
    }
  }
}

/** `schema` with the reply of `status` documented by `reply` (when given), beside its description. */
function withReply(
  schema: FastifySchema,
  status: number,
  reply: JsonSchema | undefined,
): FastifySchema {
  if (!reply) return schema;
  const responses = schema.response as Record<number, JsonSchema>;
  return { ...schema, response: { ...responses, [status]: { ...responses[status], ...reply } } };
}

function withoutFields(
  input: Record<string, unknown>,
  fields: readonly string[] = [],
): Record<string, unknown> {
  if (fields.length === 0) return input;
  return Object.fromEntries(Object.entries(input).filter(([key]) => !fields.includes(key)));
}
