import { after, before, describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ApiClient,
  runTireless,
  startTireless,
  tempDir,
  type TirelessProcess,
} from '../testing/index.js';
import type { QuotaName } from '../model/index.js';
import { quotasPatchOf, runQuotasSet } from './quotas.js';

interface Listed {
  id: string;
  name: string;
  quotas: Record<string, number>;
  inForce: Record<string, number>;
  used: { monitors: number; channels: number };
}

const PASSWORD = 'quotas-cli-password';

test('quotas set: every bad flag is named, with its problem, before anything is sent', () => {
  const cases: { values?: Partial<Record<QuotaName, string>>; clear?: string[]; says: RegExp }[] = [
    {
      values: { monitors: 'many' },
      says: /--monitors must be a whole number from 0 \(no limit\) to 10000000, not "many"/,
    },
    {
      values: { channels: '5', minIntervalSeconds: '-1' },
      says: /^quotas set: --min-interval must be a whole number/,
    },
    { values: { minIntervalSeconds: '1.5' }, says: /--min-interval must be a whole number/ },
    {
      values: { maxBodyBytes: '99999999999' },
      says: /--max-body-bytes must be a whole number from 0 \(no limit\) to 67108864/,
    },
    { clear: ['speed'], says: /--clear no quota "speed": one of monitors, min-interval/ },
    {
      values: { monitors: '3' },
      clear: ['monitors'],
      says: /--clear monitors is also set by --monitors/,
    },
    { says: /nothing to change: give --monitors/ },
  ];
  for (const c of cases) {
    assert.throws(
      () => quotasPatchOf(c.values ?? {}, c.clear ?? []),
      (error: Error) => {
        assert.match(error.message, c.says);
        assert.match(error.message, /nothing changed$/);
        return true;
      },
    );
  }
  assert.deepEqual(
    quotasPatchOf({ monitors: '0', pushRequestsPerMinute: ' 60 ' }, ['min-interval', 'channels']),
    {
      monitors: 0,
      pushRequestsPerMinute: 60,
      minIntervalSeconds: null,
      channels: null,
    },
  );
});

void describe('tireless quotas, against a started node', () => {
  let node: TirelessProcess;
  let operator: ApiClient;
  let customerToken: string;

  before(async () => {
    node = await startTireless(tempDir('tireless-quotas-'), {
      args: ['--signup', 'open', '--block-private-targets'],
      env: {
        TIRELESS_QUOTA_MONITORS: '5',
        TIRELESS_QUOTA_MIN_INTERVAL_SECONDS: '60',
        TIRELESS_QUOTA_CHANNELS: '0',
        TIRELESS_QUOTA_API_REQUESTS_PER_MINUTE: '0',
        TIRELESS_QUOTA_PUSH_REQUESTS_PER_MINUTE: '0',
      },
    });
    operator = new ApiClient(node.url);
    await operator.setUp({ email: 'operator@example.com', password: PASSWORD });
    const customer = new ApiClient(node.url);
    const login = { email: 'customer@example.com', password: PASSWORD };
    await customer.expect(202, 'POST', '/api/v1/auth/signup', login);
    customerToken = (
      await customer.expect<{ token: string }>(200, 'POST', '/api/v1/auth/login', login)
    ).token;
    customer.token = customerToken;
    await customer.expect(201, 'POST', '/api/v1/monitors', {
      name: 'shop',
      type: 'http',
      url: 'https://shop.example.com',
      intervalSeconds: 60,
    });
  });
  after(() => node.stop());

  const quotas = (args: string[], token = operator.token ?? '') =>
    runTireless(['quotas', ...args, '--url', node.url, '--token', token]);
  const listed = async () => {
    const reply = await operator.expect<{ items: Listed[] }>(200, 'GET', '/api/v1/accounts');
    const customer = reply.items.find((a) => a.name === 'customer@example.com');
    assert.ok(customer);
    return { all: reply.items, customer };
  };

  it('list: each account, its quotas in force, its own, what it uses', async () => {
    const run = await quotas(['list']);
    assert.equal(run.code, 0, run.stderr);
    const { all, customer } = await listed();
    const lines = run.stdout.trim().split('\n');
    assert.match(
      lines[0] ?? '',
      /^ACCOUNT +NAME +MONITORS +MIN INTERVAL S +MAX BODY B +CHANNELS +API\/MIN +PUSH\/MIN$/,
    );
    assert.equal(lines.length, all.length + 2, run.stdout);
    const operatorLine = lines.find((line) => line.includes('operator@example.com')) ?? '';
    assert.match(operatorLine, /\(operator\) +operator@example\.com +0\/- +- +- +0\/- +- +-$/);
    const customerLine = lines.find((line) => line.startsWith(customer.id)) ?? '';
    assert.match(customerLine, /customer@example\.com +1\/5 +60 +1048576 +0\/- +- +-$/);
  });

  it('defaults: the node’s', async () => {
    const run = await quotas(['defaults']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /monitors \(--monitors\): 5\n/);
    assert.match(run.stdout, /minIntervalSeconds \(--min-interval\): 60\n/);
    assert.match(run.stdout, /channels \(--channels\): no limit\n/);
  });

  it('set: an account’s own quotas, by name or id; --clear returns one to the default', async () => {
    const set = await quotas([
      'set',
      'customer@example.com',
      '--monitors',
      '100',
      '--min-interval',
      '30',
    ]);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /monitors: 100 \(its own\)/);
    let { customer } = await listed();
    assert.deepEqual(customer.quotas, { monitors: 100, minIntervalSeconds: 30 });
    assert.equal(customer.inForce.monitors, 100);

    const cleared = await quotas([
      'set',
      customer.id,
      '--clear',
      'min-interval',
      '--api-requests-per-minute',
      '600',
    ]);
    assert.equal(cleared.code, 0, cleared.stderr);
    ({ customer } = await listed());
    assert.deepEqual(customer.quotas, { monitors: 100, apiRequestsPerMinute: 600 });
    assert.equal(customer.inForce.minIntervalSeconds, 60);
  });

  it('set: a bad value names its flag and changes nothing; so does an unknown account', async () => {
    const before = (await listed()).customer.quotas;
    const run = await quotas([
      'set',
      'customer@example.com',
      '--channels',
      '5',
      '--monitors',
      'many',
    ]);
    assert.equal(run.code, 1, run.stdout);
    assert.match(
      run.stderr,
      /--monitors must be a whole number from 0 \(no limit\) to 10000000, not "many"; nothing changed/,
    );
    const nobody = runQuotasSet({
      url: node.url,
      token: operator.token ?? '',
      log: () => undefined,
      account: 'nobody@example.com',
      values: { monitors: '3' },
      clear: [],
    });
    await assert.rejects(nobody, /no account has the id or name "nobody@example\.com"/);
    assert.deepEqual((await listed()).customer.quotas, before);
  });

  it('refuses a token of another account than the operator’s', async () => {
    const run = await quotas(['set', 'customer@example.com', '--monitors', '999'], customerToken);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /403: only an owner of the operator's account/);
    assert.notEqual((await listed()).customer.quotas.monitors, 999);
  });
});
