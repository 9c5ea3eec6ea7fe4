/**
 * The one deadline/abort helper: a bound on one operation (a check, a notification attempt)
 * that ends it when its time is up or when its caller aborts, and says which of the two.
 */

/** Why an operation was cut short: its time ran out, or its caller aborted it. */
export type Interruption = 'timeout' | 'abort';

/**
 * A signal for one operation that aborts after `timeoutMs` or when `parent` aborts, whichever
 * comes first. Not AbortSignal.any / AbortSignal.timeout: on Node 20 every `any` call leaves an
 * entry on the parent signal, which may live as long as the process, and neither says which
 * of the two fired. Call `end()` once the operation is over (it releases the timer and the
 * listener on the parent); a deadline that fired needs no `end()`, but it is harmless.
 */
export class Deadline {
  private readonly aborter = new DeadlineSignal();
  /** Aborts when the deadline passes or the parent aborts; pass it to the operation. */
  readonly signal: AbortSignal = this.aborter;
  /** What cut the operation short, or undefined while it has not been. */
  interruption: Interruption | undefined;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly onParentAbort = (): void => this.interrupt(interruptionOf(this.parent));

  /**
   * @param timeoutMs limit for the operation, ms
   * @param parent the caller's signal (a node shutting down, a check's own signal)
   * @param onInterrupt called once, at the moment the deadline fires, before `signal` aborts
   *   (a check settles then, whatever its probe still does)
   */
  constructor(
    readonly timeoutMs: number,
    private readonly parent: AbortSignal,
    private readonly onInterrupt?: (interruption: Interruption) => void,
  ) {
    if (parent.aborted) {
      this.interrupt(interruptionOf(parent));
      return;
    }
    this.timer = setTimeout(() => this.interrupt('timeout'), timeoutMs);
    listenOn(parent, this.onParentAbort);
  }

  /** Releases the timer and the listener on the parent; the signal will not abort any more. */
  end(): void {
    clearTimeout(this.timer);
    stopListening(this.parent, this.onParentAbort);
  }

  private interrupt(interruption: Interruption): void {
    if (this.interruption !== undefined) return;
    this.interruption = interruption;
    this.end();
    this.onInterrupt?.(interruption);
    this.aborter.abort(
      interruption === 'timeout'
        ? new DOMException(`no result within ${this.timeoutMs} ms`, 'TimeoutError')
        : this.parent.reason,
    );
  }
}

/** The deadlines waiting on one parent signal, and the one listener that tells them. */
interface Waiters {
  listeners: Set<() => void>;
  onAbort: () => void;
}

/**
 * Deadlines listen on their parent through one listener per parent, not one each: a check
 * thread's checks share one stop signal, and an EventTarget's addEventListener walks its
 * whole list (it refuses duplicates), so with a listener per check every check cost time in
 * proportion to the checks running (14 % of a check thread's busy time at 15,000 slow
 * targets a thread). A Set adds and deletes in constant time.
 */
const waitersOf = new WeakMap<AbortSignal, Waiters>();

function listenOn(parent: AbortSignal, listener: () => void): void {
  let waiters = waitersOf.get(parent);
  if (!waiters) {
    const listeners = new Set<() => void>();
    const onAbort = (): void => {
      waitersOf.delete(parent);
      for (const tell of listeners) tell();
    };
    waiters = { listeners, onAbort };
    waitersOf.set(parent, waiters);
    parent.addEventListener('abort', onAbort, { once: true });
  }
  waiters.listeners.add(listener);
}

function stopListening(parent: AbortSignal, listener: () => void): void {
  const waiters = waitersOf.get(parent);
  if (!waiters?.listeners.delete(listener) || waiters.listeners.size > 0) return;
  // The last one gone: nothing of it stays on a parent that may live as long as the process.
  waitersOf.delete(parent);
  parent.removeEventListener('abort', waiters.onAbort);
}

/**
 * A deadline's signal: what an AbortSignal is to its listeners (`aborted`, `reason`, one
 * `abort` event, `onabort`), so Node's own APIs and libraries take it as one. Not an
 * AbortController's: on Node 20 every signal one makes outlives the young generation (~400
 * bytes of old-space garbage each, and ~3 µs to make), and a check thread makes one per
 * check, thousands a second; an EventTarget of our own does neither.
 */
class DeadlineSignal extends EventTarget implements AbortSignal {
  aborted = false;
  reason: unknown = undefined;
  onabort: ((this: AbortSignal, event: Event) => unknown) | null = null;

  throwIfAborted(): void {
    if (this.aborted) throw this.reason;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const event = new Event('abort');
    this.onabort?.call(this, event);
    this.dispatchEvent(event);
  }
}

/**
 * Why `signal` aborted: a caller that aborts with AbortSignal.timeout() (a DOMException named
 * TimeoutError) means a timeout too; any other reason is an abort.
 */
export function interruptionOf(signal: AbortSignal): Interruption {
  const reason: unknown = signal.reason;
  return reason instanceof DOMException && reason.name === 'TimeoutError' ? 'timeout' : 'abort';
}
