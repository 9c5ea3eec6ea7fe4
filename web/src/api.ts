/** The dashboard's one way to the API: JSON, the session cookie, and its CSRF token. */

export interface FieldProblem {
  field: string;
  problem: string;
}

/** An error answer of the API (`{ error: { code, message, fields? } }`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: readonly FieldProblem[],
  ) {
    super(message);
  }
}

export type Role = 'viewer' | 'member' | 'admin' | 'owner';

/** Every role, least first (as the API orders them). */
export const ROLES: readonly Role[] = ['viewer', 'member', 'admin', 'owner'];

/** Whether `role` may do what `least` may. */
export function atLeast(role: Role, least: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(least);
}

/** The logged-in user, with the account the session acts in and its role there. */
export interface User {
  id: string;
  email: string;
  role: Role;
  accountId: string;
  /** Every account the user belongs to (home first), with its role in each. */
  accounts: { id: string; name: string; role: Role }[];
}

export interface Session {
  user: User | null;
  csrfToken: string | null;
  setupOpen: boolean;
  /** Whether setup asks for the one-time code `tireless start` printed (only while it is open). */
  setupCodeRequired?: boolean;
  /** Whether anyone may sign up for an account of their own (`--signup open`). */
  signupOpen?: boolean;
}

let csrfToken: string | null = null;
let sessionEnded: () => void = () => undefined;

/** Told when the API refuses the session (it expired, or was logged out elsewhere). */
export function onSessionEnded(handler: () => void): void {
  sessionEnded = handler;
}

/** The session's CSRF token, sent with every change (the cookie alone is refused). */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Calls the API; throws ApiError for an error answer. */
export async function call<T>(
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  const reply = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: {
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(method !== 'GET' && csrfToken ? { 'x-csrf-token': csrfToken } : {}),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await reply.text();
  const data = text ? (JSON.parse(text) as unknown) : undefined;
  // Only for a session in use: a wrong password at login answers 401 too.
  if (reply.status === 401 && csrfToken) sessionEnded();
  if (!reply.ok) {
    const error = (data as { error?: { code?: string; message?: string; fields?: FieldProblem[] } })
      ?.error;
    throw new ApiError(
      reply.status,
      error?.code ?? 'UNKNOWN',
      error?.message ?? `HTTP ${reply.status}`,
      error?.fields ?? [],
    );
  }
  return data as T;
}

/** A monitor as `GET /api/v1/monitors` lists it (the fields the dashboard shows). */
export interface Monitor {
  id: string;
  name: string;
  type: string;
  paused: boolean;
  url?: string;
  host?: string;
  port?: number;
}

/** The latest result of a monitor, as the event stream sends it. */
export interface ResultSummary {
  slot: number;
  checkedAt: number;
  status: 'up' | 'down';
  latencyMs: number;
  error: string | null;
}

/** One monitor's state on the event stream (`GET /api/v1/events`). */
export interface StateItem {
  monitorId: string;
  status: 'up' | 'down' | 'unknown' | 'paused';
  inMaintenance: boolean;
  latest: ResultSummary | null;
}
