import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  channelInputSchema,
  entitySchema,
  parseChannelInput,
  type Channel,
} from '../model/index.js';
import { CHANNEL_TYPES, composeNotification, getNotifier } from '../notify/index.js';
import { validationError, type FieldProblem } from '../errors/index.js';
import {
  keepMaskedSecrets,
  maskFields,
  sealedInputProblems,
  SECRET_MASK,
  type SecretPlace,
  UNREADABLE_SECRET,
  unreadableSecretProblems,
} from '../secrets/index.js';
import {
  detachReferences,
  findScoped,
  mergePatch,
  registerConfigResource,
} from './config-resource.js';
import { callerOf } from './credentials.js';
import type { ApiDeps } from './deps.js';
import { describeTypes, jsonSchema, routeSchema, type JsonSchema } from './openapi.js';
import { countProblems, quotaError, type QuotaBook } from './quotas.js';
import { idParam, parseQuery, queryInteger } from './request.js';

/**
 * `/api/v1/channels`: CRUD with secret config fields sealed at rest and masked in replies;
 * `POST /api/v1/channels/:id/test` and `GET /api/v1/deliveries`.
 */
export function registerChannelRoutes(
  app: FastifyInstance,
  deps: ApiDeps,
  quotas: QuotaBook,
): void {
  registerConfigResource<Channel>(app, deps, {
    kind: 'channel',
    path: '/channels',
    idPrefix: 'ch_',
    noun: 'channel',
    bodySchema: channelSchema('input'),
    replySchema: channelSchema('reply'),
    prepare: (input, { accountId, id, current }) => {
      refuseSealedInput(input);
      const channel = parseChannelInput(input);
      if (!current) {
        const problems = countProblems(quotas.of(accountId), 'channels', (most) =>
          deps.store.countScoped('channel', accountId, most),
        );
        if (problems.length > 0) throw quotaError(problems);
      }
      const place: SecretPlace = { accountId, kind: 'channel', id };
      return {
        ...channel,
        config: deps.secrets.sealFields(
          channel.config,
          secretFieldsOf(channel.type),
          place,
          'config.',
        ),
      };
    },
    merge: (current, patch) => mergeChannelPatch(deps, current, patch),
    present: presentChannel,
    // Monitors alerting this channel no longer do.
    afterRemove: (channel) => detachReferences(deps, 'monitor', 'channelIds', channel),
  });
  registerChannelTest(app, deps);
  registerDeliveryList(app, deps);
  registerChannelTypes(app);
}

/**
 * `GET /api/v1/channel-types`: each channel type's config fields as its notifier's schema
 * describes them, with its secret fields, so a client builds its form from the one source.
 */
function registerChannelTypes(app: FastifyInstance): void {
  const reply = {
    items: describeTypes(CHANNEL_TYPES, (type) => {
      const notifier = getNotifier(type);
      return notifier && { schema: notifier.config, secretFields: notifier.secretFields };
    }),
  };
  app.get(
    '/api/v1/channel-types',
    {
      schema: routeSchema({
        role: 'viewer',
        tag: 'channels',
        summary: "Each channel type's config fields (JSON schema), with its secret fields",
        responses: { 200: '{ items: [{ type, schema, secretFields }…] }' },
      }),
    },
    () => reply,
  );
}

/** A channel as replies (and exports) show it: its secret config fields masked. */
export function presentChannel(channel: Channel): Channel {
  return { ...channel, config: maskFields(channel.config, secretFieldsOf(channel.type)) };
}

function secretFieldsOf(type: string): readonly string[] {
  return getNotifier(type)?.secretFields ?? [];
}

/** Refuses secrets sent in sealed form (`enc:…`), naming each field. */
function refuseSealedInput(input: Record<string, unknown>): void {
  const { type, config } = input;
  if (typeof type !== 'string' || !isObject(config)) return;
  const problems = sealedInputProblems(config, secretFieldsOf(type), 'config.');
  if (problems.length > 0) throw validationError(problems);
}

/**
 * The input a patch makes of a stored channel: its secrets opened (so the notifier's schema
 * validates real values), and each masked secret in the patch replaced by the stored one. A
 * patch that keeps a masked secret must not change where the channel sends it (a URL, host
 * or port field): it would send the stored secret to a server of the caller's choosing.
 */
function mergeChannelPatch(
  deps: ApiDeps,
  current: Channel,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  const secretFields = secretFieldsOf(current.type);
  const place: SecretPlace = { accountId: current.accountId, kind: 'channel', id: current.id };
  // A stored secret that does not open stays unreadable: the change must send it again.
  const openConfig = deps.secrets.openFieldsOr(
    current.config,
    secretFields,
    place,
    UNREADABLE_SECRET,
    'config.',
  ).values;
  const opened = { ...current, config: openConfig };
  const sameType = patch.type === undefined || patch.type === current.type;
  const config = patch.config;
  let merged: Record<string, unknown>;
  if (!sameType || !isObject(config)) merged = mergePatch(opened, patch);
  else {
    const { values, kept } = keepMaskedSecrets(config, openConfig, secretFields, 'config.');
    const moved = movedDestinations(current.type, openConfig, values);
    if (kept.length > 0 && moved.length > 0) throw validationError(resendProblems(kept, moved));
    merged = mergePatch(opened, { ...patch, config: values });
  }
  const unreadable = isObject(merged.config)
    ? unreadableSecretProblems(merged.config, 'config.')
    : [];
  if (unreadable.length > 0) throw validationError(unreadable);
  return merged;
}

/** Names of config fields that say where a channel sends: URLs, hosts, ports. */
const DESTINATION = /(url|host|port)$/i;

/** The destination fields (`config.…`) whose value differs between two configs of a type. */
function movedDestinations(
  type: string,
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): string[] {
  const schema = getNotifier(type)?.config;
  const parsed = schema?.safeParse(after);
  // An invalid config is refused by prepare, naming its fields.
  if (!parsed?.success) return [];
  const now = parsed.data as Record<string, unknown>;
  const keys = new Set([...Object.keys(before), ...Object.keys(now)]);
  return [...keys]
    .filter((key) => DESTINATION.test(key) && before[key] !== now[key])
    .map((key) => `config.${key}`);
}

/** A problem for each secret kept masked while its destination changes. */
export function resendProblems(kept: readonly string[], moved: readonly string[]): FieldProblem[] {
  return kept.map((field) => ({
    field,
    problem: `keeps a stored secret: send the secret again to change ${moved.join(', ')} (a stored secret never goes to a new destination unseen)`,
  }));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The OpenAPI schema of a channel, from the model's schema and each notifier's: what a client
 * sends (`input`), or what replies show (`reply`: also the entity's fields).
 */
function channelSchema(io: 'input' | 'reply'): JsonSchema {
  const input = jsonSchema(channelInputSchema);
  const properties = {
    ...(input.properties as JsonSchema),
    config: {
      description: `The settings of the channel's type. Secret fields read back as "${SECRET_MASK}".`,
      oneOf: CHANNEL_TYPES.map((type) => {
        const notifier = getNotifier(type);
        return { title: type, ...(notifier ? jsonSchema(notifier.config) : {}) };
      }),
    },
  };
  if (io === 'input') return { ...input, properties };
  const entity = jsonSchema(entitySchema);
  return {
    type: 'object',
    required: [...(entity.required as string[]), ...(input.required as string[])],
    properties: { ...(entity.properties as JsonSchema), ...properties },
  };
}

/** Queues a test message to the channel and wakes the deliverer; 202 with the delivery's id. */
function registerChannelTest(app: FastifyInstance, deps: ApiDeps): void {
  app.post(
    '/api/v1/channels/:id/test',
    {
      schema: routeSchema({
        role: 'member',
        tag: 'channels',
        summary: 'Send a test message through the channel (see GET /api/v1/deliveries)',
        params: ['id'],
        responses: { 202: '{ deliveryId }: queued' },
      }),
    },
    (request, reply) => {
      const { accountId } = callerOf(request);
      const channel = findScoped<Channel>(deps, 'channel', accountId, idParam(request));
      const now = deps.clock.now();
      const deliveryId = `test:${channel.id}:${randomUUID()}`;
      const payload = composeNotification({
        event: 'test',
        at: new Date(now).toISOString(),
        monitor: {
          id: 'test',
          name: `Test of channel ${channel.name}`,
          type: 'test',
          target: channel.name,
        },
      });
      deps.store.queueDelivery(
        { id: deliveryId, accountId, channelId: channel.id, event: 'test', payload },
        now,
      );
      deps.wakeDeliverer();
      reply.code(202);
      return { deliveryId };
    },
  );
}

const deliveriesQuery = z.object({ limit: queryInteger(1, 1000, 50) });

/** The account's recent deliveries, newest first, with status, attempts and last error. */
function registerDeliveryList(app: FastifyInstance, deps: ApiDeps): void {
  app.get(
    '/api/v1/deliveries',
    {
      schema: routeSchema({
        role: 'viewer',
        tag: 'channels',
        summary: 'Recent notification deliveries (status, attempts, lastError), newest first',
        query: deliveriesQuery,
        responses: { 200: '{ items: [delivery…] }' },
      }),
    },
    (request) => {
      const { accountId } = callerOf(request);
      const { limit } = parseQuery(deliveriesQuery, request);
      return { items: deps.store.listDeliveries(accountId, limit) };
    },
  );
}
