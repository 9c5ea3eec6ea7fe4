import type { FastifyInstance } from 'fastify';
import type { UniqueName } from '../cluster/index.js';
import { validationError, type FieldProblem } from '../errors/index.js';
import {
  entitySchema,
  parseStatusPageInput,
  statusPageInputSchema,
  type StatusPage,
} from '../model/index.js';
import { missingReferences, registerConfigResource } from './config-resource.js';
import type { ApiDeps } from './deps.js';
import { jsonSchema } from './openapi.js';

/**
 * `/api/v1/status-pages`: CRUD of public status pages. A slug (and a custom domain) is
 * unique on the node, and in a cluster across it; every monitor must be the account's.
 */
export function registerStatusPageRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const input = jsonSchema(statusPageInputSchema);
  const entity = jsonSchema(entitySchema);
  registerConfigResource<StatusPage>(app, deps, {
    kind: 'status-page',
    path: '/status-pages',
    idPrefix: 'sp_',
    noun: 'status page',
    bodySchema: input,
    replySchema: {
      type: 'object',
      required: [...(entity.required as string[]), 'slug', 'title', 'monitorIds'],
      properties: {
        ...(entity.properties as object),
        ...(input.properties as object),
      },
    },
    prepare: (body, { accountId, id, current }) => {
      const page = parseStatusPageInput(body);
      const problems = [
        ...takenProblems(deps, page, id),
        ...missingReferences(
          deps,
          accountId,
          'monitor',
          'monitorIds',
          page.monitorIds,
          current?.monitorIds,
        ),
      ];
      if (problems.length > 0) throw validationError(problems);
      return page;
    },
    unique: (fields) => uniqueNames(fields as Pick<StatusPage, 'slug' | 'customDomain'>),
    present: (page) => ({ ...page }),
  });
}

/** The names a page holds alone: its slug, and its custom domain if it has one. */
function uniqueNames(page: Pick<StatusPage, 'slug' | 'customDomain'>): UniqueName[] {
  return [
    { name: `status-page.slug.${page.slug}`, taken: 'a status page with this slug exists' },
    ...(page.customDomain === undefined
      ? []
      : [
          {
            name: `status-page.domain.${page.customDomain}`,
            taken: 'a status page with this custom domain exists',
          },
        ]),
  ];
}

/**
 * Field problems for a slug or domain another page of any account holds in this replica, or
 * held before and still claims (a claim stays with its page while the page exists). The
 * writer's claims settle a race between nodes with a 409.
 */
function takenProblems(
  deps: ApiDeps,
  page: Pick<StatusPage, 'slug' | 'customDomain'>,
  id: string,
): FieldProblem[] {
  const others = deps.store.listAll<StatusPage>('status-page').filter((other) => other.id !== id);
  const claimedByOther = (name: string) => {
    const holder = deps.store.claimOf(name)?.split('.')[2];
    return holder !== undefined && others.some((other) => other.id === holder);
  };
  const problems: FieldProblem[] = [];
  if (
    others.some((other) => other.slug === page.slug) ||
    claimedByOther(`status-page.slug.${page.slug}`)
  ) {
    problems.push({ field: 'slug', problem: 'is taken by another status page; choose another' });
  }
  if (
    page.customDomain !== undefined &&
    (others.some((other) => other.customDomain === page.customDomain) ||
      claimedByOther(`status-page.domain.${page.customDomain}`))
  ) {
    problems.push({ field: 'customDomain', problem: 'is used by another status page' });
  }
  return problems;
}
