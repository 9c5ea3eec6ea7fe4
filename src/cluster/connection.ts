import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import {
  AuthorizationError,
  connect,
  credsAuthenticator,
  nkeyAuthenticator,
  type NatsConnection,
  type NodeConnectionOptions,
} from '@nats-io/transport-node';
import { Kvm, type KV } from '@nats-io/kv';
import { Deadline } from '../deadline/index.js';
import { describeError, TirelessError } from '../errors/index.js';
import { CLUSTER_BUCKET, CONFIG_BUCKET, DELIVERIES_BUCKET, RATES_BUCKET } from './names.js';

/** How long a rate count is kept, ms: its minute and the next, then it expires. */
const RATES_MAX_AGE_MS = 3 * 60_000;
const FINGERPRINT_KEY = 'secret-key-fingerprint';

export interface JoinOptions {
  /** nats:// or tls:// URLs of the JetStream cluster's servers. */
  servers: readonly string[];
  nodeId: string;
  /** The node's secret key: every node of a cluster must hold the same. */
  secretKey: Buffer;
  log: Logger;
  natsCreds?: string;
  /** A file holding a user nkey seed. */
  natsNkey?: string;
  natsUser?: string;
  natsPassword?: string;
  natsTlsCa?: string;
  natsTlsCert?: string;
  natsTlsKey?: string;
  /**
   * How long a delivery claim is kept, ms: as long as results can be replayed (and judged
   * again) from the results stream, so a replayed transition finds its outcome. Set when the
   * bucket is created. @defaultValue 30 days
   */
  claimsMaxAgeMs?: number;
  /** How long to wait for JetStream to answer (a quorum to form), ms. @defaultValue 60000 */
  readyTimeoutMs?: number;
}

export interface ClusterLink {
  nc: NatsConnection;
  /** Replicas of Tireless's streams and buckets: min(3, servers in the cluster). */
  replicas: number;
  config: KV;
  cluster: KV;
  rates: KV;
  close(): Promise<void>;
}

/**
 * Connects to the JetStream cluster, creates Tireless's buckets when they are missing (with
 * as many replicas as the cluster allows, up to 3) and checks that this node's secret key
 * is the cluster's: a node with another key could not read the channel secrets the others
 * wrote, so it refuses to start.
 */
export async function joinCluster(options: JoinOptions): Promise<ClusterLink> {
  const { log } = options;
  // Outside the try: a setting that cannot be read is the operator's to fix, said as it is.
  const connection = connectionOptions(options);
  let nc: NatsConnection;
  try {
    // Once without reconnecting first: a connection that keeps reconnecting treats a server
    // refusing the TLS handshake (no client certificate) as passing, and never gives up.
    await (await connect({ ...connection, reconnect: false })).close();
    nc = await connect(connection);
  } catch (error) {
    // Refused credentials are the operator's to fix; a server away may come back.
    throw new TirelessError(
      error instanceof AuthorizationError ||
        /Authorization Violation|certificate|SSL alert/i.test(describeError(error))
        ? 'TIRELESS_CONFIG'
        : 'TIRELESS_UNAVAILABLE',
      `cannot connect to the cluster at ${options.servers.join(', ')}: ${describeError(error)}${
        /ECONNRESET|certificate|SSL alert/.test(describeError(error))
          ? ' (the server refused the TLS handshake: if it verifies clients, give a certificate with --nats-tls-cert and --nats-tls-key)'
          : ''
      }`,
      { cause: error },
    );
  }
  try {
    const servers = Math.max(nc.info?.connect_urls?.length ?? 1, options.servers.length);
    const replicas = Math.min(3, servers);
    const kvm = new Kvm(nc);
    const { config, cluster, rates } = await untilJetStreamAnswers(options, async () => {
      // Claims are written through the bucket's stream (kvCompareAndSet), not this handle.
      await kvm.create(DELIVERIES_BUCKET, {
        replicas,
        history: 1,
        ttl: options.claimsMaxAgeMs ?? 30 * 24 * 3_600_000,
      });
      return {
        config: await kvm.create(CONFIG_BUCKET, { replicas, history: 1 }),
        cluster: await kvm.create(CLUSTER_BUCKET, { replicas, history: 1 }),
        rates: await kvm.create(RATES_BUCKET, { replicas, history: 1, ttl: RATES_MAX_AGE_MS }),
      };
    });
    await checkSecretKey(cluster, options.secretKey);
    log.info(
      {
        servers,
        replicas,
        buckets: [CONFIG_BUCKET, CLUSTER_BUCKET, DELIVERIES_BUCKET, RATES_BUCKET],
      },
      `joined the cluster (JetStream replicas: ${replicas})`,
    );
    return { nc, replicas, config, cluster, rates, close: () => nc.drain() };
  } catch (error) {
    await nc.close();
    if (error instanceof TirelessError) throw error;
    throw new TirelessError(
      'TIRELESS_UNAVAILABLE',
      `the cluster at ${options.servers.join(', ')} answered but JetStream did not: ${describeError(error)}`,
      { cause: error },
    );
  }
}

/**
 * Runs `attempt` until JetStream answers it: right after the servers start, or while they
 * have no quorum, its requests time out. Gives up after `readyTimeoutMs`.
 */
export async function untilJetStreamAnswers<T>(
  options: Pick<JoinOptions, 'log' | 'readyTimeoutMs'>,
  attempt: () => Promise<T>,
): Promise<T> {
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  let lastLogAt = Date.now();
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      if (Date.now() - lastLogAt >= 5000) {
        lastLogAt = Date.now();
        options.log.warn(
          { error: describeError(error) },
          'waiting for JetStream to answer (is a quorum of its servers up?)',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** Settles as `work` does, or rejects once `ms` passed (`work` goes on, unobserved). */
export async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  const deadline = new Deadline(ms, new AbortController().signal);
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) =>
        deadline.signal.addEventListener(
          'abort',
          () => reject(new Error(`${what}: no answer within ${ms} ms`)),
          { once: true },
        ),
      ),
    ]);
  } finally {
    deadline.end();
  }
}

/**
 * Whether `work` resolves within `ms`: false when it rejects or is still out then (it is
 * not cancelled; its outcome is ignored).
 */
export function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  return within(ms, 'work', work).then(
    () => true,
    () => false,
  );
}

/** A fingerprint of the secret key that tells keys apart and reveals nothing of them. */
export function secretKeyFingerprint(key: Buffer): string {
  return createHmac('sha256', key).update('tireless secret key fingerprint v1').digest('hex');
}

async function checkSecretKey(cluster: KV, key: Buffer): Promise<void> {
  const mine = secretKeyFingerprint(key);
  try {
    await cluster.create(FINGERPRINT_KEY, mine);
    return;
  } catch {
    // Someone set it first (or the write failed): compare with what is there.
  }
  const theirs = (await cluster.get(FINGERPRINT_KEY))?.string();
  if (theirs === undefined) {
    throw new TirelessError('TIRELESS_UNAVAILABLE', 'cannot read the cluster key fingerprint');
  }
  if (theirs !== mine) {
    throw new TirelessError(
      'TIRELESS_CONFIG',
      `this node's secret key is not the cluster's (fingerprint ${mine.slice(0, 12)}…, cluster ${theirs.slice(0, 12)}…): every node must hold the same key — copy secret.key from a running node's data dir, or set TIRELESS_SECRET_KEY(_FILE)`,
    );
  }
}

function connectionOptions(options: JoinOptions): NodeConnectionOptions {
  const tls =
    options.natsTlsCa !== undefined || options.natsTlsCert !== undefined
      ? {
          ...(options.natsTlsCa === undefined ? {} : { caFile: options.natsTlsCa }),
          ...(options.natsTlsCert === undefined
            ? {}
            : { certFile: options.natsTlsCert, keyFile: options.natsTlsKey }),
        }
      : undefined;
  return {
    servers: [...options.servers],
    name: `tireless ${options.nodeId}`,
    // A node keeps trying for ever: losing the cluster is island mode, not the end.
    maxReconnectAttempts: -1,
    ...(options.natsCreds === undefined
      ? {}
      : { authenticator: credsAuthenticator(readFileSync(options.natsCreds)) }),
    ...(options.natsNkey === undefined
      ? {}
      : { authenticator: nkeyAuthenticator(nkeySeed(options.natsNkey)) }),
    ...(options.natsUser === undefined
      ? {}
      : { user: options.natsUser, pass: options.natsPassword }),
    ...(tls === undefined ? {} : { tls }),
  };
}

/** The user seed in `file`, checked so that a wrong file fails at start, naming itself. */
function nkeySeed(file: string): Uint8Array {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new TirelessError(
      'TIRELESS_CONFIG',
      `cannot read the NATS nkey seed ${file}: ${describeError(error)}`,
      {
        fields: [{ field: 'natsNkey', problem: 'cannot be read' }],
      },
    );
  }
  if (!/^SU[A-Z2-7]{56}$/.test(text)) {
    throw new TirelessError(
      'TIRELESS_CONFIG',
      `${file} does not hold a NATS user nkey seed (SU…, 58 characters)`,
      {
        fields: [{ field: 'natsNkey', problem: 'not a user nkey seed' }],
      },
    );
  }
  return new TextEncoder().encode(text);
}
