/**
 * `tireless quotas`: the accounts' quotas on a running node, for the owner of the operator's
 * account (the one setup made): `list` (each account's quotas in force, its own overrides and
 * what it uses), `set` (an account's own quotas, or `--clear` back to the default) and
 * `defaults` (the node's, from its `TIRELESS_QUOTA_*` settings). Through
 * `GET /api/v1/accounts` and `PATCH /api/v1/accounts/:id/quotas`.
 */
import { TirelessError, type FieldProblem } from '../errors/index.js';
import { QUOTA_NAMES, quotasSchema, type QuotaName, type Quotas } from '../model/index.js';
import { NodeApi } from './node-api.js';

/** Each quota's flag of `quotas set`, and how `list` heads its column. */
export const QUOTA_FLAGS: Readonly<Record<QuotaName, { flag: string; column: string }>> = {
  monitors: { flag: 'monitors', column: 'MONITORS' },
  minIntervalSeconds: { flag: 'min-interval', column: 'MIN INTERVAL S' },
  maxBodyBytes: { flag: 'max-body-bytes', column: 'MAX BODY B' },
  channels: { flag: 'channels', column: 'CHANNELS' },
  apiRequestsPerMinute: { flag: 'api-requests-per-minute', column: 'API/MIN' },
  pushRequestsPerMinute: { flag: 'push-requests-per-minute', column: 'PUSH/MIN' },
};

export interface QuotasOptions {
  /** Base URL of a running node, e.g. `http://127.0.0.1:3000`. */
  url: string;
  /** An API or session token of an owner of the operator's account. */
  token: string;
  /** Receives the lines to print. */
  log: (line: string) => void;
  /** Time each request may take, ms. @defaultValue 10_000 */
  requestTimeoutMs?: number;
}

/** An account as `GET /api/v1/accounts` lists it. */
export interface AccountQuotas {
  id: string;
  name: string;
  operator: boolean;
  quotas: Partial<Quotas>;
  inForce: Quotas;
  used: { monitors: number; channels: number };
}

interface AccountList {
  items: AccountQuotas[];
  defaults: Quotas;
}

const apiOf = (options: QuotasOptions) =>
  new NodeApi(options.url, options.token, options.requestTimeoutMs ?? 10_000);

const accounts = async (api: NodeApi) => (await api.send('GET', '/api/v1/accounts')) as AccountList;

/** `quotas list`: one line per account. */
export async function runQuotasList(options: QuotasOptions): Promise<AccountQuotas[]> {
  const { items } = await accounts(apiOf(options));
  for (const line of formatQuotaList(items)) options.log(line);
  return items;
}

/** `quotas defaults`: the node's default quotas, which bind every account but the operator's. */
export async function runQuotasDefaults(options: QuotasOptions): Promise<Quotas> {
  const { defaults } = await accounts(apiOf(options));
  options.log("The node's default quotas (bind every account but the operator's; 0: no limit):");
  for (const name of QUOTA_NAMES) {
    options.log(`  ${name} (--${QUOTA_FLAGS[name].flag}): ${limitOf(defaults[name])}`);
  }
  return defaults;
}

/**
 * `quotas set <account>`: `values` by quota name as typed after each flag, `clear` the quota
 * (or flag) names to return to the default. Everything is checked before anything is sent,
 * and the change is one request: a bad value changes nothing.
 */
export async function runQuotasSet(
  options: QuotasOptions & {
    account: string;
    values: Partial<Record<QuotaName, string>>;
    clear: readonly string[];
  },
): Promise<AccountQuotas> {
  const patch = quotasPatchOf(options.values, options.clear);
  const api = apiOf(options);
  const account = findAccount((await accounts(api)).items, options.account);
  const saved = (await api.send(
    'PATCH',
    `/api/v1/accounts/${encodeURIComponent(account.id)}/quotas`,
    patch,
  )) as AccountQuotas;
  options.log(`Quotas of ${saved.id} (${saved.name}) now:`);
  for (const name of QUOTA_NAMES) {
    const own = Object.hasOwn(saved.quotas, name) ? 'its own' : 'default';
    options.log(`  ${name}: ${limitOf(saved.inForce[name])} (${own})`);
  }
  return saved;
}

/** The body of the PATCH for these flags, or a validation error naming each bad flag. */
export function quotasPatchOf(
  values: Partial<Record<QuotaName, string>>,
  clear: readonly string[],
): Partial<Record<QuotaName, number | null>> {
  const problems: FieldProblem[] = [];
  const patch: Partial<Record<QuotaName, number | null>> = {};
  for (const name of QUOTA_NAMES) {
    const text = values[name];
    if (text === undefined) continue;
    const field = `--${QUOTA_FLAGS[name].flag}`;
    const parsed = /^\d{1,10}$/.test(text.trim())
      ? quotasSchema.shape[name].safeParse(Number(text.trim()))
      : undefined;
    if (parsed?.success) patch[name] = parsed.data;
    else {
      const { maxValue } = quotasSchema.shape[name];
      const problem = `must be a whole number from 0 (no limit) to ${maxValue}, not ${JSON.stringify(text)}`;
      problems.push({ field, problem });
    }
  }
  for (const given of clear) {
    const name = QUOTA_NAMES.find((n) => n === given || QUOTA_FLAGS[n].flag === given);
    if (name === undefined) {
      const known = QUOTA_NAMES.map((n) => QUOTA_FLAGS[n].flag).join(', ');
      problems.push({
        field: '--clear',
        problem: `no quota ${JSON.stringify(given)}: one of ${known}`,
      });
    } else if (values[name] !== undefined) {
      problems.push({
        field: '--clear',
        problem: `${given} is also set by --${QUOTA_FLAGS[name].flag}: set it or clear it, not both`,
      });
    } else patch[name] = null;
  }
  if (problems.length === 0 && Object.keys(patch).length === 0) {
    const flags = QUOTA_NAMES.map((n) => `--${QUOTA_FLAGS[n].flag}`).join(', ');
    problems.push({ field: '(flags)', problem: `nothing to change: give ${flags} or --clear` });
  }
  if (problems.length > 0) {
    const summary = problems.map((p) => `${p.field} ${p.problem}`).join('; ');
    throw new TirelessError('TIRELESS_VALIDATION', `quotas set: ${summary}; nothing changed`, {
      fields: problems,
    });
  }
  return patch;
}

/** The account named by id, or by name when that is unambiguous. */
function findAccount(items: readonly AccountQuotas[], given: string): AccountQuotas {
  const byId = items.find((account) => account.id === given);
  if (byId) return byId;
  const byName = items.filter((account) => account.name === given);
  if (byName.length === 1 && byName[0]) return byName[0];
  const problem =
    byName.length > 1
      ? `${byName.length} accounts are named ${JSON.stringify(given)}: give the id (${byName.map((a) => a.id).join(', ')})`
      : `no account has the id or name ${JSON.stringify(given)} (tireless quotas list shows them)`;
  throw new TirelessError('TIRELESS_NOT_FOUND', `quotas set: ${problem}; nothing changed`, {
    fields: [{ field: 'account', problem }],
  });
}

const limitOf = (value: number) => (value === 0 ? 'no limit' : String(value));

/**
 * The lines `quotas list` prints: a quota in force per column, `*` after the account's own,
 * `-` for no limit; monitors and channels as used/limit.
 */
export function formatQuotaList(items: readonly AccountQuotas[]): string[] {
  const rows = [
    ['ACCOUNT', 'NAME', ...QUOTA_NAMES.map((name) => QUOTA_FLAGS[name].column)],
    ...items.map((account) => [
      account.operator ? `${account.id} (operator)` : account.id,
      account.name,
      ...QUOTA_NAMES.map((name) => {
        const value = account.inForce[name];
        const limit = (value === 0 ? '-' : String(value)) + (name in account.quotas ? '*' : '');
        return name === 'monitors' || name === 'channels'
          ? `${account.used[name]}/${limit}`
          : limit;
      }),
    ]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return [
    ...rows.map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths?.[i] ?? 0))
        .join('  ')
        .trimEnd(),
    ),
    '(-: no limit; *: set for this account, else the default; monitors and channels as used/limit)',
  ];
}
