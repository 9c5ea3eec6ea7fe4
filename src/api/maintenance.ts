import type { FastifyInstance } from 'fastify';
import { validationError } from '../errors/index.js';
import { parseMaintenanceInput, type MaintenanceWindow } from '../model/index.js';
import { missingReferences, registerConfigResource } from './config-resource.js';
import type { ApiDeps } from './deps.js';
import type { JsonSchema } from './openapi.js';

/** `/api/v1/maintenance`: CRUD of maintenance windows (alerts are held while one covers a monitor). */
export function registerMaintenanceRoutes(app: FastifyInstance, deps: ApiDeps): void {
  registerConfigResource<MaintenanceWindow>(app, deps, {
    kind: 'maintenance',
    path: '/maintenance',
    idPrefix: 'mw_',
    noun: 'maintenance window',
    bodySchema: MAINTENANCE_BODY,
    prepare: (input, { accountId, current }) => {
      const window = parseMaintenanceInput(input);
      const problems = missingReferences(
        deps,
        accountId,
        'monitor',
        'monitorIds',
        window.monitorIds ?? [],
        current?.monitorIds ?? [],
      );
      if (problems.length > 0) throw validationError(problems);
      return window;
    },
    present: (window) => ({ ...window }),
  });
}

// For the docs; the model validates (its schema is not exported).
const MAINTENANCE_BODY: JsonSchema = {
  type: 'object',
  required: ['name', 'schedule'],
  properties: {
    name: { type: 'string' },
    monitorIds: {
      type: 'array',
      items: { type: 'string' },
      nullable: true,
      description: 'Monitors covered; null (the default) covers every monitor of the account',
    },
    schedule: {
      oneOf: [
        {
          title: 'once',
          type: 'object',
          required: ['kind', 'startsAt', 'endsAt'],
          properties: {
            kind: { type: 'string', enum: ['once'] },
            startsAt: { type: 'integer', description: 'ms since the epoch' },
            endsAt: { type: 'integer', description: 'ms since the epoch, after startsAt' },
          },
        },
        {
          title: 'recurring',
          type: 'object',
          required: ['kind', 'every', 'startTime', 'durationMinutes'],
          properties: {
            kind: { type: 'string', enum: ['recurring'] },
            every: { type: 'string', enum: ['day', 'week'] },
            weekdays: {
              type: 'array',
              items: { type: 'integer' },
              description: '0 = Sunday … 6; for week',
            },
            startTime: { type: 'string', description: '"HH:MM" on the clock of timeZone' },
            durationMinutes: {
              type: 'integer',
              minimum: 1,
              description: 'elapsed minutes; a window may run past midnight',
            },
            timeZone: {
              type: 'string',
              description: 'IANA time zone of startTime and weekdays, e.g. "Europe/Berlin"',
              default: 'UTC',
            },
          },
        },
      ],
    },
  },
};
