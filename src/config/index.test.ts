import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { envName, loadSettings } from './index.js';
import { TirelessError } from '../errors/index.js';

test('defaults, then environment, then flags', () => {
  assert.equal(loadSettings({}, {}).port, 3000);
  assert.equal(loadSettings({}, {}).dataDir, './tireless-data');
  assert.equal(loadSettings({}, { TIRELESS_PORT: '4000' }).port, 4000);
  assert.equal(loadSettings({ port: 5000 }, { TIRELESS_PORT: '4000' }).port, 5000);
  assert.equal(
    loadSettings({}, { TIRELESS_BLOCK_PRIVATE_TARGETS: 'true' }).blockPrivateTargets,
    true,
  );
  assert.equal(
    loadSettings({}, { TIRELESS_BLOCK_PRIVATE_TARGETS: 'false' }).blockPrivateTargets,
    false,
  );
});

/** The TIRELESS_CONFIG error loadSettings throws, or a failure when it does not throw. */
function configError(flags: Record<string, unknown>, env: Record<string, string>): string {
  try {
    loadSettings(flags, env);
  } catch (error) {
    assert.ok(error instanceof TirelessError && error.code === 'TIRELESS_CONFIG', String(error));
    return error.message;
  }
  return assert.fail(`accepted ${JSON.stringify([flags, env])}`);
}

test('numbers parse strictly: whole numbers in decimal digits, for every numeric setting', () => {
  const defaults = loadSettings({}, {});
  const numeric = Object.keys(defaults).filter(
    (key) => typeof defaults[key as keyof typeof defaults] === 'number',
  );
  assert.ok(numeric.includes('port') && numeric.includes('heartbeatMs'), String(numeric));
  for (const key of numeric) {
    for (const bad of ['abc', '1e3', '0x10', '1_000', '1.5', '12abc', ' 12', 'Infinity']) {
      const message = configError({}, { [envName(key)]: bad });
      const named = `${key} (${envName(key)}): must be a whole number in decimal digits (got ${JSON.stringify(bad)})`;
      assert.ok(message.includes(named), `${key}=${bad}: ${message}`);
      assert.equal(message.split(key).length, 2, `reported once: ${message}`);
    }
  }
  assert.equal(loadSettings({ port: '4001' }, {}).port, 4001);
  assert.equal(loadSettings({}, { TIRELESS_RETENTION_DAYS: '0090' }).retentionDays, 90);
});

test('booleans parse strictly: true/false, 1/0, yes/no, on/off, for every boolean setting', () => {
  for (const key of ['blockPrivateTargets', 'allowPrivateTargets'] as const) {
    for (const bad of ['yes-please', 'enabled', '2', 'truthy', 'null']) {
      const message = configError({}, { [envName(key)]: bad });
      const named = `${key} (${envName(key)}): must be true or false (or 1/0, yes/no, on/off) (got "${bad}")`;
      assert.ok(message.includes(named), `${key}=${bad}: ${message}`);
    }
  }
  const cases: [string, boolean][] = [
    ['true', true],
    ['TRUE', true],
    ['1', true],
    ['yes', true],
    ['On', true],
    ['false', false],
    ['0', false],
    ['no', false],
    ['off', false],
  ];
  for (const [text, value] of cases) {
    const settings = loadSettings({}, { TIRELESS_BLOCK_PRIVATE_TARGETS: text });
    assert.equal(settings.blockPrivateTargets, value, text);
  }
});

test('open sign-up needs the SSRF guard on, or private targets allowed on purpose', () => {
  const open = { TIRELESS_SIGNUP: 'open' };
  assert.equal(loadSettings({}, {}).blockPrivateTargets, false, 'closed: off unless set');
  assert.match(
    configError({}, open),
    /blockPrivateTargets \(TIRELESS_BLOCK_PRIVATE_TARGETS\): open sign-up .*--block-private-targets.*--allow-private-targets, TIRELESS_ALLOW_PRIVATE_TARGETS=true/,
  );
  assert.match(
    configError({}, { ...open, TIRELESS_BLOCK_PRIVATE_TARGETS: 'false' }),
    /open sign-up/,
    'turned off without saying it is meant',
  );
  assert.equal(
    loadSettings({ blockPrivateTargets: true }, open).blockPrivateTargets,
    true,
    'the --block-private-targets flag',
  );
  const allowed = loadSettings({}, { ...open, TIRELESS_ALLOW_PRIVATE_TARGETS: 'true' });
  assert.deepEqual([allowed.blockPrivateTargets, allowed.allowPrivateTargets], [false, true]);
  assert.equal(loadSettings({ allowPrivateTargets: true }, open).blockPrivateTargets, false);
  assert.match(
    configError({ blockPrivateTargets: true, allowPrivateTargets: true }, {}),
    /allowPrivateTargets \(TIRELESS_ALLOW_PRIVATE_TARGETS\): contradicts blockPrivateTargets/,
  );
});

test('guard exceptions: IPs and CIDRs, only with the guard on', () => {
  const settings = loadSettings(
    { blockPrivateTargets: true },
    { TIRELESS_BLOCK_PRIVATE_TARGETS_EXCEPT: '10.1.0.0/16, 127.0.0.2,fd00::/8' },
  );
  assert.deepEqual(settings.blockPrivateTargetsExcept, ['10.1.0.0/16', '127.0.0.2', 'fd00::/8']);
  assert.deepEqual(loadSettings({}, {}).blockPrivateTargetsExcept, []);
  assert.match(
    configError(
      { blockPrivateTargets: true, blockPrivateTargetsExcept: '10.0.0.0/40,intranet' },
      {},
    ),
    /blockPrivateTargetsExcept \(TIRELESS_BLOCK_PRIVATE_TARGETS_EXCEPT\): 10\.0\.0\.0\/40: the prefix length must be at most 32; blockPrivateTargetsExcept .*intranet is not an IP/,
  );
  assert.match(
    configError({ blockPrivateTargetsExcept: '10.0.0.0/8' }, {}),
    /blockPrivateTargetsExcept .*names exceptions to blockPrivateTargets, which is not on/,
  );
});

test('allowed hosts: names and IPs, lowercased; schemes, ports and wildcards refused', () => {
  assert.deepEqual(loadSettings({}, {}).allowedHosts, []);
  const settings = loadSettings(
    {},
    { TIRELESS_ALLOWED_HOSTS: 'Tireless.Example.com., 192.0.2.7 ,[2001:DB8::1],' },
  );
  assert.deepEqual(settings.allowedHosts, ['tireless.example.com', '192.0.2.7', '2001:db8::1']);
  assert.deepEqual(loadSettings({ allowedHosts: 'status-1.example' }, {}).allowedHosts, [
    'status-1.example',
  ]);
  for (const bad of [
    'https://a.example',
    'a.example:443',
    '*.example.com',
    'a.example/x',
    '-a.b',
  ]) {
    const message = configError({ allowedHosts: `ok.example,${bad}` }, {});
    const named = `allowedHosts (TIRELESS_ALLOWED_HOSTS): ${JSON.stringify(bad)} is not a host name or IP address`;
    assert.ok(message.includes(named) && !message.includes('"ok.example"'), message);
  }
});

test('cluster: servers from a comma-separated list; heartbeats every 1 s, dead after 3 s', () => {
  const solo = loadSettings({}, {});
  assert.equal(solo.cluster, undefined);
  assert.deepEqual([solo.heartbeatMs, solo.deadAfterMs], [1000, 3000]);
  const settings = loadSettings(
    { nodeId: 'n1' },
    { TIRELESS_CLUSTER: 'nats://127.0.0.1:4222, tls://nats.example:4222' },
  );
  assert.deepEqual(settings.cluster, ['nats://127.0.0.1:4222', 'tls://nats.example:4222']);
  assert.equal(settings.nodeId, 'n1');
});

test('island mode after 10 s without the cluster by default; from the environment or a flag', () => {
  assert.equal(loadSettings({}, {}).islandAfterMs, 10_000);
  const env = { TIRELESS_ISLAND_AFTER_MS: '2500' };
  assert.equal(loadSettings({}, env).islandAfterMs, 2500);
  assert.equal(loadSettings({ islandAfterMs: '60000' }, env).islandAfterMs, 60_000);
});

test('check workers: one per core by default, at most 8; 0 runs checks on the main thread', () => {
  assert.equal(loadSettings({}, {}).checkWorkers, Math.min(8, availableParallelism()));
  assert.equal(loadSettings({}, { TIRELESS_CHECK_WORKERS: '0' }).checkWorkers, 0);
  assert.equal(loadSettings({}, { TIRELESS_CHECK_WORKERS: '3' }).checkWorkers, 3);
});

test('heap growth: 50 % by default, 0 leaves it to V8', () => {
  assert.equal(loadSettings({}, {}).heapGrowthPercent, 50);
  assert.equal(loadSettings({}, { TIRELESS_HEAP_GROWTH_PERCENT: '0' }).heapGrowthPercent, 0);
  assert.equal(loadSettings({}, { TIRELESS_HEAP_GROWTH_PERCENT: '30' }).heapGrowthPercent, 30);
  assert.equal(loadSettings({}, { TIRELESS_HEAP_GROWTH_PERCENT: '100' }).heapGrowthPercent, 100);
});

test("check threads' young generation: 12 MB by default, set in MB", () => {
  assert.equal(loadSettings({}, {}).checkThreadYoungMb, 12);
  assert.equal(loadSettings({}, { TIRELESS_CHECK_THREAD_YOUNG_MB: '96' }).checkThreadYoungMb, 96);
});

test('sessions: idle 7 days, at most 30 days old by default; bounds name the setting', () => {
  const defaults = loadSettings({}, {});
  assert.deepEqual([defaults.sessionIdleMinutes, defaults.sessionMaxAgeDays], [10_080, 30]);
  const env = { TIRELESS_SESSION_IDLE_MINUTES: '60', TIRELESS_SESSION_MAX_AGE_DAYS: '1' };
  const set = loadSettings({}, env);
  assert.deepEqual([set.sessionIdleMinutes, set.sessionMaxAgeDays], [60, 1]);
  assert.match(
    configError({}, { TIRELESS_SESSION_IDLE_MINUTES: '5' }),
    /sessionIdleMinutes \(TIRELESS_SESSION_IDLE_MINUTES\): .*15/,
  );
  assert.match(
    configError({ sessionMaxAgeDays: '0' }, {}),
    /sessionMaxAgeDays \(TIRELESS_SESSION_MAX_AGE_DAYS\): .*1/,
  );
});

test('a *_FILE variable reads a secret from a file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tireless-config-'));
  const file = join(dir, 'key');
  writeFileSync(file, 'a'.repeat(64) + '\n');
  assert.equal(loadSettings({}, { TIRELESS_SECRET_KEY_FILE: file }).secretKey, 'a'.repeat(64));
});

test('bad settings name the setting and its variable; unknown flags are refused', () => {
  const cases: [Record<string, unknown>, Record<string, string>, RegExp][] = [
    [{ port: 'abc' }, {}, /port \(TIRELESS_PORT\)/],
    [{}, { TIRELESS_PORT: '70000' }, /port/],
    [{ region: 'Not A Region' }, {}, /region .*lowercase/],
    [{ secretKey: 'short' }, {}, /secretKey/],
    [{}, { TIRELESS_CHECK_WORKERS: '-1' }, /checkWorkers \(TIRELESS_CHECK_WORKERS\)/],
    [{}, { TIRELESS_CHECK_WORKERS: 'two' }, /checkWorkers \(TIRELESS_CHECK_WORKERS\)/],
    [
      {},
      { TIRELESS_HEAP_GROWTH_PERCENT: '-5' },
      /heapGrowthPercent \(TIRELESS_HEAP_GROWTH_PERCENT\)/,
    ],
    [
      {},
      { TIRELESS_CHECK_THREAD_YOUNG_MB: '1' },
      /checkThreadYoungMb \(TIRELESS_CHECK_THREAD_YOUNG_MB\)/,
    ],
    [{ colour: 'blue' }, {}, /colour|Unrecognized/i],
    [{}, { TIRELESS_SECRET_KEY_FILE: '/nonexistent/key' }, /TIRELESS_SECRET_KEY_FILE/],
    [
      { cluster: 'http://a:4222' },
      {},
      /cluster \(TIRELESS_CLUSTER\): http:\/\/a:4222 is not nats:\/\//,
    ],
    [{ cluster: ' , ' }, {}, /cluster .*at least one/],
    [{ nodeId: 'Node 1' }, {}, /nodeId \(TIRELESS_NODE_ID\)/],
    [{}, { TIRELESS_NATS_USER: 'tl' }, /natsPassword .*go together/],
    [{ natsTlsCert: '/c.pem' }, {}, /natsTlsKey .*go together/],
    [
      { natsNkey: '/node.nk' },
      { TIRELESS_NATS_CREDS: '/node.creds' },
      /natsNkey \(TIRELESS_NATS_NKEY\): give one way to sign in to NATS/,
    ],
    [{ heartbeatMs: 1000, deadAfterMs: 1500 }, {}, /deadAfterMs .*twice heartbeatMs/],
    [{}, { TIRELESS_ISLAND_AFTER_MS: '500' }, /islandAfterMs \(TIRELESS_ISLAND_AFTER_MS\): .*1000/],
    [{ islandAfterMs: '3600000' }, {}, /islandAfterMs \(TIRELESS_ISLAND_AFTER_MS\): .*600000/],
    [{}, { TIRELESS_ISLAND_AFTER_MS: 'soon' }, /islandAfterMs \(TIRELESS_ISLAND_AFTER_MS\)/],
  ];
  for (const [flags, env, pattern] of cases) {
    assert.throws(
      () => loadSettings(flags, env),
      (error: unknown) =>
        error instanceof TirelessError &&
        error.code === 'TIRELESS_CONFIG' &&
        pattern.test(error.message),
      JSON.stringify([flags, env]),
    );
  }
});

test('settings are frozen and variable names follow the keys', () => {
  assert.ok(Object.isFrozen(loadSettings({}, {})));
  assert.equal(envName('dataDir'), 'TIRELESS_DATA_DIR');
});

test('quotas: defaults for accounts of open sign-up, 0 for no limit; bad values name the variable', () => {
  const defaults = loadSettings({}, {});
  assert.deepEqual(
    [
      defaults.quotaMonitors,
      defaults.quotaMinIntervalSeconds,
      defaults.quotaMaxBodyBytes,
      defaults.quotaChannels,
      defaults.quotaApiRequestsPerMinute,
      defaults.quotaPushRequestsPerMinute,
    ],
    [50, 60, 1_048_576, 10, 600, 300],
  );
  const set = loadSettings(
    {},
    { TIRELESS_QUOTA_MONITORS: '0', TIRELESS_QUOTA_MIN_INTERVAL_SECONDS: '30' },
  );
  assert.equal(set.quotaMonitors, 0);
  assert.equal(set.quotaMinIntervalSeconds, 30);
  assert.match(
    configError({}, { TIRELESS_QUOTA_CHANNELS: '-1' }),
    /quotaChannels \(TIRELESS_QUOTA_CHANNELS\)/,
  );
  assert.match(
    configError({}, { TIRELESS_QUOTA_API_REQUESTS_PER_MINUTE: '10/s' }),
    /quotaApiRequestsPerMinute \(TIRELESS_QUOTA_API_REQUESTS_PER_MINUTE\): must be a whole number/,
  );
});

test('metricsAccess and docsAccess: private networks and open by default; token needs metricsToken', () => {
  const defaults = loadSettings({}, {});
  assert.deepEqual(defaults.metricsAccess, {
    kind: 'network',
    networks: ['127.0.0.0/8', '::1', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
  });
  assert.deepEqual(defaults.docsAccess, { kind: 'open' });
  const token = loadSettings(
    {},
    { TIRELESS_METRICS_ACCESS: 'token', TIRELESS_METRICS_TOKEN: 'a-scrape-token-of-some-length' },
  );
  assert.deepEqual(token.metricsAccess, { kind: 'token' });
  assert.deepEqual(
    loadSettings({}, { TIRELESS_DOCS_ACCESS: 'network: 10.1.0.0/16, ::1' }).docsAccess,
    { kind: 'network', networks: ['10.1.0.0/16', '::1'] },
  );
  assert.match(
    configError({}, { TIRELESS_METRICS_ACCESS: 'token' }),
    /metricsAccess \(TIRELESS_METRICS_ACCESS\): is token, but no metricsToken/,
  );
  assert.match(
    configError({}, { TIRELESS_DOCS_ACCESS: 'closed' }),
    /docsAccess \(TIRELESS_DOCS_ACCESS\): must be open, token or network:/,
  );
  assert.match(
    configError({}, { TIRELESS_METRICS_ACCESS: 'network:10.0.0.0/33' }),
    /metricsAccess .*prefix length must be at most 32/,
  );
  assert.match(configError({}, { TIRELESS_METRICS_ACCESS: 'network:' }), /metricsAccess/);
});

test('tlsCert and tlsKey go together', () => {
  const both = loadSettings({ tlsCert: 'cert.pem' }, { TIRELESS_TLS_KEY: 'key.pem' });
  assert.deepEqual([both.tlsCert, both.tlsKey], ['cert.pem', 'key.pem']);
  assert.match(
    configError({ tlsCert: 'cert.pem' }, {}),
    /tlsKey \(TIRELESS_TLS_KEY\): tlsCert and tlsKey go together/,
  );
});

test('mail: smtpUrl read into a server, its password never quoted; mailFrom and publicUrl with it', () => {
  const mail = {
    TIRELESS_SMTP_URL: 'smtps://tireless%40example.com:s3cr%2Ft@mail.example.com',
    TIRELESS_MAIL_FROM: 'tireless@example.com',
    TIRELESS_PUBLIC_URL: 'https://status.example.com/',
  };
  const settings = loadSettings({}, mail);
  assert.deepEqual(settings.smtpUrl, {
    host: 'mail.example.com',
    port: 465,
    secure: true,
    username: 'tireless@example.com',
    password: 's3cr/t',
  });
  assert.equal(settings.publicUrl, 'https://status.example.com');
  assert.deepEqual(loadSettings({}, { ...mail, TIRELESS_SMTP_URL: 'smtp://[::1]:2525' }).smtpUrl, {
    host: '::1',
    port: 2525,
    secure: false,
  });
  assert.equal(loadSettings({}, {}).smtpUrl, undefined, 'no mail by default');

  for (const [url, problem] of [
    ['http://user:hunter2@mail.example.com', 'must begin smtp:// or smtps://'],
    ['smtp://user:hunter2@mail.example.com/path', 'takes no path, query or fragment'],
    ['smtp://user:hunter2@mail.example.com?tls=1', 'takes no path, query or fragment'],
    ['smtp://user@mail.example.com', 'needs both a user and a password'],
    ['smtp://user:hunter2@mail.example.com:99999', 'is not a URL'],
    ['not a url hunter2', 'is not a URL'],
  ] as const) {
    const message = configError({}, { ...mail, TIRELESS_SMTP_URL: url });
    assert.match(message, new RegExp(`smtpUrl \\(TIRELESS_SMTP_URL\\): ${problem}`), url);
    assert.ok(!message.includes('hunter2'), `${url}: the password is not in the error`);
  }
  assert.match(
    configError({}, { TIRELESS_SMTP_URL: mail.TIRELESS_SMTP_URL }),
    /mailFrom \(TIRELESS_MAIL_FROM\): is needed with smtpUrl.*publicUrl \(TIRELESS_PUBLIC_URL\): is needed with smtpUrl/,
  );
  assert.match(
    configError({}, { ...mail, TIRELESS_MAIL_FROM: 'nobody' }),
    /mailFrom \(TIRELESS_MAIL_FROM\): must be an email address/,
  );
  for (const url of ['ftp://example.com', 'https://example.com/?a=1', 'example.com']) {
    assert.match(
      configError({}, { ...mail, TIRELESS_PUBLIC_URL: url }),
      /publicUrl \(TIRELESS_PUBLIC_URL\): must be an http:\/\/ or https:\/\/ URL/,
      url,
    );
  }
});
