import { useEffect, useState } from 'preact/hooks';

/** The app's routes; the node answers each with the app's page (src/web APP_ROUTES). */
export const ROUTES = {
  monitors: '/',
  setup: '/setup',
  login: '/login',
  /** Open sign-up: a new account of one's own (or, where sign-up is closed, says so). */
  signup: '/signup',
  newMonitor: '/monitors/new',
  statusPages: '/status-pages',
  settings: '/settings',
  channels: '/channels',
  maintenance: '/maintenance',
  members: '/settings/members',
  /** Accepts an invitation; the link's secret is in the fragment (never sent to a server). */
  invitation: '/invitation',
} as const;

/** A monitor's page, `/monitors/:id` (src/web APP_ROUTES serves the app there too). */
export type MonitorPath = `/monitors/${string}`;

export type Route = (typeof ROUTES)[keyof typeof ROUTES] | MonitorPath;

/** The page of the monitor `id`. */
export function monitorPath(id: string): MonitorPath {
  return `/monitors/${encodeURIComponent(id)}`;
}

/** The monitor id of a monitor page's path, or undefined for any other path. */
export function monitorIdOf(path: string): string | undefined {
  const match = /^\/monitors\/([^/]+)$/.exec(path);
  if (!match?.[1] || path === ROUTES.newMonitor) return undefined;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return undefined; // a malformed escape names no monitor
  }
}

const listeners = new Set<() => void>();

/** Shows `path` without a page load; `replace` keeps it out of the history. */
export function navigate(path: Route, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  for (const listener of listeners) listener();
}

/** The current path, following navigate() and the browser's back and forward. */
export function usePath(): string {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const update = () => setPath(location.pathname);
    listeners.add(update);
    addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      removeEventListener('popstate', update);
    };
  }, []);
  return path;
}

/** Follows a link inside the app without a page load (a modified click opens as usual). */
export function onLink(path: Route) {
  return (event: MouseEvent) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey)
      return;
    event.preventDefault();
    navigate(path);
  };
}
