/**
 * `GET /api/v1/export`: the account's channels and monitors as the file `tireless apply -f`
 * takes (docs/OPERATIONS.md), so that an export applied to another account or node makes the
 * same channels and monitors there. Secrets are masked as the API's replies show them, which
 * apply understands: it keeps a secret the account has, and refuses to create one it lacks.
 */
import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { getChecker } from '../checks/index.js';
import { ENTITY_FIELDS, type Account, type Channel, type Monitor } from '../model/index.js';
import { SECRET_MASK } from '../secrets/index.js';
import { presentChannel } from './channels.js';
import { findScoped } from './config-resource.js';
import { callerOf } from './credentials.js';
import type { ApiDeps } from './deps.js';
import { attachment, fileSlug } from './downloads.js';
import { shownMonitor } from './monitors.js';
import { routeSchema } from './openapi.js';
import { readInPages } from './paged-read.js';
import { parseQuery } from './request.js';

const exportQuery = z.object({
  format: z.enum(['yaml', 'json']).default('yaml'),
});

/** A channel as the file declares it. */
export interface ChannelEntry {
  name: string;
  type: string;
  config: Record<string, unknown>;
}

/** A monitor as the file declares it: its fields as the API takes them, channels by name. */
export type MonitorEntry = { name: string; type: string; channels?: string[] } & Record<
  string,
  unknown
>;

/** What `tireless apply -f` reads: `channels:` and `monitors:`, each sorted by name. */
export interface ConfigFile {
  channels: ChannelEntry[];
  monitors: MonitorEntry[];
}

/** Fields the server sets, which a file never has. */
const SERVER_FIELDS = new Set([...ENTITY_FIELDS, 'channelIds']);

/** Entries the YAML text formats between turns of the event loop (~1 ms each, under load 10). */
const YAML_ENTRIES_PER_TURN = 20;

export function registerExportRoute(app: FastifyInstance, deps: ApiDeps): void {
  app.get(
    '/api/v1/export',
    {
      schema: routeSchema({
        role: 'viewer',
        tag: 'account',
        summary:
          "The account's channels and monitors as the file `tireless apply -f` takes (YAML, or format=json), secrets masked; a download",
        query: exportQuery,
        responses: {
          200: 'text/yaml (a comment says what is left out) or application/json: { channels: [{ name, type, config }…], monitors: [{ name, type, …fields, channels: [channel name…] }…] }',
        },
        textReply: true,
      }),
    },
    async (request, reply) => {
      const { accountId } = callerOf(request);
      const { format } = parseQuery(exportQuery, request);
      const account = findScoped<Account>(deps, 'account', accountId, accountId);
      const channels = await readInPages(
        (page) =>
          deps.store.listScopedPage<Channel>('channel', accountId, page).map(presentChannel),
        (channel) => channel.id,
      );
      const monitors = await readInPages(
        (page) =>
          deps.store
            .listScopedPage<Monitor>('monitor', accountId, page)
            .map((monitor) => shownMonitor(deps, monitor).shown),
        (monitor) => monitor.id,
      );
      const file = configFile(channels, monitors);
      const name = `tireless-${fileSlug(account.name) || account.id}.${format}`;
      void reply.header('content-disposition', attachment(name));
      if (format === 'json') {
        return reply.type('application/json; charset=utf-8').send(JSON.stringify(file, null, 2));
      }
      const header = headerComment(account, file, new Date(deps.clock.now()));
      return reply.type('text/yaml; charset=utf-8').send(Readable.from(yamlText(header, file)));
    },
  );
}

/**
 * The file of an account's `channels` (as replies show them) and `monitors` (their shown
 * fields): entries sorted by name, a monitor's fields too (after its name and type), without what the server sets (ids, revisions, times) nor a
 * push monitor's token (the server makes it), a monitor's channels by name. Pure.
 */
export function configFile(channels: readonly Channel[], monitors: readonly Monitor[]): ConfigFile {
  const names = new Map(channels.map((channel) => [channel.id, channel.name]));
  return {
    channels: sortedByName(channels).map(({ name, type, config }) => ({ name, type, config })),
    monitors: sortedByName(monitors).map((monitor) => {
      const made = getChecker(monitor.type)?.shownSecretFields ?? [];
      // By name: the same file however the monitor was made (a stored one's order varies).
      const fields = Object.fromEntries(
        Object.entries(monitor)
          .filter(([key]) => !SERVER_FIELDS.has(key) && !made.includes(key))
          .sort(([a], [b]) => compare(a, b)),
      );
      // An id left behind by a channel deleted on another node names nothing: dropped.
      const channelNames = monitor.channelIds.flatMap((id) => names.get(id) ?? []);
      return {
        name: monitor.name,
        type: monitor.type,
        ...fields,
        ...(channelNames.length > 0 ? { channels: channelNames } : {}),
      };
    }),
  };
}

function sortedByName<T extends { name: string; id: string }>(entities: readonly T[]): T[] {
  const order = (a: T, b: T) => compare(a.name, b.name) || compare(a.id, b.id);
  return [...entities].sort(order);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Names a file holds more than once (apply needs each unique): `monitor "shop"`. */
function repeatedNames(file: ConfigFile): string[] {
  return (['channels', 'monitors'] as const).flatMap((kind) => {
    const names = file[kind].map((entry) => entry.name);
    const repeated = new Set(names.filter((name, i) => names.indexOf(name) !== i));
    return [...repeated].map((name) => `${kind.slice(0, -1)} ${JSON.stringify(name)}`);
  });
}

/** The YAML file's opening comment: what it is, how to apply it, what it leaves out. */
function headerComment(account: Account, file: ConfigFile, at: Date): string[] {
  const mask = JSON.stringify(SECRET_MASK);
  const repeated = repeatedNames(file);
  return [
    `Tireless channels and monitors of the account ${JSON.stringify(account.name)} (${account.id}), exported ${at.toISOString()}:`,
    `${count(file.channels.length, 'channel')} and ${count(file.monitors.length, 'monitor')}, in the format of`,
    '  tireless apply -f <this file> --url <node URL> --token <API token of the account to change>',
    `Secrets are NOT in this file: each reads ${mask}, as the API shows it (channels' webhook`,
    "  URLs, tokens, keys and passwords; monitors' request headers and bodies, a URL's user name",
    `  and password). apply keeps the secret an account has already where the file says ${mask};`,
    '  to create the channel or monitor elsewhere, write the secret itself in its place (apply',
    '  refuses to create one with a masked secret, naming the field).',
    "Push monitors' tokens are left out: apply keeps a monitor's own; a new one gets a new token",
    '  (a new push URL for its job to call).',
    'Not in this file: maintenance windows and status pages (apply does not read them), and the',
    '  results (GET /api/v1/monitors/{id}/results.csv).',
    ...(repeated.length > 0
      ? [`apply needs unique names; used more than once here: ${repeated.join(', ')}.`]
      : []),
  ];
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/**
 * The file as YAML text, a few entries at a time with turns of the event loop between them
 * (the YAML library takes ~1 ms an entry: 10,000 monitors at once would hold the checks due).
 */
async function* yamlText(header: readonly string[], file: ConfigFile): AsyncGenerator<string> {
  // Loaded on the first export, not at start: a node that never exports keeps ~1 MB less.
  const { stringify } = await import('yaml');
  yield header.map((line) => `# ${line}\n`).join('');
  for (const kind of ['channels', 'monitors'] as const) {
    const entries = file[kind];
    if (entries.length === 0) {
      yield `${kind}: []\n`;
      continue;
    }
    // A block sequence at its key's indentation: YAML's compact form, as apply reads it.
    yield `${kind}:\n`;
    for (let at = 0; at < entries.length; at += YAML_ENTRIES_PER_TURN) {
      yield stringify(entries.slice(at, at + YAML_ENTRIES_PER_TURN), { lineWidth: 0 });
      await nextTurn();
    }
  }
}
