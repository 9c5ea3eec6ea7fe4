/**
 * The node's live events: each monitor's state as the node judges its results, handed to
 * whoever listens for that monitor's account (the dashboard's event streams). In-process
 * only: every node judges every result it stores, so each node's hub sees every change.
 */
import type { Monitor } from '../model/index.js';
import type { CheckedResult, Judge, StoredResult } from '../store/index.js';

/** The latest result of a monitor, as events and the dashboard show it: as stored. */
export type ResultSummary = StoredResult;

/** A monitor's state after a result was judged and stored. */
export interface MonitorEvent {
  monitor: Monitor;
  /** The judge's verdict: `unknown` before it has one. */
  status: 'up' | 'down' | 'unknown';
  latest: ResultSummary;
}

/**
 * Called with the events of one account, several at once (one store write's worth): the same
 * array for each listener of that account, so a listener may keep what it derives from it.
 */
export type EventListener = (events: readonly MonitorEvent[]) => void;

export interface EventHubOptions {
  /** Listeners one account may have at once. @defaultValue 20 */
  maxPerAccount?: number;
  /** A listener threw: it is removed, and this is told. */
  onListenerError?: (error: unknown) => void;
}

/**
 * Per-account fan-out of judged results. A judgement is staged while its result is being
 * stored (`observe` wraps the judge, which runs inside the store's transaction) and published
 * by `commit` once the write succeeded, so a listener never hears of a state that was rolled
 * back; `discard` drops what a failed write staged. Staging keeps the latest event of each
 * monitor, and nothing at all for accounts nobody listens to.
 */
export class EventHub {
  readonly maxPerAccount: number;
  private readonly listeners = new Map<string, Set<EventListener>>();
  private staged = new Map<string, MonitorEvent>();

  constructor(private readonly options: EventHubOptions = {}) {
    this.maxPerAccount = options.maxPerAccount ?? 20;
  }

  /** `judge`, staging an event for each judgement it makes of an account someone listens to. */
  observe(judge: Judge): Judge {
    const observed: Judge = (monitor, state, result, replay) => {
      const judgement = judge(monitor, state, result, replay);
      if (judgement && this.listeners.has(monitor.accountId)) {
        const status = (judgement.state as { status?: MonitorEvent['status'] }).status;
        this.staged.set(monitor.id, {
          monitor,
          status: status ?? 'unknown',
          latest: summarize(result),
        });
      }
      return judgement;
    };
    // A replay's owed alerts (the states it judged were staged above, one at a time).
    if (judge.settle) observed.settle = judge.settle;
    return observed;
  }

  /** Publishes what was staged since the last commit or discard (call after a write). */
  commit(): void {
    if (this.staged.size === 0) return;
    const byAccount = new Map<string, MonitorEvent[]>();
    for (const event of this.staged.values()) {
      const events = byAccount.get(event.monitor.accountId);
      if (events) events.push(event);
      else byAccount.set(event.monitor.accountId, [event]);
    }
    this.staged = new Map();
    for (const [accountId, events] of byAccount) {
      for (const listener of this.listeners.get(accountId) ?? []) {
        try {
          listener(events);
        } catch (error) {
          this.remove(accountId, listener);
          this.options.onListenerError?.(error);
        }
      }
    }
  }

  /** Drops what was staged: the write it belonged to failed. */
  discard(): void {
    this.staged.clear();
  }

  /**
   * Listens to an account's events; returns the function that stops listening, or undefined
   * when the account already has `maxPerAccount` listeners.
   */
  subscribe(accountId: string, listener: EventListener): (() => void) | undefined {
    let set = this.listeners.get(accountId);
    if ((set?.size ?? 0) >= this.maxPerAccount) return undefined;
    if (!set) this.listeners.set(accountId, (set = new Set()));
    set.add(listener);
    return () => this.remove(accountId, listener);
  }

  /** How many listeners the account has. */
  listening(accountId: string): number {
    return this.listeners.get(accountId)?.size ?? 0;
  }

  private remove(accountId: string, listener: EventListener): void {
    const set = this.listeners.get(accountId);
    if (!set?.delete(listener)) return;
    if (set.size === 0) this.listeners.delete(accountId);
  }
}

/** A stored result as events show it. */
export function summarize(result: CheckedResult | ResultSummary): ResultSummary {
  return {
    slot: result.slot,
    checkedAt: result.checkedAt,
    status: result.status,
    latencyMs: Math.max(0, Math.round(result.latencyMs)),
    error: result.error ?? null,
    node: result.node,
    region: result.region,
  };
}
