import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { Clock } from '../clock/index.js';
import { describeError } from '../errors/index.js';
import type { IngestReport, Judge, Store } from '../store/index.js';
import { ClusterAssignment } from './assignment.js';
import {
  CONFIG_BUCKET,
  DELIVERIES_BUCKET,
  joinCluster,
  settlesWithin,
  untilJetStreamAnswers,
  type ClusterLink,
  type JoinOptions,
} from './connection.js';
import { KvDeliveryClaims } from './delivery-claims.js';
import { KvConfigWriter } from './kv-config.js';
import type { MemberView } from './members.js';
import { Membership } from './membership.js';
import {
  ensureResultsStream,
  parkedInMeta,
  RESULTS_STREAM,
  ResultFollower,
  ResultPublisher,
} from './results-stream.js';
import { WireLog, type WireCounts } from './wire.js';
import { catchUpFromSnapshot, openSnapshots, SnapshotPublisher } from './snapshots.js';

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
  /** A notification is sent without a claim (JetStream did not answer). */
  onUnclaimedSend?: () => void;
}

/** How long a claim waits for JetStream to answer each request, ms. */
const CLAIM_TIMEOUT_MS = 2000;

export interface ClusterStatus {
  node: string;
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

/** How long a status request waits for JetStream to answer before it says no quorum, ms. */
const QUORUM_PROBE_MS = 1000;

/**
 * A node's part of the cluster: config from the KV bucket into the replica, membership,
 * the assignment over live members, its results published from the outbox and everyone's
 * followed into the replica. `startNode` builds it in cluster mode and plugs it into the
 * same scheduler, judge and API as solo mode.
 */
export class ClusterNode {
  private constructor(
    readonly config: KvConfigWriter,
    readonly assignment: ClusterAssignment,
    /** Which node sends each notification (every node queues it). */
    readonly claims: KvDeliveryClaims,
    private readonly membership: Membership,
    private readonly publisher: ResultPublisher,
    private readonly follower: ResultFollower,
    private readonly snapshots: SnapshotPublisher,
    /** The stream position this replica must reach before the node takes part, and whether it did. */
    /** The stream's last position when this node joined: it takes part once it holds it. */
    private readonly joinedAt: number,
    private readonly replicas: number,
    private readonly options: ClusterNodeOptions,
    private readonly link: ClusterLink,
    private readonly wire: WireLog,
  ) {}

  /**
   * Joins: connects, checks the key, loads the config into the replica (before anything is
   * checked or judged), merges the latest snapshot when the replica is empty or the stream
   * no longer reaches back to its position, and prepares membership and the results
   * stream. Call `start()`.
   */
  static async join(options: ClusterNodeOptions): Promise<ClusterNode> {
    const { store, log, clock } = options;
    const link = await joinCluster({ ...options, claimsMaxAgeMs: options.streamMaxAgeMs });
    const wire = new WireLog(log, clock);
    try {
      const js = jetstream(link.nc);
      // Right after the servers start (or while they recover) placing a stream or reading
      // the bucket can time out for a while: try until JetStream answers.
      const config = await untilJetStreamAnswers(options, async () => {
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
      const assignment = new ClusterAssignment(options.nodeId, options.locationsOf);
      const membership = new Membership({
        nc: link.nc,
        self: { id: options.nodeId, region: options.region, version: options.version },
        clock,
        log,
        wire,
        heartbeatMs: options.heartbeatMs,
        deadAfterMs: options.deadAfterMs,
        onChange: (members) => {
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
        },
      });
      assignment.setMembers(membership.live);
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
        coordinates: (monitorId) => assignment.coordinates(monitorId),
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
        isPublisher: (key) => assignment.coordinates(key),
      });
      return new ClusterNode(
        config,
        assignment,
        claims,
        membership,
        publisher,
        follower,
        snapshots,
        stream.last_seq,
        link.replicas,
        options,
        link,
        wire,
      );
    } catch (error) {
      await link.close();
      throw error;
    }
  }

  /**
   * Starts publishing and following; once the replica holds the stream as it was at join,
   * starts heartbeats, claims (until then the peers keep this node's share: it checks and serves
   * only from a whole replica) and snapshots, then waits two heartbeats so this node knows
   * its peers before its scheduler asks what to check (else it would check every monitor
   * for a moment).
   */
  async start(): Promise<void> {
    this.publisher.start();
    this.follower.start();
    await this.follower.reach(this.joinedAt);
    this.membership.start();
    this.claims.start();
    this.snapshots.start();
    await new Promise((resolve) => setTimeout(resolve, 2 * this.options.heartbeatMs));
  }

  /** Own results were stored with their outbox rows: publish them. */
  resultsStored(): void {
    this.publisher.wake();
  }

  /** Messages passed over since the node started (see WireLog). */
  get wireTotals(): WireCounts {
    return this.wire.totals;
  }

  /** This node's view of the cluster; asks JetStream whether it answers (at most 1 s). */
  async status(): Promise<ClusterStatus> {
    const monitors = new Map<string, number>();
    for (const id of this.options.monitorIds()) {
      for (const member of this.assignment.checkersOf(id)) {
        monitors.set(member.id, (monitors.get(member.id) ?? 0) + 1);
      }
    }
    const totals = this.wire.totals;
    return {
      node: this.options.nodeId,
      replicas: this.replicas,
      nodes: this.membership.view().map((m) => ({ ...m, monitors: monitors.get(m.id) ?? 0 })),
      outboxDepth: this.options.store.outboxDepth(),
      publishing: this.publisher.isFailing ? 'failing' : 'ok',
      replicationLag: this.follower.lag,
      configRevision: this.config.appliedRevision,
      rejected: totals.rejected,
      newer: totals.newer,
      jetstream: await this.probeJetStream(),
    };
  }

  /** Whether NATS answers a ping, and JetStream a request for the results stream, within 1 s. */
  private async probeJetStream(): Promise<ClusterStatus['jetstream']> {
    const { nc } = this.link;
    const [connected, quorum] = await Promise.all([
      settlesWithin(nc.rtt(), QUORUM_PROBE_MS),
      settlesWithin(
        (async () => {
          const jsm = await jetstreamManager(nc, { timeout: QUORUM_PROBE_MS, checkAPI: false });
          await jsm.streams.info(RESULTS_STREAM);
        })(),
        QUORUM_PROBE_MS,
      ),
    ]);
    return { connected, quorum };
  }

  /** Says goodbye (peers take over at once), stops following and publishing, disconnects. */
  async stop(): Promise<void> {
    await this.membership.stop();
    this.claims.stop();
    this.snapshots.stop();
    this.publisher.stop();
    this.follower.stop();
    this.config.close();
    await this.link.close();
  }
}
