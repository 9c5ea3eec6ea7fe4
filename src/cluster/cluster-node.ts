import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { Clock, TimerHandle } from '../clock/index.js';
import { describeError, TirelessError } from '../errors/index.js';
import type { IngestReport, Judge, Store } from '../store/index.js';
import { ClusterAssignment } from './assignment.js';
import {
  joinCluster,
  settlesWithin,
  untilJetStreamAnswers,
  within,
  type JoinOptions,
} from './connection.js';
import { KvDeliveryClaims } from './delivery-claims.js';
import { KvConfigWriter, replicaRevision } from './kv-config.js';
import { CONFIG_BUCKET, DELIVERIES_BUCKET } from './names.js';
import { LinkTracker, type LinkFacts, type LinkState } from './link-state.js';
import { LinkedClaims, LinkedConfigWriter } from './linked-config.js';
import type { MemberView } from './members.js';
import { Membership } from './membership.js';
import type { Member } from './rendezvous.js';
import {
  ensureResultsStream,
  parkedInMeta,
  RESULTS_STREAM,
  ResultFollower,
  ResultPublisher,
} from './results-stream.js';
import { SharedRates } from './shared-rates.js';
import { catchUpFromSnapshot, openSnapshots, SnapshotPublisher } from './snapshots.js';
import { WireLog, type WireCounts } from './wire.js';

/** How often a node checks that its config watch keeps up with the bucket, ms. */
const WATCH_CHECK_MS = 5000;

/** The key every node writes in the cluster bucket to learn whether JetStream has a quorum. */
const PROBE_KEY = 'link-probe';

export interface ClusterNodeOptions extends Omit<JoinOptions, 'log'> {
  region: string;
  version: string;
  store: Store;
  clock: Clock;
  log: Logger;
  /** The judge for results from other nodes (every replica judges every result). */
  judge: Judge;
  /** How many regions check a monitor. */
  locationsOf: (monitorId: string) => number;
  heartbeatMs: number;
  deadAfterMs: number;
  /** How long the results stream keeps results, ms (the raw-results retention). */
  streamMaxAgeMs: number;
  /** How often one node publishes a snapshot of its replica, ms. */
  snapshotIntervalMs: number;
  /** After each batch from the stream is applied (metrics, waking the deliverer). */
  onApplied?: (report: IngestReport) => void;
  /** The monitors this node knows (to tell which ones a change of members gave it). */
  monitorIds: () => Iterable<string>;
  /** Members changed and these monitors are now this node's to check. */
  onTakeover: (monitorIds: string[]) => void;
  /** How long one delivery attempt may take before other nodes take it over, ms. */
  deliveryLeaseMs: number;
  /** A notification is sent without a claim (JetStream did not answer, or not joined). */
  onUnclaimedSend?: () => void;
  /**
   * How long a node whose replica holds config waits for the cluster at start (and each
   * later try to join) before it goes on in island mode, ms (the setting's default: 10000).
   */
  islandAfterMs: number;
}

export interface ClusterStatus {
  node: string;
  /** `joined`, `island` or `no-quorum` (see LinkState). */
  state: LinkState;
  /** When this node entered that state, ms since the epoch. */
  stateSince: number;
  /** Why it is not `joined`. */
  stateReason?: string;
  /** Replicas of the streams and buckets (0: not joined since the start). */
  replicas: number;
  /** Every node heard of, with how many monitors it checks by this node's assignment. */
  nodes: (MemberView & { monitors: number })[];
  /** Own result batches not yet acknowledged by the stream. */
  outboxDepth: number;
  /** Whether the last publish failed: the cluster takes no results now (island mode). */
  publishing: 'ok' | 'failing';
  /** Stream messages not yet applied here, as last seen. */
  replicationLag: number;
  /** Config revision (bucket sequence) this replica applied. */
  configRevision: number;
  /** Malformed messages passed over, by source (heartbeats, result batches, config entries). */
  rejected: WireCounts['rejected'];
  /** Messages of a newer version than this node reads: kept, not applied (see WIRE_VERSION). */
  newer: WireCounts['newer'];
  /**
   * Whether this node's NATS connection is up, and whether JetStream answered a request
   * for the results stream just now (it answers only with a quorum of its servers).
   */
  jetstream: { connected: boolean; quorum: boolean };
}

/** How long a claim waits for JetStream to answer each request, ms. */
const CLAIM_TIMEOUT_MS = 2000;
/** How long a status request waits for JetStream to answer before it says no quorum, ms. */
const QUORUM_PROBE_MS = 1000;

/** What a joined node holds of the cluster: everything that needs the connection. */
interface Link {
  replicas: number;
  writer: KvConfigWriter;
  /** The rates bucket (SharedRates). */
  rates: KV;
  membership: Membership;
  publisher: ResultPublisher;
  follower: ResultFollower;
  claims: KvDeliveryClaims;
  snapshots: SnapshotPublisher;
  /** The stream's last position when the node joined: it takes part once it holds it. */
  joinedAt: number;
  /** Resolves when JetStream acknowledges a write (it has a quorum). */
  probe: () => Promise<void>;
  /** Whether NATS answers a ping, and JetStream a request for the results stream, within 1 s. */
  answers: () => Promise<{ connected: boolean; quorum: boolean }>;
  close: () => Promise<void>;
}

/**
 * A node's part of the cluster: config from the KV bucket into the replica, membership,
 * the assignment over live members, its results published from the outbox and everyone's
 * followed into the replica. `startNode` builds it in cluster mode and plugs it into the
 * same scheduler, judge and API as solo mode.
 *
 * Island mode: a node that cannot join at start but holds a replica starts anyway, and a
 * joined node that loses its servers (or their quorum) goes on; either way, seeing no peer
 * it checks and coordinates every monitor it knows, its results wait in the outbox, config
 * writes answer 503, and it keeps trying until JetStream answers again (see LinkState).
 */
export class ClusterNode {
  readonly assignment: ClusterAssignment;
  readonly config: LinkedConfigWriter;
  /** Which node sends each notification (every node queues it). */
  readonly claims: LinkedClaims;
  /** Rate quotas counted across the cluster (alone while it does not answer). */
  readonly rates: SharedRates;
  private link: Link | null = null;
  /** Messages passed over, counted across links. */
  private readonly wire: WireLog;
  private readonly tracker: LinkTracker;
  /** When JetStream last answered, and why not since (the last probe or join error). */
  private answeredAt = -Infinity;
  private problem: string | undefined;
  private timer: TimerHandle | null = null;
  private busy = false;
  /** When to check next that the config watch still follows the bucket. */
  private nextWatchCheckAt = -Infinity;
  /** Island since the start: when to try joining again. */
  private nextJoinAt = -Infinity;
  /** Set when a joined node lost the cluster: its consumers resume when it is back. */
  private resumeNeeded = false;
  private stopped = false;

  private constructor(private readonly options: ClusterNodeOptions) {
    this.assignment = new ClusterAssignment(options.nodeId, options.locationsOf);
    // Until it hears peers, a node checks everything: alone is the safe default.
    this.assignment.setMembers([{ id: options.nodeId, region: options.region }]);
    this.config = new LinkedConfigWriter(() => this.refusal());
    this.claims = new LinkedClaims(options.onUnclaimedSend);
    this.rates = new SharedRates(options);
    this.wire = new WireLog(options.log, options.clock);
    this.tracker = new LinkTracker(options.deadAfterMs, this.facts(), options.clock.now());
  }

  /**
   * Joins: connects, checks the key, loads the config into the replica (before anything is
   * checked or judged), and prepares membership and the results stream. Call `start()`.
   * When the cluster does not answer within `islandAfterMs` and the data dir holds a
   * replica, resolves in island mode (and joins later, in the background); a node without
   * a replica knows nothing to check and fails after `readyTimeoutMs`.
   */
  static async join(options: ClusterNodeOptions): Promise<ClusterNode> {
    const node = new ClusterNode(options);
    const hasReplica = replicaRevision(options.store) > 0;
    try {
      node.attach(await node.connect(hasReplica ? options.islandAfterMs : options.readyTimeoutMs));
    } catch (error) {
      // A wrong key or setting is for the operator to fix, not something to wait out.
      if (error instanceof TirelessError && error.code === 'TIRELESS_CONFIG') throw error;
      const why = describeError(error);
      if (!hasReplica) {
        throw new TirelessError(
          'TIRELESS_UNAVAILABLE',
          `cannot join the cluster at ${options.servers.join(', ')} (${why}), and this data dir holds no replica of its config yet, so this node knows nothing to check: start it once a quorum of the cluster's servers is up`,
          { cause: error },
        );
      }
      node.problem = why;
      options.log.warn(
        { servers: options.servers, error: why, monitors: options.store.countAll('monitor') },
        'island mode: the cluster cannot be joined now; this node starts from its replica, checks every monitor it knows, alerts directly, keeps its results in its outbox and keeps trying to join',
      );
    }
    return node;
  }

  /**
   * Starts publishing and following; once the replica holds the stream as it was at join,
   * starts heartbeats, claims (until then the peers keep this node's share: it checks and
   * serves only from a whole replica) and snapshots, then waits two heartbeats so this node
   * knows its peers before its scheduler asks what to check (else it would check every
   * monitor for a moment). In island mode it starts trying to join.
   */
  async start(): Promise<void> {
    this.stopped = false;
    this.tick();
    if (!this.link) return;
    await this.startLink(this.link);
    await new Promise((resolve) => setTimeout(resolve, 2 * this.options.heartbeatMs));
  }

  /** Messages passed over since the node started (see WireLog). */
  get wireTotals(): WireCounts {
    return this.wire.totals;
  }

  /** Own results were stored with their outbox rows: publish them. */
  resultsStored(): void {
    this.link?.publisher.wake();
  }

  /** This node's view of the cluster; asks JetStream whether it answers (at most 1 s). */
  async status(): Promise<ClusterStatus> {
    const { nodeId, region, version, store, clock } = this.options;
    const link = this.link;
    const view = this.tracker.view;
    const self = { id: nodeId, region, version, lastHeardAt: clock.now(), alive: true, self: true };
    const monitors = new Map<string, number>();
    for (const id of this.options.monitorIds()) {
      for (const member of this.assignment.checkersOf(id)) {
        monitors.set(member.id, (monitors.get(member.id) ?? 0) + 1);
      }
    }
    const totals = this.wire.totals;
    return {
      node: nodeId,
      state: view.state,
      stateSince: view.since,
      ...(view.reason === undefined ? {} : { stateReason: view.reason }),
      replicas: link?.replicas ?? 0,
      nodes: (link?.membership.view() ?? [self]).map((m) => ({
        ...m,
        monitors: monitors.get(m.id) ?? 0,
      })),
      outboxDepth: store.outboxDepth(),
      publishing: link && !link.publisher.isFailing ? 'ok' : 'failing',
      replicationLag: link?.follower.lag ?? 0,
      configRevision: link?.writer.appliedRevision ?? replicaRevision(store),
      rejected: totals.rejected,
      newer: totals.newer,
      jetstream: link ? await link.answers() : { connected: false, quorum: false },
    };
  }

  /** Says goodbye (peers take over at once), stops following and publishing, disconnects. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
    const link = this.link;
    this.link = null;
    this.rates.stop();
    if (!link) return;
    await link.membership.stop();
    link.claims.stop();
    link.snapshots.stop();
    link.publisher.stop();
    link.follower.stop();
    link.writer.close();
    await link.close();
  }

  /** Connects and catches up; `readyTimeoutMs` bounds the wait for JetStream. */
  private async connect(readyTimeoutMs: number | undefined): Promise<Link> {
    const options = { ...this.options, readyTimeoutMs };
    const { store, log, clock } = options;
    const link = await joinCluster({ ...options, claimsMaxAgeMs: options.streamMaxAgeMs });
    const { wire } = this;
    try {
      const js = jetstream(link.nc);
      // Right after the servers start (or while they recover) placing a stream or reading
      // the bucket can time out for a while: try until JetStream answers.
      const writer = await untilJetStreamAnswers(options, async () => {
        const jsm = await jetstreamManager(link.nc);
        await ensureResultsStream(jsm, {
          replicas: link.replicas,
          maxAgeMs: options.streamMaxAgeMs,
        });
        return KvConfigWriter.open({
          kv: link.config,
          bucket: CONFIG_BUCKET,
          js,
          jsm,
          store,
          log,
          wire,
          onChange: this.config.changed,
        });
      });
      const { snapshotStore, stream } = await untilJetStreamAnswers(options, async () => {
        const jsm = await jetstreamManager(link.nc);
        return {
          snapshotStore: await openSnapshots(js, link.replicas),
          stream: (await jsm.streams.info(RESULTS_STREAM)).state,
        };
      });
      await catchUpFromSnapshot({ os: snapshotStore, store, streamFirst: stream.first_seq, log });
      const membership = new Membership({
        nc: link.nc,
        self: { id: options.nodeId, region: options.region, version: options.version },
        clock,
        log,
        wire,
        heartbeatMs: options.heartbeatMs,
        deadAfterMs: options.deadAfterMs,
        onChange: (members) => this.membersChanged(members),
      });
      const publisher = new ResultPublisher({
        js,
        outbox: {
          pending: (limit) => store.outboxPending(limit),
          published: (seqs) => store.outboxPublished(seqs),
          depth: () => store.outboxDepth(),
        },
        node: options.nodeId,
        clock,
        log,
      });
      const follower = new ResultFollower({
        js,
        log,
        wire,
        parked: parkedInMeta(store),
        applied: () => store.streamPosition(),
        apply: (results, position) => {
          try {
            // Every replica judges every result, replayed ones too: a transition judged again
            // finds its delivery claim's outcome and is not sent again.
            const report = store.ingest(results, options.judge, {
              streamPosition: position,
              keepUnknown: true,
            });
            options.onApplied?.(report);
          } catch (error) {
            // The position was not stored either: a restart applies these again.
            log.error({ error: describeError(error) }, 'applying results from the stream failed');
            throw error;
          }
        },
      });
      // A claim waits on these requests before a send: shorter than the default 5 s, so an
      // alert without quorum goes out unclaimed soon.
      const claims = new KvDeliveryClaims({
        bucket: {
          js: jetstream(link.nc, { timeout: CLAIM_TIMEOUT_MS }),
          jsm: await jetstreamManager(link.nc, { timeout: CLAIM_TIMEOUT_MS, checkAPI: false }),
          bucket: DELIVERIES_BUCKET,
        },
        node: options.nodeId,
        clock,
        log,
        live: () => membership.live.map((member) => member.id),
        coordinates: (monitorId) => this.assignment.coordinates(monitorId),
        // The coordinator sends first; the others step in once a dead one would be noticed.
        graceMs: options.deadAfterMs,
        leaseMs: options.deliveryLeaseMs,
        onUnclaimedSend: options.onUnclaimedSend,
      });
      const snapshots = new SnapshotPublisher({
        os: snapshotStore,
        storePath: () => store.path,
        dir: dirname(store.path),
        node: options.nodeId,
        clock,
        log,
        intervalMs: options.snapshotIntervalMs,
        isPublisher: (key) => this.assignment.coordinates(key),
      });
      return {
        replicas: link.replicas,
        writer,
        rates: link.rates,
        membership,
        publisher,
        follower,
        claims,
        snapshots,
        joinedAt: stream.last_seq,
        // A write, not a read: a stream leader that lost its quorum still answers reads for
        // a while, but a write needs the quorum to be acknowledged.
        probe: async () =>
          void (await link.cluster.put(PROBE_KEY, `${options.nodeId} ${clock.now()}`)),
        answers: async () => {
          const [connected, quorum] = await Promise.all([
            settlesWithin(link.nc.rtt(), QUORUM_PROBE_MS),
            settlesWithin(
              (async () => {
                const jsm = await jetstreamManager(link.nc, {
                  timeout: QUORUM_PROBE_MS,
                  checkAPI: false,
                });
                await jsm.streams.info(RESULTS_STREAM);
              })(),
              QUORUM_PROBE_MS,
            ),
          ]);
          return { connected, quorum };
        },
        close: () => link.close(),
      };
    } catch (error) {
      await link.close();
      throw error;
    }
  }

  private attach(link: Link): void {
    this.link = link;
    this.config.attach(link.writer);
    this.claims.attach(link.claims);
    this.rates
      .attach(link.rates)
      .catch((error: unknown) =>
        this.options.log.warn(
          { error: describeError(error) },
          'rate quotas counted on this node alone: the rates bucket cannot be watched',
        ),
      );
    this.assignment.setMembers(link.membership.live);
    this.answeredAt = this.options.clock.now();
    this.problem = undefined;
  }

  private async startLink(link: Link): Promise<void> {
    link.publisher.start();
    link.follower.start();
    await link.follower.reach(link.joinedAt);
    link.membership.start();
    link.claims.start();
    link.snapshots.start();
  }

  private membersChanged(members: readonly Member[]): void {
    const { assignment, options } = this;
    const left = assignment.members.some((m) => !members.some((n) => n.id === m.id));
    if (!left) {
      // Only joins: the monitors that move had a live owner, which checked them.
      assignment.setMembers(members);
      return;
    }
    const ids = [...options.monitorIds()];
    const before = new Set(ids.filter((id) => assignment.checks(id)));
    assignment.setMembers(members);
    const gained = ids.filter((id) => !before.has(id) && assignment.checks(id));
    if (gained.length > 0) options.onTakeover(gained);
  }

  private facts(): LinkFacts {
    return {
      joined: this.link !== null,
      // A batch the stream acknowledged is as good an answer as the probe (under load the
      // probe may wait behind the results).
      answeredAt: Math.max(this.answeredAt, this.link?.publisher.ackedAt ?? -Infinity),
      problem: this.problem,
      livePeers: (this.link?.membership.live.length ?? 1) - 1,
    };
  }

  /** Why config writes cannot be stored now, or undefined when they can. */
  private refusal(): string | undefined {
    const { state, reason } = this.tracker.view;
    if (state === 'joined') return undefined;
    return state === 'island'
      ? `this node is in island mode (it sees no other node; ${reason})`
      : `this node sees other nodes but JetStream does not store anything (${reason})`;
  }

  /** Every heartbeat: probe JetStream (or try to join), and follow the state. */
  private tick(): void {
    if (this.stopped) return;
    const { clock, log, heartbeatMs } = this.options;
    if (!this.busy) void this.check();
    const { view, changed } = this.tracker.update(this.facts(), clock.now());
    if (changed) {
      if (view.state === 'joined') log.info('joined: JetStream answers again');
      else {
        if (this.link) this.resumeNeeded = true;
        log.warn(
          { reason: view.reason },
          view.state === 'island'
            ? 'island mode: no peer and no JetStream; checking every monitor this node knows, alerting directly, results wait in the outbox'
            : 'JetStream has no quorum: results wait in the outbox, config writes answer 503',
        );
      }
    }
    this.timer = clock.setTimer(() => this.tick(), heartbeatMs);
  }

  private async check(): Promise<void> {
    this.busy = true;
    try {
      const link = this.link;
      if (!link) {
        await this.tryJoin();
        return;
      }
      await link.probe();
      const now = this.options.clock.now();
      this.answeredAt = now;
      this.problem = undefined;
      if (now >= this.nextWatchCheckAt) {
        this.nextWatchCheckAt = now + WATCH_CHECK_MS;
        await link.writer.checkWatch();
      }
      if (this.resumeNeeded && this.tracker.view.state === 'joined') {
        await within(this.options.islandAfterMs, 'catching up with the config', this.resume(link));
        this.resumeNeeded = false;
      }
    } catch (error) {
      this.problem = describeError(error);
    } finally {
      this.busy = false;
    }
  }

  /** Island since the start: tries to join, pausing `deadAfterMs` after a failed try. */
  private async tryJoin(): Promise<void> {
    const { clock, log, deadAfterMs } = this.options;
    if (clock.now() < this.nextJoinAt) return;
    let link: Link;
    const attempt = this.connect(this.options.islandAfterMs);
    try {
      // Its steps retry until JetStream answers, but a catch-up can hang: bound it all.
      link = await within(3 * this.options.islandAfterMs, 'joining', attempt);
    } catch (error) {
      void attempt.then(
        (late) => late.close(),
        () => undefined,
      );
      throw error;
    } finally {
      this.nextJoinAt = clock.now() + deadAfterMs;
    }
    if (this.stopped) {
      await link.close();
      return;
    }
    this.attach(link);
    await this.startLink(link);
    log.info('joined the cluster after island mode: config caught up; the outbox drains');
  }

  /** Back from an outage: the config watch and the results follower start again. */
  private async resume(link: Link): Promise<void> {
    link.publisher.wake();
    link.follower.restart();
    await link.writer.rewatch();
    this.options.log.info('back in the cluster: config caught up, the outbox drains');
  }
}
