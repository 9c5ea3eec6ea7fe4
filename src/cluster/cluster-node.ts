import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { Clock } from '../clock/index.js';
import { describeError } from '../errors/index.js';
import type { IngestReport, Judge, Store } from '../store/index.js';
import { ClusterAssignment } from './assignment.js';
import {
  CONFIG_BUCKET,
  joinCluster,
  untilJetStreamAnswers,
  type JoinOptions,
} from './connection.js';
import { KvConfigWriter } from './kv-config.js';
import type { MemberView } from './members.js';
import { Membership } from './membership.js';
import {
  ensureResultsStream,
  ResultFollower,
  ResultPublisher,
  RESULTS_STREAM,
} from './results-stream.js';
import { catchUpFromSnapshot, openSnapshots, SnapshotPublisher } from './snapshots.js';

export interface ClusterNodeOptions extends Omit<JoinOptions, 'log'> {
  region: string;
  version: string;
  store: Store;
  clock: Clock;
  log: Logger;
  /** The judge for results from other nodes (it judges only what this node coordinates). */
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
}

export interface ClusterStatus {
  node: string;
  replicas: number;
  nodes: MemberView[];
  /** Own result batches not yet acknowledged by the stream. */
  outboxDepth: number;
  /** Whether the last publish failed: the cluster takes no results now (island mode). */
  publishing: 'ok' | 'failing';
  /** Stream messages not yet applied here, as last seen. */
  replicationLag: number;
  /** Config revision (bucket sequence) this replica applied. */
  configRevision: number;
  /** Malformed messages passed over: heartbeats and result batches. */
  rejected: { heartbeats: number; results: number };
}

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
    private readonly membership: Membership,
    private readonly publisher: ResultPublisher,
    private readonly follower: ResultFollower,
    private readonly snapshots: SnapshotPublisher,
    /** The stream position this replica must reach before the node takes part, and whether it did. */
    private readonly catchUp: { position: number; caughtUp: { done: boolean } },
    private readonly replicas: number,
    private readonly options: ClusterNodeOptions,
    private readonly closeLink: () => Promise<void>,
  ) {}

  /**
   * Joins: connects, checks the key, loads the config into the replica (before anything is
   * checked or judged), merges the latest snapshot when the replica is empty or the stream
   * no longer reaches back to its position, and prepares membership and the results
   * stream. Call `start()`.
   */
  static async join(options: ClusterNodeOptions): Promise<ClusterNode> {
    const { store, log, clock } = options;
    const link = await joinCluster(options);
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
      const caughtUp = { done: false };
      const assignment = new ClusterAssignment(options.nodeId, options.locationsOf);
      const membership = new Membership({
        nc: link.nc,
        self: { id: options.nodeId, region: options.region, version: options.version },
        clock,
        log,
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
        applied: () => store.streamPosition(),
        apply: (results, position) => {
          try {
            // A node catching up judges nothing: the members that coordinated these results
            // judged them when they came (alone before its first heartbeat, this node would
            // judge them all and repeat their alerts).
            const report = store.ingest(results, caughtUp.done ? options.judge : undefined, {
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
        membership,
        publisher,
        follower,
        snapshots,
        { position: stream.last_seq, caughtUp },
        link.replicas,
        options,
        () => link.close(),
      );
    } catch (error) {
      await link.close();
      throw error;
    }
  }

  /**
   * Starts publishing and following; once the replica holds the stream as it was at join,
   * starts heartbeats (until then the peers keep this node's share: it judges and serves
   * only from a whole replica) and snapshots, then waits two heartbeats so this node knows
   * its peers before its scheduler asks what to check (else it would check every monitor
   * for a moment).
   */
  async start(): Promise<void> {
    this.publisher.start();
    this.follower.start();
    await this.follower.reach(this.catchUp.position);
    this.catchUp.caughtUp.done = true;
    this.membership.start();
    this.snapshots.start();
    await new Promise((resolve) => setTimeout(resolve, 2 * this.options.heartbeatMs));
  }

  /** Own results were stored with their outbox rows: publish them. */
  resultsStored(): void {
    this.publisher.wake();
  }

  status(): ClusterStatus {
    return {
      node: this.options.nodeId,
      replicas: this.replicas,
      nodes: this.membership.view(),
      outboxDepth: this.options.store.outboxDepth(),
      publishing: this.publisher.isFailing ? 'failing' : 'ok',
      replicationLag: this.follower.lag,
      configRevision: this.config.appliedRevision,
      rejected: {
        heartbeats: this.membership.rejectedHeartbeats,
        results: this.follower.rejectedMessages,
      },
    };
  }

  /** Says goodbye (peers take over at once), stops following and publishing, disconnects. */
  async stop(): Promise<void> {
    await this.membership.stop();
    this.snapshots.stop();
    this.publisher.stop();
    this.follower.stop();
    this.config.close();
    await this.closeLink();
  }
}
