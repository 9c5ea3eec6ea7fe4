import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { MonitorState } from '../alerts/index.js';
import { getChecker, MONITOR_TYPES } from '../checks/index.js';
import { validationError, type FieldProblem } from '../errors/index.js';
import {
  entitySchema,
  keepMaskedMonitorSecrets,
  maskMonitor,
  monitorCommonSchema,
  monitorLocations,
  monitorMoved,
  secretsNotSent,
  monitorOptions,
  monitorSecretFields,
  openMonitorOr,
  parseMonitorInput,
  sealMonitor,
  type Monitor,
} from '../model/index.js';
import {
  SECRET_MASK,
  sealedInputProblems,
  UNREADABLE_SECRET,
  unreadableSecretProblems,
} from '../secrets/index.js';
import { resendProblems } from './channels.js';
import {
  detachReferences,
  mergePatch,
  missingReferences,
  registerConfigResource,
  type PrepareContext,
} from './config-resource.js';
import type { ApiDeps } from './deps.js';
import { describeTypes, jsonSchema, routeSchema, type JsonSchema } from './openapi.js';
import { pushPath } from './push.js';
import { monitorDefaults, monitorQuotaProblems, quotaError, type QuotaBook } from './quotas.js';
import type { SharedReads } from './shared-reads.js';

/**
 * What monitor replies add to the stored monitor: derived, so clients (and `tireless apply`)
 * never send or compare them.
 */
const monitorDerivedSchema = z.object({
  status: z
    .enum(['up', 'down', 'unknown', 'paused'])
    .describe("the coordinator's verdict (unknown before the first), or paused"),
  inMaintenance: z
    .boolean()
    .describe('whether a maintenance window covers the monitor now (its alerts are held)'),
  pushUrl: z.string().optional().describe('push monitors: the path to call, /api/push/{token}'),
  certExpiresAt: z
    .number()
    .int()
    .optional()
    .describe(
      'tls monitors, once checked: when the certificate the server last presented expires, ms since the epoch',
    ),
  unreadableSecrets: z
    .array(z.string())
    .optional()
    .describe(
      "secrets stored in a form this node's secret key does not open (another key, or damaged data), read as masked: send them again in a change",
    ),
});

/** What a monitor reply adds to the stored monitor. */
type MonitorDerived = z.output<typeof monitorDerivedSchema>;

/** What a monitor reply says about it now: the coordinator's verdict, or that it is paused. */
export type MonitorStatus = MonitorDerived['status'];

/** The names of the fields monitor replies add (monitorDerivedSchema's). */
export const MONITOR_DERIVED_FIELDS: readonly string[] = Object.freeze(
  Object.keys(monitorDerivedSchema.shape),
);

/**
 * `/api/v1/monitors`: CRUD; replies add `status`, `inMaintenance`, and `pushUrl` for push
 * monitors.
 */
export function registerMonitorRoutes(
  app: FastifyInstance,
  deps: ApiDeps,
  quotas: QuotaBook,
  sharedReads: SharedReads,
): void {
  registerConfigResource<Monitor>(app, deps, {
    kind: 'monitor',
    path: '/monitors',
    idPrefix: 'mon_',
    noun: 'monitor',
    bodySchema: monitorSchema('input'),
    replySchema: monitorSchema('reply'),
    derivedFields: MONITOR_DERIVED_FIELDS,
    // A dashboard reads the whole list each minute; one account's dashboards share it.
    sharedReads,
    prepare: (input, context) => {
      const { accountId, current } = context;
      const quota = quotas.of(accountId);
      const fields = monitorDefaults(quota, input, prepareMonitor(deps, input, context));
      const problems = monitorQuotaProblems(quota, fields, current, (most) =>
        deps.store.countScoped('monitor', accountId, most),
      );
      if (problems.length > 0) throw quotaError(problems);
      return fields;
    },
    merge: (current, patch) => mergeMonitorPatch(deps, current, patch),
    present: (monitor) => presentMonitor(deps, monitor),
    // A maintenance window or a status page naming the monitor no longer does.
    afterRemove: async (monitor) => {
      await detachReferences(deps, 'maintenance', 'monitorIds', monitor);
      await detachReferences(deps, 'status-page', 'monitorIds', monitor);
    },
  });
  registerMonitorTypes(app);
}

/**
 * `GET /api/v1/monitor-types`: the fields of a monitor, common and per type, as the model's
 * schemas describe them, so a client (the dashboard's form) builds its fields from the one
 * source instead of a copy.
 */
function registerMonitorTypes(app: FastifyInstance): void {
  const reply = {
    common: jsonSchema(monitorCommonSchema),
    items: describeTypes(MONITOR_TYPES, (type) => {
      const checker = getChecker(type);
      return checker && { schema: checker.options, secretFields: checker.secretFields };
    }),
  };
  app.get(
    '/api/v1/monitor-types',
    {
      schema: routeSchema({
        role: 'viewer',
        tag: 'monitors',
        summary:
          "The fields of a monitor: common, and each type's own (JSON schemas), with its secret fields",
        responses: { 200: '{ common, items: [{ type, schema, secretFields }…] }' },
      }),
    },
    () => reply,
  );
}

function prepareMonitor(
  deps: ApiDeps,
  input: Record<string, unknown>,
  { accountId, id, current }: PrepareContext<Monitor>,
): Record<string, unknown> {
  const sealed = sealedInputProblems(input, monitorSecretFields(input));
  if (sealed.length > 0) throw validationError(sealed);
  const fields = parseMonitorInput(input);
  const problems = [
    ...missingReferences(
      deps,
      accountId,
      'channel',
      'channelIds',
      fields.channelIds,
      current?.channelIds,
    ),
    // The stored token is sealed: opened only for a push monitor's write.
    ...(input.type === 'push'
      ? pushTokenProblems(
          input,
          current && openMonitorOr(deps.secrets, current, UNREADABLE_SECRET).monitor,
        )
      : []),
  ];
  if (problems.length > 0) throw validationError(problems);
  return sealMonitor(deps.secrets, fields, { accountId, kind: 'monitor', id });
}

/**
 * Push tokens are made by the server (192 random bits): a client may send back its monitor's
 * own token (a patch or a replace keeps it) or none (`null` in a patch: a fresh one), never
 * one of its choosing. The answer is the same whether or not another monitor has the token it
 * sent, so it tells nothing of others' tokens. Tokens chosen before this rule keep working.
 */
function pushTokenProblems(
  input: Record<string, unknown>,
  current: Monitor | undefined,
): FieldProblem[] {
  if (input.type !== 'push' || input.token === undefined || input.token === current?.token)
    return [];
  return [
    {
      field: 'token',
      problem:
        "is made by the server: omit it (or send null in a patch for a fresh one), or send back the monitor's own",
    },
  ];
}

/** Fields whose default the model derives from another field: [source, derived]. */
const DERIVED_DEFAULTS = [
  ['intervalSeconds', 'timeoutSeconds'],
  ['locations', 'confirmations'],
] as const;

/**
 * The input a patch makes of a stored monitor, its secrets opened; a masked secret sent back
 * keeps the stored one, unless the monitor's URL now leads elsewhere (then it must be sent
 * again). A new type starts without the old type's fields (an http monitor turned tcp keeps
 * no `url`; one turned push gets a fresh token), and a value that was only the default
 * follows its source instead of contradicting it: a default timeout follows a new interval,
 * default confirmations (a majority) new locations.
 */
function mergeMonitorPatch(
  deps: ApiDeps,
  stored: Monitor,
  given: Record<string, unknown>,
): Record<string, unknown> {
  // A stored secret that does not open stays unreadable: the change must send it again.
  const current = openMonitorOr(deps.secrets, stored, UNREADABLE_SECRET).monitor;
  let patch = given;
  if (!Object.hasOwn(given, 'type') || given.type === current.type) {
    const { values, kept } = keepMaskedMonitorSecrets(given, current);
    // Kept masked or not named: either way the stored secret would follow the URL unseen. (A
    // URL that is not http(s), a sealed one say, is refused as such when the change is validated.)
    const moved = Object.hasOwn(values, 'url') && monitorMoved(current, values);
    const web = typeof values.url === 'string' && /^https?:\/\//i.test(values.url);
    const unsent = moved ? [...kept, ...(web ? secretsNotSent(given, current) : [])] : [];
    if (unsent.length > 0) throw validationError(resendProblems(unsent, ['url']));
    patch = values;
  }
  const dropped = new Set<string>();
  if (Object.hasOwn(patch, 'type') && patch.type !== current.type) {
    for (const key of Object.keys(monitorOptions(current))) dropped.add(key);
  }
  for (const [source, derived] of DERIVED_DEFAULTS) {
    const newSource = Object.hasOwn(patch, source) && !Object.hasOwn(patch, derived);
    if (newSource && hasDefault(current, derived)) dropped.add(derived);
  }
  const base = Object.fromEntries(Object.entries(current).filter(([key]) => !dropped.has(key)));
  const merged = mergePatch(base, patch);
  const unreadable = unreadableSecretProblems(merged);
  if (unreadable.length > 0) throw validationError(unreadable);
  return merged;
}

/** Whether the stored `field` is the value the model derives when none is given. */
function hasDefault(monitor: Monitor, field: string): boolean {
  const { [field]: value, ...rest } = monitor;
  try {
    return value === undefined || parseMonitorInput(rest)[field] === value;
  } catch {
    return false;
  }
}

/**
 * A stored monitor's fields as replies (and exports) show them: secrets masked, and the names
 * of those that did not open (they read masked too: one damaged secret must not fail a read).
 */
export function shownMonitor(
  deps: ApiDeps,
  stored: Monitor,
): { monitor: Monitor; shown: Monitor; unreadable: string[] } {
  const { monitor, unreadable } = openMonitorOr(deps.secrets, stored, SECRET_MASK);
  // A monitor stored before these fields existed has their defaults.
  return { monitor, shown: { ...maskMonitor(monitor), ...monitorLocations(monitor) }, unreadable };
}

function presentMonitor(deps: ApiDeps, stored: Monitor): Monitor & MonitorDerived {
  const { monitor, shown, unreadable } = shownMonitor(deps, stored);
  const push =
    monitor.type === 'push' && typeof monitor.token === 'string' && !unreadable.includes('token');
  const now = deps.clock.now();
  const state = deps.store.getMonitorState(monitor.id) as Partial<MonitorState> | undefined;
  const certExpiresAt = monitor.type === 'tls' ? state?.certExpiresAt : undefined;
  return {
    ...shown,
    status: monitorStatus(monitor, state),
    // Alerts are held while a maintenance window covers the monitor: say so beside its status.
    inMaintenance: deps.maintenance.covers(monitor, now),
    ...(push ? { pushUrl: pushPath(monitor.token as string) } : {}),
    ...(typeof certExpiresAt === 'number' ? { certExpiresAt } : {}),
    ...(unreadable.length > 0 ? { unreadableSecrets: unreadable } : {}),
  };
}

function monitorStatus(monitor: Monitor, state: Partial<MonitorState> | undefined): MonitorStatus {
  if (monitor.paused) return 'paused';
  return state?.status ?? 'unknown';
}

/**
 * The OpenAPI schema of a monitor, one variant per type, all from the model's schemas: what a
 * client sends (`input`: the common fields and the type's own), or what replies show (`reply`:
 * also the entity's fields and the derived ones).
 */
function monitorSchema(io: 'input' | 'reply'): JsonSchema {
  const common = jsonSchema(monitorCommonSchema);
  const entity = jsonSchema(entitySchema);
  const derived = jsonSchema(monitorDerivedSchema);
  return {
    oneOf: MONITOR_TYPES.map((type) => {
      const checker = getChecker(type);
      const options = checker ? jsonSchema(checker.options) : {};
      const properties = {
        ...(common.properties as JsonSchema),
        type: { type: 'string', enum: [type] },
        ...(options.properties as JsonSchema | undefined),
      };
      const required = [...new Set([...requiredOf(common), ...requiredOf(options)])];
      if (io === 'input') {
        return { type: 'object', title: type, required, properties, additionalProperties: false };
      }
      return {
        type: 'object',
        title: type,
        required: [...new Set([...requiredOf(entity), ...required, ...requiredOf(derived)])],
        properties: {
          ...(entity.properties as JsonSchema),
          ...properties,
          ...(derived.properties as JsonSchema),
        },
      };
    }),
  };
}

function requiredOf(schema: JsonSchema): string[] {
  return Array.isArray(schema.required) ? (schema.required as string[]) : [];
}
