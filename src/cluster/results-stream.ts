import type { Logger } from 'pino';
import {
  DeliverPolicy,
  type Consumer,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import type { Clock, TimerHandle } from '../clock/index.js';
import { describeError } from '../errors/index.js';
import type { CheckedResult } from '../store/index.js';
import { decodeBatch, encodeBatch } from './result-batch.js';
import type { WireLog } from './wire.js';

export const RESULTS_STREAM = 'TIRELESS_RESULTS';
const SUBJECT_PREFIX = 'tireless.v1.results';
/** How long one pull of the follower waits for messages, ms. */
const PULL_EXPIRES_MS = 4000;
/**
 * How long after its expiry a pull that the server ended without a word is given up, ms:
 * nats-server 2.9 drops a pull that expires as a message arrives for it without sending its
 * 408, and one whose server went away answers nothing at all.
 */
const PULL_SILENT_AFTER_MS = 250;

export interface ResultsStreamOptions {
  replicas: number;
  /** How long the stream keeps results; a node that was away longer starts from a snapshot, ms. */
  maxAgeMs: number;
}

/** Creates the results stream, or updates its replicas and age if it exists. */
export async function ensureResultsStream(
  jsm: JetStreamManager,
  options: ResultsStreamOptions,
): Promise<void> {
  const config = {
    name: RESULTS_STREAM,
    subjects: [`${SUBJECT_PREFIX}.>`],
    num_replicas: options.replicas,
    max_age: options.maxAgeMs * 1_000_000,
    // Re-publishing a batch after a crash within this window is dropped by the stream;
    // later, the replicas' idempotent ingest drops it.
    duplicate_window: 120 * 1_000_000_000,
  };
  try {
    await jsm.streams.info(RESULTS_STREAM);
    await jsm.streams.update(RESULTS_STREAM, config);
  } catch {
    await jsm.streams.add(config);
  }
}

/**
 * This node's results waiting to be published, kept durably beside them (the store writes a
 * node's own results and its outbox row in one transaction): a stream that loses messages,
 * or a cluster that is away, never holds the last copy.
 */
export interface Outbox {
  /** The oldest unpublished batches, oldest first. */
  pending(limit: number): { seq: number; results: CheckedResult[] }[];
  /** The stream acknowledged these batches. */
  published(seqs: readonly number[]): void;
  /** Batches waiting. */
  depth(): number;
}

export interface ResultPublisherOptions {
  js: JetStreamClient;
  outbox: Outbox;
  node: string;
  clock: Clock;
  log: Logger;
  /** Publishes in flight at most. @defaultValue 64 */
  inFlight?: number;
  /** Wait after a failed publish (no quorum, no connection), ms. @defaultValue 1000 */
  retryMs?: number;
}

/**
 * Drains the outbox into the results stream. Each batch's message id is `node:seq`, so a
 * batch sent again after a crash is dropped by JetStream (or, later, by the replicas).
 * When the cluster cannot take messages — island mode — batches stay in the outbox and go
 * out in order when it can.
 */
export class ResultPublisher {
  private timer: TimerHandle | null = null;
  private running = false;
  private stopped = false;
  private failing = false;
  private lastAckAt = -Infinity;

  constructor(private readonly options: ResultPublisherOptions) {}

  /** Whether the last publish failed (the cluster took nothing). */
  get isFailing(): boolean {
    return this.failing;
  }

  /** When the stream last acknowledged a batch (ms since the epoch; -Infinity: never). */
  get ackedAt(): number {
    return this.lastAckAt;
  }

  start(): void {
    this.stopped = false;
    this.wake();
  }

  /** There is something new in the outbox. */
  wake(): void {
    if (this.stopped || this.running) return;
    this.timer?.cancel();
    this.timer = null;
    void this.drain();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
  }

  private async drain(): Promise<void> {
    const { outbox, js, node, log } = this.options;
    this.running = true;
    try {
      for (;;) {
        const batches = outbox.pending(this.options.inFlight ?? 64);
        if (batches.length === 0 || this.stopped) break;
        const outcomes = await Promise.allSettled(
          batches.map((batch) => {
            const parts = encodeBatch({ node, results: batch.results });
            return Promise.all(
              parts.map((part, i) =>
                js.publish(`${SUBJECT_PREFIX}.${node}`, part, {
                  msgID: parts.length === 1 ? `${node}:${batch.seq}` : `${node}:${batch.seq}.${i}`,
                }),
              ),
            );
          }),
        );
        const done = batches.filter((_, i) => outcomes[i]?.status === 'fulfilled');
        outbox.published(done.map((batch) => batch.seq));
        if (done.length > 0) this.lastAckAt = this.options.clock.now();
        const failed = outcomes.find((o) => o.status === 'rejected');
        if (failed) {
          if (!this.failing) {
            log.warn(
              { error: describeError(failed.reason), waiting: outbox.depth() },
              'results not published: the cluster takes none now; they wait in the outbox',
            );
          }
          this.failing = true;
          this.timer = this.options.clock.setTimer(() => this.wake(), this.options.retryMs ?? 1000);
          return;
        }
        if (this.failing) log.info('results flow to the cluster again');
        this.failing = false;
      }
    } finally {
      this.running = false;
    }
  }
}

export interface ResultFollowerOptions {
  js: JetStreamClient;
  log: Logger;
  /** The stream position this replica has applied (0: none). */
  applied: () => number;
  /**
   * Applies results from the stream, in stream order, with the position reached: the
   * store writes both in one transaction, so a restart resumes exactly after them.
   */
  apply: (results: CheckedResult[], position: number) => void;
  /** Counts and logs the messages passed over (garbage) and kept (a newer version). */
  wire: WireLog;
  /** Stream positions of messages of a newer version, read again at each start. */
  parked: Parked;
  /** Most messages applied in one call. @defaultValue 200 */
  maxBatch?: number;
  /** Wait before following again when the stream cannot be read, ms. @defaultValue 1000 */
  retryMs?: number;
  /** How long one pull waits for messages, ms (at least 1000). @defaultValue 4000 */
  pullExpiresMs?: number;
}

/** Where a replica keeps the positions of stream messages it cannot read yet. */
export interface Parked {
  list(): number[];
  add(seq: number): void;
  remove(seq: number): void;
}

/** Parked positions kept in the replica's meta, under one key (they are rare). */
export function parkedInMeta(meta: {
  getMeta(key: string): string | undefined;
  setMeta(key: string, value: string): void;
}): Parked {
  const KEY = 'parked_results';
  const list = () => JSON.parse(meta.getMeta(KEY) ?? '[]') as number[];
  const save = (seqs: number[]) => meta.setMeta(KEY, JSON.stringify(seqs));
  return {
    list,
    add: (seq) => {
      const seqs = list();
      if (!seqs.includes(seq)) save([...seqs, seq]);
    },
    remove: (seq) => save(list().filter((s) => s !== seq)),
  };
}

/**
 * Follows the results stream from just after the position this replica applied, and
 * applies every batch, its own included (ingest ignores what it holds), so a node that lost
 * its data dir gets its own results back too. A malformed message is counted, logged and
 * passed over; its position still counts. A message of a newer version than this node reads
 * stays in the stream and its position is parked: each start reads the parked ones again
 * and applies those this (upgraded) node now reads.
 */
export class ResultFollower {
  private messages: ConsumerMessages | null = null;
  private stopped = false;
  /** `restart()` was called: the current consumer is left for a new one. */
  private restarting = false;
  private lagValue = 0;

  constructor(private readonly options: ResultFollowerOptions) {}

  /** Messages in the stream not yet applied here, as last seen. */
  get lag(): number {
    return this.lagValue;
  }

  /**
   * Resolves true once this replica applied the stream up to `position`, or false — after a
   * warning — once it has made no progress for `stallMs` (the stream cannot be read: no
   * quorum), so a cluster in trouble never keeps a node from monitoring. Logs progress
   * every 5 s of a long replay.
   */
  async reach(position: number, stallMs = 10_000): Promise<boolean> {
    const { applied, log } = this.options;
    let last = applied();
    let progressAt = Date.now();
    let loggedAt = Date.now();
    while (applied() < position) {
      if (this.stopped) return false;
      await new Promise((resolve) => setTimeout(resolve, 50));
      const now = Date.now();
      if (applied() !== last) {
        last = applied();
        progressAt = now;
      } else if (now - progressAt >= stallMs) {
        log.warn(
          { applied: last, position },
          'the results stream does not answer: going on with a replica behind it',
        );
        return false;
      }
      if (now - loggedAt >= 5000) {
        loggedAt = now;
        log.info({ applied: last, position }, 'catching up with the results stream');
      }
    }
    return true;
  }

  /**
   * Starts following, in the background: while the stream cannot be read (no quorum yet,
   * the cluster away) it tries again every `retryMs`, from the position applied by then.
   */
  start(): void {
    this.stopped = false;
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    this.messages?.stop();
    this.messages = null;
  }

  /**
   * Follows again from the position applied: after an outage the consumer may be gone
   * from the servers, and the library notices only after two missed heartbeats (a minute).
   */
  restart(): void {
    this.restarting = true;
    this.messages?.stop();
    this.messages = null;
  }

  private async run(): Promise<void> {
    const { js, log } = this.options;
    let complained = false;
    let unparked = false;
    while (!this.stopped) {
      let again = false;
      try {
        if (!unparked) await this.unpark();
        unparked = true;
        this.restarting = false;
        const consumer = await js.consumers.get(RESULTS_STREAM, {
          deliver_policy: DeliverPolicy.StartSequence,
          opt_start_seq: this.options.applied() + 1,
        });
        complained = false;
        again = await this.follow(consumer);
        // Its server may still hold it (a pull given up too early): it need not wait there
        // for its inactivity limit.
        if (again) consumer.delete().catch(() => undefined);
      } catch (error) {
        if (!complained) {
          log.warn(
            { error: describeError(error) },
            'cannot follow the results stream; trying again',
          );
          complained = true;
        }
      }
      if (!this.stopped && !again)
        await new Promise((resolve) => setTimeout(resolve, this.options.retryMs ?? 1000));
    }
  }

  /**
   * Pulls the consumer's messages one pull after another and applies them, until a pull
   * ends without a word from the server (see PULL_SILENT_AFTER_MS) or `restart()`: then
   * true, to follow again at once through a new consumer from the position applied. The
   * library's `consume()` is not used: it counts what each pull may still bring, and a pull
   * dropped without its 408 leaves it waiting for messages that never come, until two
   * heartbeats are missed (the replica then lagged some 5 s).
   */
  private async follow(consumer: Consumer): Promise<boolean> {
    const maxBatch = this.options.maxBatch ?? 200;
    const expires = this.options.pullExpiresMs ?? PULL_EXPIRES_MS;
    let results: CheckedResult[] = [];
    let position = 0;
    let count = 0;
    const flush = () => {
      if (position === 0) return;
      this.options.apply(results, position);
      results = [];
      position = 0;
      count = 0;
    };
    const { wire, parked, log } = this.options;
    while (!this.stopped && !this.restarting) {
      const messages = await consumer.fetch({
        max_messages: 1000,
        expires,
        // The most the server takes; a quiet stream sends these, a silent pull ends below.
        idle_heartbeat: expires / 2,
      });
      if (this.stopped || this.restarting) {
        messages.stop();
        break;
      }
      this.messages = messages;
      let silent = false;
      const timer = setTimeout(() => {
        silent = true;
        messages.stop();
      }, expires + PULL_SILENT_AFTER_MS);
      try {
        for await (const message of messages) {
          const decoded = decodeBatch(message.data);
          const where = { seq: message.seq, subject: message.subject };
          if (decoded.outcome === 'ok') results.push(...decoded.value.results);
          else if (decoded.outcome === 'rejected') wire.rejected('results', decoded.reason, where);
          else {
            parked.add(message.seq);
            wire.newer('results', decoded.v, where);
          }
          position = message.seq;
          this.lagValue = message.info.pending;
          // Apply when caught up or the batch is full, so a replay goes in big transactions
          // and a live result waits for nothing.
          if (++count >= maxBatch || message.info.pending === 0) flush();
        }
      } finally {
        clearTimeout(timer);
      }
      flush();
      if (silent) {
        log.info('a pull of the results stream ended without a word; following it again');
        return true;
      }
    }
    flush();
    return this.restarting;
  }

  /** Applies the parked messages this node now reads; keeps the rest; forgets trimmed ones. */
  private async unpark(): Promise<void> {
    const { parked, js, log } = this.options;
    const seqs = parked.list();
    if (seqs.length === 0) return;
    const jsm = await js.jetstreamManager();
    for (const seq of seqs) {
      const message = await jsm.streams.getMessage(RESULTS_STREAM, { seq });
      if (message === null) {
        // Past the stream's retention: the node that wrote it still holds its results.
        log.warn({ seq }, 'a parked results message is gone from the stream');
        parked.remove(seq);
        continue;
      }
      const decoded = decodeBatch(message.data);
      if (decoded.outcome === 'newer') continue;
      if (decoded.outcome === 'ok') {
        this.options.apply(decoded.value.results, this.options.applied());
        log.info({ seq }, 'a parked results message applied');
      }
      parked.remove(seq);
    }
  }
}
