/**
 * The HTTP API: JSON under /api/v1 (bearer tokens, every query scoped to the caller's
 * account), push heartbeats, health, metrics and OpenAPI docs. Built apart from listen():
 * the node listens, tests inject().
 */
export { buildApi } from './build-api.js';
export type { ApiDeps, ApiSettings, SystemAccess } from './deps.js';
export type { ErrorReply } from './error-handler.js';
export type { Caller } from './credentials.js';
export { MONITOR_DERIVED_FIELDS } from './monitors.js';
export { STATUS_PAGE_TTL_MS } from './public-status.js';
export { SHARED_READ_TTL_MS } from './shared-reads.js';
export { setupCodeFor } from './setup-guard.js';
export { createTestApi, signUp, type TestApi } from './testing.js';
