import type { AddressGuard } from '../net-guard/index.js';
import {
  startRecordingHttpServer,
  type HttpReply,
  type RecordedRequest,
} from '../testing/index.js';
import { composeNotification } from './compose.js';
import { notifiers, type ChannelType } from './index.js';
import type { Notification, Notifier, SendContext } from './types.js';

/** Test-only: sample notifications and, per notifier, a config aimed at a local receiver. */

/** Where a local receiver listens. */
export interface PeerAddress {
  /** http://127.0.0.1:<port> (smtp://… for the SMTP receiver). */
  url: string;
  host: string;
  port: number;
}

export interface NotifierFixture {
  transport: 'http' | 'smtp';
  /** Config input that delivers to the receiver at `peer`, with every secret field set. */
  config(peer: PeerAddress): Record<string, unknown>;
  /** How the real service answers a message it accepted (http only). */
  accepted?: Exclude<HttpReply, 'no-reply'>;
  /** A change to the config the schema must reject, and the field its issue must name. */
  invalid: { change: Record<string, unknown>; field: string };
}

export type HttpChannelType = Exclude<ChannelType, 'email'>;

/** The SMTP receiver of the email fixture requires these. */
export const SMTP_CREDENTIALS = { username: 'tireless', password: 'smtp-secret-password' };

export const FIXTURES: Record<ChannelType, NotifierFixture> = {
  email: {
    transport: 'smtp',
    config: ({ host, port }) => ({
      host,
      port,
      ...SMTP_CREDENTIALS,
      from: 'alerts@tireless.example',
      to: ['ops@example.com', 'oncall@example.com'],
    }),
    invalid: { change: { to: [] }, field: 'to' },
  },
  webhook: {
    transport: 'http',
    config: ({ url }) => ({
      url: `${url}/hooks/tireless`,
      secret: 'webhook-signing-secret',
      authorization: 'Bearer webhook-auth-secret',
      headers: { 'x-team': 'ops' },
    }),
    invalid: { change: { url: 'ftp://example.com/hook' }, field: 'url' },
  },
  slack: {
    transport: 'http',
    config: ({ url }) => ({ webhookUrl: `${url}/services/T000/B000/slack-secret-token` }),
    accepted: { status: 200, body: 'ok' },
    invalid: { change: { webhookUrl: 'hooks.slack.com/services/x' }, field: 'webhookUrl' },
  },
  discord: {
    transport: 'http',
    config: ({ url }) => ({ webhookUrl: `${url}/api/webhooks/123/discord-secret-token` }),
    accepted: { status: 200, body: { id: '1', type: 0, channel_id: '2' } },
    invalid: { change: { webhookUrl: 42 }, field: 'webhookUrl' },
  },
  teams: {
    transport: 'http',
    config: ({ url }) => ({
      webhookUrl: `${url}/workflows/abc/triggers/manual/paths/invoke?sig=teams-secret-sig`,
    }),
    accepted: { status: 202 },
    invalid: { change: { webhookUrl: '' }, field: 'webhookUrl' },
  },
  telegram: {
    transport: 'http',
    config: ({ url }) => ({
      botToken: '123456:telegram-secret-token',
      chatId: '-1001234567890',
      apiUrl: url,
    }),
    accepted: { status: 200, body: { ok: true, result: { message_id: 7 } } },
    invalid: { change: { chatId: 'my group' }, field: 'chatId' },
  },
  pagerduty: {
    transport: 'http',
    config: ({ url }) => ({
      routingKey: 'pdsecretpdsecretpdsecretpdsecret',
      eventsUrl: `${url}/v2/enqueue`,
    }),
    accepted: {
      status: 202,
      body: { status: 'success', message: 'Event processed', dedup_key: 'inc-42' },
    },
    invalid: { change: { routingKey: 'too-short' }, field: 'routingKey' },
  },
  opsgenie: {
    transport: 'http',
    config: ({ url }) => ({ apiKey: 'opsgenie-secret-key', apiUrl: url }),
    accepted: {
      status: 202,
      body: { result: 'Request will be processed', took: 0.1, requestId: 'req-1' },
    },
    invalid: { change: { apiKey: '   ' }, field: 'apiKey' },
  },
  ntfy: {
    transport: 'http',
    config: ({ url }) => ({
      serverUrl: url,
      topic: 'tireless-alerts',
      token: 'tk_ntfysecrettoken',
    }),
    accepted: { status: 200, body: { id: 'm1', event: 'message', topic: 'tireless-alerts' } },
    invalid: { change: { topic: 'bad topic!' }, field: 'topic' },
  },
  pushover: {
    transport: 'http',
    config: ({ url }) => ({
      token: 'pushoverSecretToken00000000000',
      user: 'pushoverSecretUser000000000000',
      apiUrl: url,
    }),
    accepted: { status: 200, body: { status: 1, request: 'req-1' } },
    invalid: { change: { priority: 2 }, field: 'priority' },
  },
  gotify: {
    transport: 'http',
    config: ({ url }) => ({ serverUrl: url, appToken: 'gotify-secret-token' }),
    accepted: { status: 200, body: { id: 1, appid: 1, title: 't', message: 'm', priority: 8 } },
    invalid: { change: { priority: 11 }, field: 'priority' },
  },
  matrix: {
    transport: 'http',
    config: ({ url }) => ({
      homeserverUrl: url,
      accessToken: 'matrix-secret-token',
      roomId: '!room:example.org',
    }),
    accepted: { status: 200, body: { event_id: '$event1' } },
    invalid: { change: { roomId: '#alerts:example.org' }, field: 'roomId' },
  },
};

const monitor = { id: 'mon-1', name: 'Shop', type: 'http', target: 'https://shop.example.com' };
const checked = { slot: '2024-05-01T12:00:00.000Z', node: 'node-a', region: 'eu-west' };
const downResult = {
  ...checked,
  checkedAt: '2024-05-01T12:00:01.000Z',
  status: 'down' as const,
  latencyMs: 10000,
  error: 'timeout after 10 s',
};
const incident = { id: 'inc-42', started: '2024-05-01T12:00:01.000Z' };

/** One composed notification of each kind, about the same monitor. */
export const SAMPLES = {
  down: composeNotification({
    event: 'monitor.down',
    at: '2024-05-01T12:00:01.000Z',
    monitor,
    incident,
    result: downResult,
  }),
  reminder: composeNotification({
    event: 'monitor.down',
    at: '2024-05-01T12:30:01.000Z',
    monitor,
    incident,
    result: { ...downResult, checkedAt: '2024-05-01T12:30:01.000Z' },
    reminder: 2,
  }),
  up: composeNotification({
    event: 'monitor.up',
    at: '2024-05-01T12:04:01.000Z',
    monitor,
    incident: { ...incident, ended: '2024-05-01T12:04:01.000Z' },
    result: { ...checked, checkedAt: '2024-05-01T12:04:01.000Z', status: 'up', latencyMs: 120 },
  }),
  certificate: composeNotification({
    event: 'certificate.expiring',
    at: '2024-05-01T12:00:00.000Z',
    monitor: { id: 'mon-2', name: 'Shop TLS', type: 'tls', target: 'shop.example.com:443' },
    certificate: { daysLeft: 7, expiresAt: '2024-05-08T12:00:00.000Z' },
  }),
  test: composeNotification({ event: 'test', at: '2024-05-01T12:00:00.000Z', monitor }),
} satisfies Record<string, Notification>;

/** A context with a fresh signal; `timeoutMs` default 2000. */
export function testContext(timeoutMs = 2000, signal = new AbortController().signal): SendContext {
  return { timeoutMs, signal, now: Date.now() };
}

/** An address guard refusing `addresses`, as a shared deployment refuses private ones. */
export function refusing(...addresses: string[]): AddressGuard {
  return (address) =>
    addresses.includes(address) ? `address ${address} is not allowed` : undefined;
}

/** The receiver at `peer` reached by the name localhost rather than its address. */
export function byName(peer: PeerAddress): PeerAddress {
  return { ...peer, url: peer.url.replace(peer.host, 'localhost'), host: 'localhost' };
}

/** The config's values under the notifier's secret fields. */
export function secretsOf(type: ChannelType, config: Record<string, unknown>): string[] {
  const values = notifiers[type].secretFields.map((field) => config[field]);
  return values.filter((value): value is string => typeof value === 'string');
}

/** Fields that replace the fixture config's; a function gets the receiver's address. */
export type ConfigChange =
  Record<string, unknown> | ((peer: PeerAddress) => Record<string, unknown>);

/**
 * Sends each notification through the `type` notifier (its fixture config, with
 * `configChange` applied) to a fresh recording server that answers as the service does,
 * and returns the requests the server received, in order.
 */
export async function captureRequests(
  type: HttpChannelType,
  notifications: readonly Notification[],
  configChange: ConfigChange = {},
): Promise<RecordedRequest[]> {
  const fixture = FIXTURES[type];
  const server = await startRecordingHttpServer(() => fixture.accepted ?? { status: 200 });
  try {
    const notifier: Notifier = notifiers[type];
    const change = typeof configChange === 'function' ? configChange(server) : configChange;
    const config = notifier.config.parse({ ...fixture.config(server), ...change });
    for (const notification of notifications) {
      await notifier.send(notification, config, testContext());
    }
    return server.requests;
  } finally {
    await server.close();
  }
}

/** The one request that delivering `notification` made. */
export async function captureRequest(
  type: HttpChannelType,
  notification: Notification,
  configChange: ConfigChange = {},
): Promise<RecordedRequest> {
  const [request] = await captureRequests(type, [notification], configChange);
  if (!request) throw new Error(`${type} sent no request`);
  return request;
}

/** Delivers the down sample through the `type` notifier to a server that answers `reply`. */
export async function deliverAgainst(
  type: HttpChannelType,
  reply: Exclude<HttpReply, 'no-reply'>,
): Promise<void> {
  const server = await startRecordingHttpServer(() => reply);
  try {
    const notifier: Notifier = notifiers[type];
    const config = notifier.config.parse(FIXTURES[type].config(server));
    await notifier.send(SAMPLES.down, config, testContext());
  } finally {
    await server.close();
  }
}
