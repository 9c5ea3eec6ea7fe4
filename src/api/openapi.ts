/**
 * OpenAPI documentation. Routes carry JSON schemas for the docs only: the validator and
 * serializer compilers are replaced, so zod alone validates input (its field names are the
 * ones every error reports) and replies are sent as they are.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema } from 'fastify';
import { z } from 'zod';
import { TirelessError } from '../errors/index.js';
import type { Role } from '../model/index.js';

export type JsonSchema = Record<string, unknown>;

/** The OpenAPI extension a route's least role is declared in (see roles.ts). */
export const ROLE_KEY = 'x-tireless-role';

/** Where the UI is served; the document is at `${DOCS_PREFIX}/json`. */
export const DOCS_PREFIX = '/api/docs';

export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  app.setValidatorCompiler(() => () => true);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Tireless API',
        version,
        description: 'Errors are `{ error: { code, message, fields? } }`; see docs/ERRORS.md.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX });
}

/** A zod schema as a self-contained OpenAPI 3.0 schema of what a client may send. */
export function jsonSchema(schema: z.ZodType): JsonSchema {
  const converted = z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io: 'input',
    unrepresentable: 'any',
  }) as JsonSchema;
  const definitions = (converted.definitions ?? {}) as Record<string, unknown>;
  delete converted.$schema;
  delete converted.definitions;
  return inlineDefinitions(converted, definitions);
}

const DEFINITION_REF = '#/definitions/';

/**
 * zod puts a schema used twice or within itself (`z.json()`: a JSON value holds JSON values)
 * in local `definitions`, which an OpenAPI document has no place for: its references would
 * point nowhere. Each reference is replaced by the definition; inside itself, by `{}` (any
 * value), which is what a nested JSON value is.
 */
function inlineDefinitions(schema: JsonSchema, definitions: Record<string, unknown>): JsonSchema {
  const inline = (node: unknown, within: ReadonlySet<string>): unknown => {
    if (Array.isArray(node)) return node.map((item) => inline(item, within));
    if (node === null || typeof node !== 'object') return node;
    const { $ref: ref, ...rest } = node as JsonSchema;
    const entries = Object.entries(rest).map(([key, value]) => [key, inline(value, within)]);
    if (typeof ref !== 'string') return Object.fromEntries(entries);
    const name = ref.startsWith(DEFINITION_REF) ? ref.slice(DEFINITION_REF.length) : undefined;
    if (name === undefined || !Object.hasOwn(definitions, name)) {
      throw new TirelessError(
        'TIRELESS_INTERNAL',
        `jsonSchema: cannot inline the reference ${ref}`,
      );
    }
    const target = within.has(name) ? {} : inline(definitions[name], new Set([...within, name]));
    return { ...(target as JsonSchema), ...Object.fromEntries(entries) };
  };
  return inline(schema, new Set()) as JsonSchema;
}

/** One type of an entity (a monitor's, a channel's) as `GET /api/v1/…-types` describes it. */
export interface TypeDescription {
  type: string;
  /** The type's own fields. */
  schema: JsonSchema;
  /** Fields sealed at rest and masked in replies. */
  secretFields: readonly string[];
}

/** Each of `types` described from its schema (`of` gives it, or undefined for none). */
export function describeTypes(
  types: readonly string[],
  of: (type: string) => { schema: z.ZodType; secretFields?: readonly string[] } | undefined,
): TypeDescription[] {
  return types.map((type) => {
    const found = of(type);
    return {
      type,
      schema: found ? jsonSchema(found.schema) : {},
      secretFields: found?.secretFields ?? [],
    };
  });
}

export interface RouteDocs {
  /** One line for the operation list. */
  summary: string;
  /** The resource group, e.g. `monitors`. */
  tag: string;
  body?: JsonSchema;
  query?: z.ZodType;
  /** Path parameter names; each is a string. */
  params?: readonly string[];
  /** Description of each success status; 204 has no body. */
  responses: Record<number, string>;
  /** Reachable without a bearer token. */
  public?: boolean;
  /**
   * The least role in the account the caller needs (checked before the handler runs);
   * required for every route that is not public (see roles.ts).
   */
  role?: Role;
  /** The reply is text, not a JSON object. */
  textReply?: boolean;
}

/** The route `schema` that documents a route in the OpenAPI document. */
export function routeSchema(docs: RouteDocs): FastifySchema {
  return {
    summary: docs.summary,
    tags: [docs.tag],
    ...(docs.public ? { security: [] } : {}),
    ...(docs.role ? { [ROLE_KEY]: docs.role, description: `Needs the ${docs.role} role.` } : {}),
    ...(docs.body ? { body: docs.body } : {}),
    ...(docs.query ? { querystring: jsonSchema(docs.query) } : {}),
    ...(docs.params ? { params: paramsSchema(docs.params) } : {}),
    response: Object.fromEntries(
      Object.entries(docs.responses).map(([status, description]) => [
        status,
        { description, type: status === '204' ? 'null' : docs.textReply ? 'string' : 'object' },
      ]),
    ),
  };
}

function paramsSchema(names: readonly string[]): JsonSchema {
  return {
    type: 'object',
    properties: Object.fromEntries(names.map((name) => [name, { type: 'string' }])),
    required: [...names],
  };
}
