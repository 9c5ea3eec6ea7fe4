/**
 * Who may read `/metrics` and the API docs (`/api/docs`): anyone, a caller with the
 * operator's token, or callers from some networks (behind trusted proxies: the client's
 * address). A refusal is a 403 (a 401 for a missing or wrong token) with the setting to change.
 */
import { BlockList, isIP } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TirelessError } from '../errors/index.js';
import { sameSecret } from '../secrets/index.js';
import type { SystemAccess } from './deps.js';

/** Throws unless `request` may read what `access` guards; `setting` names it in the message. */
export function checkAccess(request: FastifyRequest, access: SystemAccess, setting: string): void {
  if (access.kind === 'open') return;
  if (access.kind === 'token') {
    const given = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
    if (given !== undefined && sameSecret(given, access.token)) return;
    throw new TirelessError(
      'TIRELESS_UNAUTHORIZED',
      `send the token ${setting} asks for: "Authorization: Bearer <token>"`,
    );
  }
  if (inNetworks(request.ip, access.networks)) return;
  throw new TirelessError(
    'TIRELESS_FORBIDDEN',
    `not from a network ${setting} allows (${access.networks.join(', ')})`,
  );
}

/** Guards every route under each of `prefixes` with `access`. */
export function guardPrefixes(
  app: FastifyInstance,
  prefixes: readonly string[],
  access: SystemAccess | undefined,
  setting: string,
): void {
  if (access === undefined || access.kind === 'open') return;
  app.addHook('onRequest', (request, _reply, done) => {
    const path = request.url.split('?', 1)[0] ?? '';
    try {
      if (prefixes.some((prefix) => path === prefix || path.startsWith(`${prefix}/`)))
        checkAccess(request, access, setting);
      done();
    } catch (error) {
      done(error as Error);
    }
  });
}

function inNetworks(ip: string, networks: readonly string[]): boolean {
  const list = new BlockList();
  for (const network of networks) {
    const [address = '', prefix] = network.split('/');
    const type = isIP(address) === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  // A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  const address = mapped ?? ip;
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 4 ? 'ipv4' : 'ipv6');
}
