/**
 * A logged-in browser on the dashboard, as the bench plays it over real HTTP: the session
 * cookie from the login form's route, the first load of `/` (the page, the assets it names,
 * then the calls the app makes: who is logged in, the monitor list and its summaries, and
 * the event stream up to its snapshot), the stream kept open and read, and the list read
 * again each minute as web/src/monitors.tsx does.
 */
import { Agent, get } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { openEventStream, type EventStream, type ServerSentEvent } from '../testing/index.js';
import {
  assetsOf,
  type EventResult,
  type FetchedPart,
  type FirstLoadPart,
} from './dashboard-figures.js';

/** Chromium's accept-encoding (the node answers gzip where it compresses). */
const ACCEPT_ENCODING = 'gzip, deflate, br, zstd';
/** Connections a browser opens to one HTTP/1.1 origin at most. */
const BROWSER_SOCKETS = 6;
/** Results per monitor the list's bars show: RECENT_RESULTS of web/src/monitor-data.ts. */
const RECENT_RESULTS = 30;
/** How often the list reads the monitors and summaries again: SUMMARY_EVERY_MS of web/src/monitors.tsx. */
const LIST_EVERY_MS = 60_000;
/** A first load whose event stream sends no snapshot in this long fails the run, ms. */
const SNAPSHOT_TIMEOUT_MS = 60_000;

/** The paths of the monitor list's two reads, on the first load and each minute after. */
export const LIST_PATHS = ['/api/v1/monitors', `/api/v1/monitors/summary?recent=${RECENT_RESULTS}`];

/** Logs in as a browser does (`POST /api/v1/auth/session`); returns its session cookie. */
export async function browserLogIn(
  baseUrl: string,
  owner: { email: string; password: string },
): Promise<string> {
  const reply = await fetch(`${baseUrl}/api/v1/auth/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(owner),
  });
  const cookie = (reply.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  if (reply.status !== 201 || cookie === '') {
    throw new Error(`browser login: ${reply.status} ${await reply.text()}`);
  }
  return cookie;
}

/** A GET as a browser makes it: the body's bytes as sent, and the body decoded. */
export function browserGet(
  agent: Agent,
  url: string,
  cookie?: string,
): Promise<{ bytes: number; body: Buffer }> {
  const headers = { 'accept-encoding': ACCEPT_ENCODING, ...(cookie ? { cookie } : {}) };
  return new Promise((resolve, reject) => {
    get(url, { agent, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.once('error', reject);
      response.once('end', () => {
        const raw = Buffer.concat(chunks);
        if (response.statusCode !== 200) {
          reject(new Error(`GET ${url}: ${response.statusCode} ${raw.toString().slice(0, 200)}`));
          return;
        }
        const gzip = response.headers['content-encoding'] === 'gzip';
        resolve({ bytes: raw.length, body: gzip ? gunzipSync(raw) : raw });
      });
    }).once('error', reject);
  });
}

/** The list's two reads together, as the app makes them each minute. */
export async function readList(agent: Agent, baseUrl: string, cookie: string): Promise<void> {
  await Promise.all(LIST_PATHS.map((path) => browserGet(agent, baseUrl + path, cookie)));
}

/** A dashboard left open after its first load. */
export interface Dashboard {
  /** The first load: start of the page's GET → the event stream's snapshot read, ms. */
  firstLoadMs: number;
  /** Its requests, in the order they finished. */
  parts: FetchedPart[];
  /** How long each later read of the list took (both requests), ms. */
  listReadsMs: number[];
  /** Whether its event stream ended before close(). */
  dropped(): boolean;
  close(): void;
}

/**
 * Opens the dashboard at `/` with the session `cookie`; each `state` event its stream reads
 * is told to `onState` with when it arrived.
 */
export async function openDashboard(
  baseUrl: string,
  cookie: string,
  onState: (receivedAt: number, result: EventResult) => void,
): Promise<Dashboard> {
  const agent = new Agent({ keepAlive: true, maxSockets: BROWSER_SOCKETS });
  const parts: FetchedPart[] = [];
  const fetchPart = async (part: FirstLoadPart, path: string) => {
    const { bytes, body } = await browserGet(agent, baseUrl + path, cookie);
    parts.push({ part, path, bytes });
    return body;
  };
  const started = performance.now();
  const page = (await fetchPart('page', '/')).toString();
  await Promise.all(assetsOf(page).map((path) => fetchPart('asset', path)));
  await fetchPart('api', '/api/v1/auth/session');
  // The list page mounts: its two reads and its event stream start together.
  let snapshotRead: (bytes: number) => void = () => undefined;
  let giveUp: () => void = () => undefined;
  const snapshot = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no snapshot on the event stream in ${SNAPSHOT_TIMEOUT_MS} ms`)),
      SNAPSHOT_TIMEOUT_MS,
    );
    giveUp = () => clearTimeout(timer);
    snapshotRead = (bytes) => {
      clearTimeout(timer);
      resolve(bytes);
    };
  });
  const onEvent = (event: ServerSentEvent, receivedAt: number) => {
    if (event.event === 'state') {
      const { latest } = event.data as { latest: EventResult | null };
      if (latest) onState(receivedAt, latest);
    } else if (event.event === 'snapshot') {
      // As sent: `event: snapshot\ndata: <json>\n\n` (the node writes JSON.stringify's text).
      snapshotRead(Buffer.byteLength(`event: snapshot\ndata: ${JSON.stringify(event.data)}\n\n`));
    }
  };
  const [stream] = await Promise.all([
    openEventStream(`${baseUrl}/api/v1/events`, { cookie }, { onEvent }),
    ...LIST_PATHS.map((path) => fetchPart('api', path)),
  ]).catch((error: unknown) => {
    giveUp();
    throw error;
  });
  const snapshotBytes = await snapshot;
  parts.push({ part: 'events', path: '/api/v1/events', bytes: snapshotBytes });
  const firstLoadMs = performance.now() - started;
  return keepOpen(baseUrl, cookie, agent, stream, { firstLoadMs, parts });
}

function keepOpen(
  baseUrl: string,
  cookie: string,
  agent: Agent,
  stream: EventStream,
  firstLoad: Pick<Dashboard, 'firstLoadMs' | 'parts'>,
): Dashboard {
  const listReadsMs: number[] = [];
  const timer = setInterval(() => {
    const started = performance.now();
    void readList(agent, baseUrl, cookie).then(
      () => listReadsMs.push(performance.now() - started),
      // A failed read shows as a missing sample; the app would show its error and try again.
      () => undefined,
    );
  }, LIST_EVERY_MS);
  let closed = false;
  return {
    ...firstLoad,
    listReadsMs,
    dropped: () => stream.ended && !closed,
    close: () => {
      closed = true;
      clearInterval(timer);
      stream.close();
      agent.destroy();
    },
  };
}
