import type { FastifyInstance } from 'fastify';
import type { MonitorState } from '../alerts/index.js';
import { getChecker, MONITOR_TYPES } from '../checks/index.js';
import { validationError, type FieldProblem } from '../errors/index.js';
import { monitorOptions, parseMonitorInput, type Monitor } from '../model/index.js';
import {
  detachReferences,
  mergePatch,
  missingReferences,
  registerConfigResource,
  type PrepareContext,
} from './config-resource.js';
import type { ApiDeps } from './deps.js';
import { jsonSchema, type JsonSchema } from './openapi.js';
import { pushPath, type PushTokens } from './push.js';

/** What a monitor reply says about it now: the coordinator's verdict, or that it is paused. */
/** Fields monitor replies add: clients (and `tireless apply`) never send or compare them. */
export const MONITOR_DERIVED_FIELDS: readonly string[] = ['status', 'pushUrl', 'inMaintenance'];

export type MonitorStatus = 'up' | 'down' | 'unknown' | 'paused';

/**
 * `/api/v1/monitors`: CRUD; replies add `status`, `inMaintenance`, and `pushUrl` for push
 * monitors.
 */
export function registerMonitorRoutes(
  app: FastifyInstance,
  deps: ApiDeps,
  pushTokens: PushTokens,
): void {
  registerConfigResource<Monitor>(app, deps, {
    kind: 'monitor',
    path: '/monitors',
    idPrefix: 'mon_',
    noun: 'monitor',
    bodySchema: monitorBodySchema(),
    derivedFields: MONITOR_DERIVED_FIELDS,
    prepare: (input, context) => prepareMonitor(deps, pushTokens, input, context),
    merge: mergeMonitorPatch,
    present: (monitor) => presentMonitor(deps, monitor),
    // A maintenance window naming the monitor no longer does.
    afterRemove: (monitor) => detachReferences(deps, 'maintenance', 'monitorIds', monitor),
  });
}

function prepareMonitor(
  deps: ApiDeps,
  pushTokens: PushTokens,
  input: Record<string, unknown>,
  { accountId, id, current }: PrepareContext<Monitor>,
): Record<string, unknown> {
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
    ...pushTokenProblems(pushTokens, fields, id),
  ];
  if (problems.length > 0) throw validationError(problems);
  return fields;
}

/** A push token must lead to one monitor only. */
function pushTokenProblems(
  pushTokens: PushTokens,
  fields: Record<string, unknown>,
  id: string,
): FieldProblem[] {
  if (fields.type !== 'push' || typeof fields.token !== 'string') return [];
  const owner = pushTokens.monitorFor(fields.token);
  if (owner === undefined || owner === id) return [];
  return [
    {
      field: 'token',
      problem: 'is used by another push monitor; choose another, or omit it for a random one',
    },
  ];
}

/**
 * The input a patch makes of a stored monitor. A new type starts without the old type's
 * fields (an http monitor turned tcp keeps no `url`; one turned push gets a fresh token), and
 * a timeout that was only the default follows a new interval instead of exceeding it.
 */
export function mergeMonitorPatch(
  current: Monitor,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  const dropped = new Set<string>();
  if (Object.hasOwn(patch, 'type') && patch.type !== current.type) {
    for (const key of Object.keys(monitorOptions(current))) dropped.add(key);
  }
  const newInterval =
    Object.hasOwn(patch, 'intervalSeconds') && !Object.hasOwn(patch, 'timeoutSeconds');
  if (newInterval && hasDefaultTimeout(current)) dropped.add('timeoutSeconds');
  const base = Object.fromEntries(Object.entries(current).filter(([key]) => !dropped.has(key)));
  return mergePatch(base, patch);
}

/** Whether the stored timeout is the one the model derives when none is given. */
function hasDefaultTimeout(monitor: Monitor): boolean {
  const { timeoutSeconds, ...rest } = monitor;
  try {
    return parseMonitorInput(rest).timeoutSeconds === timeoutSeconds;
  } catch {
    return false;
  }
}

function presentMonitor(deps: ApiDeps, monitor: Monitor): Record<string, unknown> {
  const push = monitor.type === 'push' && typeof monitor.token === 'string';
  const now = deps.clock.now();
  return {
    ...monitor,
    status: monitorStatus(deps, monitor),
    // Alerts are held while a maintenance window covers the monitor: say so beside its status.
    inMaintenance: deps.maintenance.covers(monitor, now),
    ...(push ? { pushUrl: pushPath(monitor.token as string) } : {}),
  };
}

function monitorStatus(deps: ApiDeps, monitor: Monitor): MonitorStatus {
  if (monitor.paused) return 'paused';
  const state = deps.store.getMonitorState(monitor.id) as Partial<MonitorState> | undefined;
  return state?.status ?? 'unknown';
}

// The common fields for the docs. The model validates them (its schema is not exported, so
// these carry types and defaults, not every bound).
const COMMON_FIELDS: Record<string, JsonSchema> = {
  name: { type: 'string', description: 'Shown in alerts, 1–200 characters' },
  intervalSeconds: {
    type: 'integer',
    minimum: 1,
    default: 60,
    description: 'Seconds between checks',
  },
  timeoutSeconds: {
    type: 'number',
    description: 'Seconds a check may take; default min(interval, 30)',
  },
  retries: {
    type: 'integer',
    minimum: 0,
    default: 0,
    description: 'Failures tolerated before down',
  },
  paused: { type: 'boolean', default: false },
  tags: { type: 'array', items: { type: 'string' } },
  channelIds: { type: 'array', items: { type: 'string' }, description: 'Channels to alert' },
  renotifyMinutes: {
    type: 'integer',
    nullable: true,
    description: 'Re-alert every N minutes while down',
  },
};

/** One variant per monitor type: the common fields and that type's own fields. */
function monitorBodySchema(): JsonSchema {
  return {
    oneOf: MONITOR_TYPES.map((type) => {
      const checker = getChecker(type);
      const options = checker ? jsonSchema(checker.options) : {};
      const required = Array.isArray(options.required) ? (options.required as string[]) : [];
      return {
        type: 'object',
        title: type,
        required: ['name', 'type', ...required],
        properties: {
          ...COMMON_FIELDS,
          type: { type: 'string', enum: [type] },
          ...(options.properties as JsonSchema | undefined),
        },
        additionalProperties: false,
      };
    }),
  };
}
