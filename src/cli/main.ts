/**
 * The `tireless` command: start a node, back up, restore, apply and export config as code,
 * show a cluster, manage accounts' quotas.
 * Errors print one clear line (with the setting or field at fault) and exit 1.
 * backup, restore, apply and export load their code when they run: `start` does not hold it.
 */
import { createInterface } from 'node:readline/promises';
import { Command, Option } from 'commander';
import { describeError, TirelessError } from '../errors/index.js';
import { loadSettings, type Settings } from '../config/index.js';
import { startNode, VERSION } from '../node/index.js';
import { runClusterStatus } from './cluster-status.js';
import { QUOTA_FLAGS, runQuotasDefaults, runQuotasList, runQuotasSet } from './quotas.js';
import { QUOTA_NAMES, type QuotaName } from '../model/index.js';

const print = (line: string) => process.stdout.write(line + '\n');

interface ApplyFlags {
  file: string;
  url: string;
  token?: string;
  dryRun: boolean;
  prune: boolean;
  yes: boolean;
}

/** True when the person at the terminal answers exactly "yes" (as terraform asks). */
async function askOnTerminal(question: string): Promise<boolean> {
  const terminal = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return (await terminal.question(question)).trim() === 'yes';
  } finally {
    terminal.close();
  }
}

function program(): Command {
  const cli = new Command('tireless')
    .description('Uptime monitoring whose own monitoring and alerting never stop.')
    .version(VERSION)
    .showHelpAfterError();

  cli
    .command('start')
    .description('start a node: API, scheduler, checkers and notifiers in one process on SQLite')
    .option('--data <dir>', 'data directory (env TIRELESS_DATA_DIR)', undefined)
    .option('--port <n>', 'HTTP port (env TIRELESS_PORT)', undefined)
    .option(
      '--host <address>',
      'address to listen on; 0.0.0.0 for all (env TIRELESS_HOST)',
      undefined,
    )
    .option(
      '--allowed-hosts <names>',
      'host names (or IPs) the node is reached by, beyond loopback and its own addresses, comma-separated; setup answers only to these (env TIRELESS_ALLOWED_HOSTS)',
    )
    .option('--region <name>', 'region recorded with each result (env TIRELESS_REGION)', undefined)
    .addOption(new Option('--log-level <level>', 'log level (env TIRELESS_LOG_LEVEL)'))
    .addOption(new Option('--signup <mode>', 'open or closed sign-up (env TIRELESS_SIGNUP)'))
    .option(
      '--block-private-targets',
      'SSRF guard: checks and notifications refuse private and special-purpose addresses (env TIRELESS_BLOCK_PRIVATE_TARGETS)',
    )
    .option(
      '--allow-private-targets',
      'open sign-up without the SSRF guard, on purpose (env TIRELESS_ALLOW_PRIVATE_TARGETS)',
    )
    .option(
      '--block-private-targets-except <networks>',
      'IPs or CIDRs the SSRF guard lets through, comma-separated (env TIRELESS_BLOCK_PRIVATE_TARGETS_EXCEPT)',
    )
    .option(
      '--tls-cert <file>',
      'serve HTTPS: certificate chain, PEM; read at start (env TIRELESS_TLS_CERT)',
    )
    .option('--tls-key <file>', 'its private key, PEM (env TIRELESS_TLS_KEY)')
    .option(
      '--cluster <urls>',
      'cluster mode: NATS servers, comma-separated nats://host:port (env TIRELESS_CLUSTER)',
    )
    .option('--node-id <id>', "this node's name in the cluster (env TIRELESS_NODE_ID)")
    .option('--nats-creds <file>', 'NATS credentials file (env TIRELESS_NATS_CREDS)')
    .option('--nats-nkey <file>', 'NATS user nkey seed file (env TIRELESS_NATS_NKEY)')
    .option('--nats-user <user>', 'NATS user; the password from TIRELESS_NATS_PASSWORD(_FILE)')
    .option('--nats-tls-ca <file>', 'CA of the NATS servers (env TIRELESS_NATS_TLS_CA)')
    .option('--nats-tls-cert <file>', 'client certificate for NATS (env TIRELESS_NATS_TLS_CERT)')
    .option('--nats-tls-key <file>', 'its private key (env TIRELESS_NATS_TLS_KEY)')
    .option(
      '--mail-from <address>',
      'sender of invitation mails; the mail server from TIRELESS_SMTP_URL(_FILE) (env TIRELESS_MAIL_FROM)',
    )
    .option(
      '--public-url <url>',
      'the address users reach the app at, for links in mails (env TIRELESS_PUBLIC_URL)',
    )
    .option(
      '--island-after-ms <ms>',
      'with a replica, wait this long for the cluster before island mode (env TIRELESS_ISLAND_AFTER_MS)',
    )
    .action(async (flags: Record<string, string | boolean | undefined>) => {
      const settings = loadSettings(
        {
          dataDir: flags.data,
          port: flags.port,
          host: flags.host,
          allowedHosts: flags.allowedHosts,
          region: flags.region,
          logLevel: flags.logLevel,
          signup: flags.signup,
          blockPrivateTargets: flags.blockPrivateTargets,
          allowPrivateTargets: flags.allowPrivateTargets,
          blockPrivateTargetsExcept: flags.blockPrivateTargetsExcept,
          tlsCert: flags.tlsCert,
          tlsKey: flags.tlsKey,
          cluster: flags.cluster,
          nodeId: flags.nodeId,
          natsCreds: flags.natsCreds,
          natsNkey: flags.natsNkey,
          natsUser: flags.natsUser,
          natsTlsCa: flags.natsTlsCa,
          natsTlsCert: flags.natsTlsCert,
          natsTlsKey: flags.natsTlsKey,
          islandAfterMs: flags.islandAfterMs,
          mailFrom: flags.mailFrom,
          publicUrl: flags.publicUrl,
        },
        process.env,
      );
      const node = await startNode(settings);
      // One write, so whoever waits for the URL line sees the whole banner.
      const banner = [
        `Tireless ${VERSION} is running at ${node.url} (node ${node.nodeId}, data in ${settings.dataDir})`,
      ];
      if (node.needsSetup) banner.push(...setupLines(node.url, node.setupCode));
      banner.push(guardLine(settings), `API docs: ${node.url}/api/docs`);
      print(banner.join('\n'));
      const stop = (signal: string) => {
        print(`${signal}: stopping (finishing checks in flight)…`);
        node.stop().then(
          () => process.exit(0),
          (error: unknown) => {
            console.error(`error while stopping: ${describeError(error)}`);
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });

  cli
    .command('backup')
    .description('write a consistent copy of a data dir (safe while the node runs), verified')
    .requiredOption('--data <dir>', 'data directory to back up')
    .requiredOption('--out <file>', 'backup file to write (mode 0600)')
    .option(
      '--with-key',
      'also copy the secret key to <file>.key (by default it is kept apart: backup and key together reveal every stored secret)',
      false,
    )
    .action(async (flags: { data: string; out: string; withKey: boolean }) => {
      const { runBackup } = await import('./backup.js');
      await runBackup({ dataDir: flags.data, out: flags.out, withKey: flags.withKey, log: print });
    });

  cli
    .command('restore')
    .description('rebuild a data dir from one or more backups or data dirs, merged by union')
    .requiredOption('--from <source...>', 'backup files or data dirs (several: merged)')
    .requiredOption('--data <dir>', 'new data directory to create')
    .option(
      '--key <file>',
      'the secret key kept apart from the backups (tireless backup without --with-key)',
    )
    .action(async (flags: { from: string[]; data: string; key?: string }) => {
      const { runRestore } = await import('./restore.js');
      await runRestore({ from: flags.from, dataDir: flags.data, keyFile: flags.key, log: print });
    });

  cli
    .command('apply')
    .description('make the monitors and channels of an account match a YAML file')
    .requiredOption('-f, --file <file>', 'YAML file with monitors: and channels:')
    .option('--url <url>', 'URL of a running node', 'http://127.0.0.1:3000')
    .option('--token <token>', 'API token (env TIRELESS_TOKEN)')
    .option('--dry-run', 'print the plan and change nothing', false)
    .option('--prune', 'also delete the channels and monitors the file does not name', false)
    .option('-y, --yes', 'with --prune: delete without asking (for scripts)', false)
    .action(async (flags: ApplyFlags) => {
      const { runApply } = await import('./apply.js');
      await runApply({
        ...flags,
        token: tokenFrom(flags, 'apply'),
        log: print,
        ...(process.stdin.isTTY ? { confirm: askOnTerminal } : {}),
      });
    });

  cli
    .command('export')
    .description(
      'write the monitors and channels of an account as the YAML file apply takes (secrets masked)',
    )
    .option('-o, --out <file>', 'the file to write (default: standard output)')
    .option('--url <url>', 'URL of a running node', 'http://127.0.0.1:3000')
    .option('--token <token>', 'API token (env TIRELESS_TOKEN)')
    .action(async (flags: { out?: string; url: string; token?: string }) => {
      const { runExport } = await import('./export.js');
      await runExport({
        url: flags.url,
        token: tokenFrom(flags, 'export'),
        ...(flags.out === undefined ? {} : { out: flags.out }),
        write: (text) => process.stdout.write(text),
        // The file may be going to stdout: what is being done goes to stderr.
        log: (line) => process.stderr.write(line + '\n'),
      });
    });

  cli
    .command('cluster')
    .description('cluster mode')
    .command('status')
    .description(
      "a node's view of its cluster: nodes, regions, alive, monitors each checks, replication lag, outbox, JetStream and its quorum",
    )
    .option('--url <url>', 'URL of a running node', 'http://127.0.0.1:3000')
    .option('--token <token>', 'API token (env TIRELESS_TOKEN)')
    .action(async (flags: { url: string; token?: string }) => {
      await runClusterStatus({
        url: flags.url,
        token: tokenFrom(flags, 'cluster status'),
        log: print,
      });
    });

  const quotas = cli
    .command('quotas')
    .description(
      "accounts' quotas on a running node (a token of an owner of the operator's account, the one setup made)",
    );
  const nodeFlags = (command: Command) =>
    command
      .option('--url <url>', 'URL of a running node', 'http://127.0.0.1:3000')
      .option('--token <token>', 'API token (env TIRELESS_TOKEN)');
  nodeFlags(
    quotas
      .command('list')
      .description('each account: its quotas in force, its own overrides, what it uses'),
  ).action(async (flags: { url: string; token?: string }) => {
    await runQuotasList({ url: flags.url, token: tokenFrom(flags, 'quotas list'), log: print });
  });
  nodeFlags(
    quotas.command('defaults').description("the node's default quotas (TIRELESS_QUOTA_*)"),
  ).action(async (flags: { url: string; token?: string }) => {
    await runQuotasDefaults({
      url: flags.url,
      token: tokenFrom(flags, 'quotas defaults'),
      log: print,
    });
  });
  const set = nodeFlags(
    quotas
      .command('set')
      .description("set an account's own quotas (0: no limit), over the node's defaults")
      .argument('<account>', 'account id, or its name when no other account has it'),
  ).option('--clear <name...>', 'quotas to return to the default (a name or flag, e.g. monitors)');
  const quotaOptions = QUOTA_NAMES.map((name) => {
    const option = new Option(`--${QUOTA_FLAGS[name].flag} <n>`, name);
    set.addOption(option);
    return [name, option.attributeName()] as const;
  });
  set.action(async (account: string, flags: Record<string, string | string[] | undefined>) => {
    const values: Partial<Record<QuotaName, string>> = {};
    for (const [name, attribute] of quotaOptions) {
      const value = flags[attribute];
      if (typeof value === 'string') values[name] = value;
    }
    await runQuotasSet({
      url: String(flags.url),
      token: tokenFrom({ token: flags.token as string | undefined }, 'quotas set'),
      account,
      values,
      clear: Array.isArray(flags.clear) ? flags.clear : [],
      log: print,
    });
  });

  return cli;
}

/** The start banner's first-run lines: where to set up, and the one-time code if one is needed. */
function setupLines(url: string, code: string | undefined): string[] {
  const body = JSON.stringify({ email: 'you@example.com', password: '…', setupCode: code });
  const curl = `  or: curl -X POST ${url}/api/v1/setup -H 'content-type: application/json' -d '${body}'`;
  const start = `First run: create the owner account at ${url}/setup`;
  if (code === undefined) {
    return [start, '  no setup code needed: this node listens on loopback only', curl];
  }
  return [
    start,
    `  setup code: ${code} (others can reach this node: the form and the API ask for it; each start makes a new one)`,
    "  setup answers at loopback, this machine's own IP addresses and the names in --allowed-hosts (TIRELESS_ALLOWED_HOSTS)",
    curl,
  ];
}

/** The start banner's line that says whether the SSRF guard is on, and why. */
function guardLine(settings: Settings): string {
  if (settings.blockPrivateTargets) {
    const except = settings.blockPrivateTargetsExcept;
    const exceptions = except.length > 0 ? `, except ${except.join(', ')}` : '';
    return `SSRF guard: on (blockPrivateTargets): checks and notifications refuse private and reserved addresses${exceptions}`;
  }
  // Open sign-up without the guard starts only with allowPrivateTargets (see config).
  const why =
    settings.signup === 'open'
      ? 'allowPrivateTargets, with open sign-up'
      : 'sign-up is closed; --block-private-targets turns it on';
  return `SSRF guard: off (${why}): checks and notifications may reach private addresses`;
}

/** The token a command that talks to a node was given: --token or TIRELESS_TOKEN. */
function tokenFrom(flags: { token?: string }, command: string): string {
  const token = flags.token ?? process.env.TIRELESS_TOKEN;
  if (!token) {
    throw new TirelessError(
      'TIRELESS_CONFIG',
      `${command} needs a token: --token or TIRELESS_TOKEN`,
    );
  }
  return token;
}

program()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    console.error(`tireless: ${describeError(error)}`);
    process.exitCode = 1;
  });
