/**
 * The dashboard scenario's figures from what its clients observed: pure functions,
 * unit-tested in dashboard-figures.test.ts.
 */
import { spreadOf, type Spread } from './stats.js';

/** The bar of the dashboard scenario: an event reaches the browser this soon, p99, ms. */
export const EVENT_P99_MS = 1000;

/** A monitor's latest result as a `state` event carries it (the fields the figures use). */
export interface EventResult {
  slot: number;
  /** When the check started, ms (stamped in the check's thread before it connects). */
  checkedAt: number;
  /** How long the check took, ms (whole ms, as the event carries it). */
  latencyMs: number;
}

/**
 * Every `state` event the dashboards received, in columns (a minute of 20 streams at 1,000
 * events/s is over a million: no object per event).
 */
export class ReceivedEvents {
  readonly receivedAt: number[] = [];
  /** checkedAt + latencyMs: when the check had its result, ms. */
  readonly readyAt: number[] = [];
  readonly slot: number[] = [];

  add(receivedAt: number, result: EventResult): void {
    this.receivedAt.push(receivedAt);
    this.readyAt.push(result.checkedAt + result.latencyMs);
    this.slot.push(result.slot);
  }
}

export interface EventLatency {
  /**
   * received − (checkedAt + latencyMs), ms: from the check's result to the client. The node
   * stores a result after it has it (batched, up to its writer's flush interval) and sends
   * the event as the write commits, so this bounds stored → received from above.
   */
  readyToReceived: Spread;
  /** received − slot, ms: how old the state is when it reaches the client. */
  slotToReceived: Spread;
  /** Events received in the window, over all clients. */
  events: number;
}

/** The latency of the events received in [from, to), each client's copy a sample. */
export function eventLatency(received: ReceivedEvents, from: number, to: number): EventLatency {
  const ready: number[] = [];
  const sinceSlot: number[] = [];
  for (let i = 0; i < received.receivedAt.length; i++) {
    const at = received.receivedAt[i] as number;
    if (at < from || at >= to) continue;
    // Clocks of one machine: a result cannot arrive before it exists; rounding of
    // latencyMs to whole ms can put it a fraction of a ms later.
    ready.push(Math.max(0, at - (received.readyAt[i] as number)));
    sinceSlot.push(at - (received.slot[i] as number));
  }
  return {
    readyToReceived: spreadOf(ready),
    slotToReceived: spreadOf(sinceSlot),
    events: ready.length,
  };
}

/** What one request of a first load was, as a browser would make it. */
export type FirstLoadPart = 'page' | 'asset' | 'api' | 'events';

/** One request of a first load: bytes of its body as sent (gzip where the node gzips). */
export interface FetchedPart {
  part: FirstLoadPart;
  path: string;
  bytes: number;
}

export interface FirstLoadBytes {
  /** Bytes by part, and all of them. */
  page: number;
  asset: number;
  api: number;
  events: number;
  total: number;
  requests: number;
}

/** The bytes of one first load, by part. */
export function firstLoadBytes(parts: readonly FetchedPart[]): FirstLoadBytes {
  const sums: FirstLoadBytes = { page: 0, asset: 0, api: 0, events: 0, total: 0, requests: 0 };
  for (const { part, bytes } of parts) {
    sums[part] += bytes;
    sums.total += bytes;
    sums.requests++;
  }
  return sums;
}

/** Whether the scenario's bars were met: the checks held, and events reached the clients in time. */
export function dashboardVerdict(
  checksHeld: boolean,
  latency: EventLatency,
  streamsDropped: number,
) {
  const eventsOnTime =
    latency.events > 0 && latency.readyToReceived.p99 < EVENT_P99_MS && streamsDropped === 0;
  return { checksHeld, eventsOnTime, held: checksHeld && eventsOnTime };
}

/**
 * What a browser fetches before it runs the page: the paths of its `<script src>` and its
 * `<link rel="stylesheet|modulepreload" href>`, in order, each once (lazy chunks are not
 * named in the page, and are not fetched on the first load of `/`).
 */
export function assetsOf(html: string): string[] {
  const paths: string[] = [];
  for (const [tag] of html.matchAll(/<(?:script|link)\b[^>]*>/gi)) {
    const attribute = (name: string) =>
      new RegExp(`\\s${name}\\s*=\\s*"([^"]*)"`, 'i').exec(tag)?.[1];
    const path = tag.toLowerCase().startsWith('<script')
      ? attribute('src')
      : /^(stylesheet|modulepreload)$/i.test(attribute('rel') ?? '')
        ? attribute('href')
        : undefined;
    if (path !== undefined && !path.startsWith('data:') && !paths.includes(path)) paths.push(path);
  }
  return paths;
}
