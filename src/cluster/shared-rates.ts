import type { KV } from '@nats-io/kv';
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../clock/index.js';
import { describeError } from '../errors/index.js';
import { within } from './connection.js';
import type { RateCounter } from './ports.js';
import { RateTally, type RateKind } from './rate-tally.js';

/** How often the counts not yet written are written, ms. */
const WRITE_EVERY_MS = 250;
/** How long a write may take; past it (or on an error) the node counts alone, ms. */
const WRITE_TIMEOUT_MS = 1000;

export interface SharedRatesOptions {
  nodeId: string;
  clock: Clock;
  log: Logger;
}

/**
 * Rate quotas counted across a cluster, in the rates KV bucket: each node writes its own
 * count of each (kind, account, minute) under its own key and follows the others' through
 * the bucket's watch, so a request waits for no round trip unless a batch of this node's
 * admissions is still unwritten (see rate-tally.ts for the rule and its overshoot bound).
 * Until it is attached to a bucket, or while writes to it fail (island mode, no quorum), the
 * node counts its own requests alone, and says so in its log.
 */
export class SharedRates implements RateCounter {
  private readonly tally: RateTally;
  private kv: KV | null = null;
  /** The last write failed: counting alone until one lands. */
  private failing = false;
  private readonly writes = new Map<string, Promise<void>>();
  private stopWatch: (() => void) | undefined;
  private timer: TimerHandle | undefined;
  /** Moves on at each stop: an attach that a stop overtook does not start. */
  private generation = 0;

  constructor(private readonly options: SharedRatesOptions) {
    this.tally = new RateTally(options.nodeId);
  }

  /** Counts with the others' through `kv` from now on (its watch replays their counts first). */
  async attach(kv: KV): Promise<void> {
    const { clock, log } = this.options;
    this.stop();
    const generation = this.generation;
    const entries = await kv.watch();
    if (generation !== this.generation) {
      entries.stop();
      return;
    }
    this.kv = kv;
    this.stopWatch = () => entries.stop();
    void (async () => {
      for await (const entry of entries) {
        if (entry.operation === 'PUT')
          this.tally.heard(entry.key, Number(entry.string()), clock.now());
      }
    })().catch((error: unknown) =>
      log.warn(
        { error: describeError(error) },
        'rates watch ended: other nodes’ counts no longer heard',
      ),
    );
    this.schedule();
  }

  /** Stops writing and following (the counts kept go on alone). */
  stop(): void {
    this.generation++;
    this.stopWatch?.();
    this.stopWatch = undefined;
    this.timer?.cancel();
    this.timer = undefined;
    this.kv = null;
  }

  async take(
    kind: RateKind,
    accountId: string,
    limit: number,
  ): Promise<{ current: number; resetInMs: number }> {
    for (;;) {
      const shared = this.kv !== null && !this.failing;
      const decision = this.tally.take(kind, accountId, limit, this.options.clock.now(), shared);
      if (decision.kind === 'wait') {
        await this.write(decision.key);
        continue;
      }
      // A batch now unwritten: write it at once rather than on the timer.
      if (shared && this.tally.full(decision.key, limit)) void this.write(decision.key);
      return decision;
    }
  }

  /** Writes the key's count unless a write of it is under way (then waits for that one). */
  private write(key: string): Promise<void> {
    const running = this.writes.get(key);
    if (running) return running;
    const own = this.tally.toWrite(key);
    const { kv } = this;
    if (own === undefined || kv === null) return Promise.resolve();
    const { log } = this.options;
    const run = within(WRITE_TIMEOUT_MS, 'writing a rate count', kv.put(key, String(own)))
      .then(
        () => {
          this.tally.written(key, own);
          if (this.failing) log.info('rate quotas are counted across the cluster again');
          this.failing = false;
        },
        (error: unknown) => {
          if (!this.failing) {
            log.warn(
              { error: describeError(error) },
              'island mode: the rates bucket does not answer; rate quotas are counted on this node alone until it does',
            );
          }
          this.failing = true;
        },
      )
      .finally(() => this.writes.delete(key));
    this.writes.set(key, run);
    return run;
  }

  private schedule(): void {
    const { clock } = this.options;
    this.timer = clock.setTimer(() => {
      for (const { key } of this.tally.unwritten()) void this.write(key);
      this.tally.prune(clock.now());
      this.schedule();
    }, WRITE_EVERY_MS);
  }
}
