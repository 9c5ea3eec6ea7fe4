import { isIP } from 'node:net';

// "1.2.3.4", "1.2.3.4:5353", "::1", "[::1]" or "[::1]:5353": the forms Resolver.setServers takes.
const RESOLVER = /^(?:\[(?<v6>[^\]]+)\]|(?<v4>[\d.]+))(?::(?<port>\d{1,5}))?$/;

/** The IP address in a `resolver` option, or undefined when it is not one of the accepted forms. */
export function resolverAddress(resolver: string): string | undefined {
  if (isIP(resolver) === 6) return resolver;
  const groups = RESOLVER.exec(resolver)?.groups;
  const port = Number(groups?.port ?? 53);
  if (!groups || port < 1 || port > 65535) return undefined;
  if (groups.v6 !== undefined) return isIP(groups.v6) === 6 ? groups.v6 : undefined;
  return groups.v4 !== undefined && isIP(groups.v4) === 4 ? groups.v4 : undefined;
}
