import type { CaaRecord, SoaRecord } from 'node:dns';
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { AddressRefusedError } from '../../net-guard/index.js';
import { withDeadline } from '../deadline.js';
import { describeFailure } from '../failure.js';
import { down, msSince, up } from '../outcome.js';
import type { AddressGuard, CheckOutcome, Runner } from '../types.js';
import type { DnsOptions, DnsRecordType } from './options.js';
import { resolverAddress } from './resolver.js';

type Query = (resolver: Resolver, name: string) => Promise<string[]>;

/** How each record type is asked for, with its answers rendered as text. */
const QUERIES: Readonly<Record<DnsRecordType, Query>> = {
  A: (resolver, name) => resolver.resolve4(name),
  AAAA: (resolver, name) => resolver.resolve6(name),
  CNAME: (resolver, name) => resolver.resolveCname(name),
  NS: (resolver, name) => resolver.resolveNs(name),
  PTR: (resolver, name) => (isIP(name) ? resolver.reverse(name) : resolver.resolvePtr(name)),
  MX: async (resolver, name) =>
    (await resolver.resolveMx(name)).map(({ priority, exchange }) => `${priority} ${exchange}`),
  TXT: async (resolver, name) => (await resolver.resolveTxt(name)).map((parts) => parts.join('')),
  SRV: async (resolver, name) =>
    (await resolver.resolveSrv(name)).map(
      (srv) => `${srv.priority} ${srv.weight} ${srv.port} ${srv.name}`,
    ),
  CAA: async (resolver, name) => (await resolver.resolveCaa(name)).map(caaText),
  SOA: async (resolver, name) => [soaText(await resolver.resolveSoa(name))],
};

/** Resolver error codes in words (ENODATA and ENOTFOUND name the query, so are built apart). */
const DNS_ERRORS: Readonly<Record<string, string>> = {
  ESERVFAIL: 'DNS server failed to answer',
  EREFUSED: 'DNS server refused the query',
  ETIMEOUT: 'DNS server did not answer',
  ECONNREFUSED: 'DNS server refused the connection',
  EBADRESP: 'malformed DNS response',
  EFORMERR: 'DNS server rejected the query as malformed',
};

const MAX_ANSWERS_SHOWN = 5;
/** The properties in which node reports a CAA record's tag and value. */
const CAA_TAGS = ['issue', 'issuewild', 'iodef', 'contactemail', 'contactphone'] as const;

/**
 * Queries one record type with node's c-ares Resolver; up when there is an answer and, if
 * `expected` is set, one answer equals it. Latency is the query time.
 */
export const runDns: Runner<DnsOptions> = (options, ctx) =>
  withDeadline(ctx, async (signal, startedAt) => {
    const guard = ctx.addressGuard;
    const refusal = guard && reverseRefusal(options, guard);
    if (refusal !== undefined) return down(msSince(startedAt), refusal);
    const resolver = newResolver(options, ctx.timeoutMs, guard);
    signal.addEventListener('abort', () => resolver.cancel(), { once: true });
    try {
      const answers = await QUERIES[options.recordType](resolver, options.hostname);
      if (
        guard &&
        ADDRESS_TYPES.has(options.recordType) &&
        answers.some((a) => guard(a) !== undefined)
      ) {
        // Which private address an internal name has is not for a shared service to
        // tell, nor whether it is the one expected: such answers are neither listed nor
        // compared.
        const refused = `${options.hostname} resolves to a private or reserved address, which this server does not report`;
        return down(msSince(startedAt), refused);
      }
      return judgeAnswers(answers, options, msSince(startedAt));
    } catch (error) {
      return down(msSince(startedAt), dnsProblem(error, options));
    }
  });

/** Record types whose answers are addresses. */
const ADDRESS_TYPES: ReadonlySet<DnsRecordType> = new Set(['A', 'AAAA']);

/**
 * Under the SSRF guard, why a PTR query may not be asked: reverse names of private
 * addresses are what the operator's resolver knows of its own network.
 */
function reverseRefusal(options: DnsOptions, guard: AddressGuard): string | undefined {
  if (options.recordType !== 'PTR') return undefined;
  const address = reversedAddress(options.hostname);
  if (address === undefined) {
    return 'PTR queries name a whole address (an IP, or its full in-addr.arpa or ip6.arpa name) on this server';
  }
  return guard(address) === undefined
    ? undefined
    : 'reverse lookups of private or reserved addresses are refused on this server';
}

/** The address a PTR query is about: an IP literal, or a full in-addr.arpa / ip6.arpa name. */
function reversedAddress(name: string): string | undefined {
  if (isIP(name) !== 0) return name;
  const lower = name.toLowerCase().replace(/\.$/, '');
  const v4 = /^((?:\d{1,3}\.){4})in-addr\.arpa$/.exec(lower)?.[1];
  if (v4 !== undefined) {
    const address = v4.slice(0, -1).split('.').reverse().join('.');
    return isIP(address) === 4 ? address : undefined;
  }
  const v6 = /^((?:[0-9a-f]\.){32})ip6\.arpa$/.exec(lower)?.[1];
  if (v6 === undefined) return undefined;
  const hex = v6.replaceAll('.', '').split('').reverse().join('');
  return hex.match(/.{4}/g)?.join(':');
}

function newResolver(options: DnsOptions, timeoutMs: number, guard?: AddressGuard): Resolver {
  // One retry. c-ares (1.34) sends it after about twice this timeout and gives up after
  // about four times, so the retry comes within the deadline and the deadline, not c-ares,
  // ends a check that gets no answer.
  const resolver = new Resolver({ timeout: Math.max(1, Math.floor(timeoutMs / 3)), tries: 2 });
  if (options.resolver !== undefined) {
    const address = resolverAddress(options.resolver) ?? options.resolver;
    const refusal = guard?.(address);
    if (refusal !== undefined) throw new AddressRefusedError(refusal);
    resolver.setServers([options.resolver]);
  }
  return resolver;
}

function judgeAnswers(answers: string[], options: DnsOptions, latencyMs: number): CheckOutcome {
  if (answers.length === 0) return down(latencyMs, noRecords(options));
  const { expected, recordType } = options;
  if (expected === undefined || answers.some((answer) => same(answer, expected, recordType))) {
    return up(latencyMs);
  }
  return down(latencyMs, `expected ${expected}, got ${listAnswers(answers)}`);
}

// DNS names and IPv6 hex digits are case-insensitive; TXT content is not.
function same(answer: string, expected: string, recordType: DnsRecordType): boolean {
  return recordType === 'TXT'
    ? answer === expected
    : answer.toLowerCase() === expected.toLowerCase();
}

function listAnswers(answers: string[]): string {
  const shown = answers.slice(0, MAX_ANSWERS_SHOWN).join(', ');
  const more = answers.length - MAX_ANSWERS_SHOWN;
  return more > 0 ? `${shown} and ${more} more` : shown;
}

function dnsProblem(error: unknown, options: DnsOptions): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'ENODATA') return noRecords(options);
  if (code === 'ENOTFOUND') return `${options.hostname} does not exist (NXDOMAIN)`;
  const phrase = typeof code === 'string' ? DNS_ERRORS[code] : undefined;
  return phrase ? `${phrase} (${code as string})` : describeFailure(error);
}

function noRecords({ recordType, hostname }: DnsOptions): string {
  return `no ${recordType} records for ${hostname}`;
}

function caaText(record: CaaRecord): string {
  const tag = CAA_TAGS.find((name) => record[name] !== undefined);
  return tag === undefined ? String(record.critical) : `${record.critical} ${tag} "${record[tag]}"`;
}

function soaText(soa: SoaRecord): string {
  const { nsname, hostmaster, serial, refresh, retry, expire, minttl } = soa;
  return `${nsname} ${hostmaster} ${serial} ${refresh} ${retry} ${expire} ${minttl}`;
}
