import { slotAfter } from '../slots/index.js';

/** A check to run: this monitor, for this slot. */
export interface DueCheck {
  monitorId: string;
  slot: number;
  /** Slots passed over because the plan was more than one interval late. */
  skipped: number;
}

interface Entry {
  due: number;
  monitorId: string;
  generation: number;
}

/**
 * Which monitor's slot comes next, for any number of monitors: a binary min-heap keyed by
 * slot time, so one timer serves them all and taking the due checks costs O(log n) each.
 * Pure: every method takes `now`; a change of a monitor bumps its generation and leaves the
 * stale heap entry to be dropped when it surfaces.
 */
export class SlotPlan {
  private readonly heap: Entry[] = [];
  private readonly monitors = new Map<
    string,
    { intervalMs: number; generation: number; since: number }
  >();
  private generations = 0;

  get size(): number {
    return this.monitors.size;
  }

  /** Adds or re-times a monitor; its first slot is the first one after `now`. */
  upsert(monitorId: string, intervalMs: number, now: number): void {
    const generation = ++this.generations;
    this.monitors.set(monitorId, { intervalMs, generation, since: now });
    this.push({ due: slotAfter(monitorId, intervalMs, now), monitorId, generation });
  }

  remove(monitorId: string): void {
    this.monitors.delete(monitorId);
  }

  has(monitorId: string): boolean {
    return this.monitors.has(monitorId);
  }

  /** When the monitor was last added or re-timed (`upsert`'s `now`); undefined when not planned. */
  since(monitorId: string): number | undefined {
    return this.monitors.get(monitorId)?.since;
  }

  /** When the next slot is due (ms), or null with no monitors. */
  nextDue(): number | null {
    this.dropStale();
    return this.heap[0]?.due ?? null;
  }

  /**
   * Takes every check due at `now` and plans each monitor's next slot. When the plan fell
   * behind by more than an interval, the latest due slot is checked and the older ones are
   * reported as skipped: catching up on stale slots would only make every check late.
   */
  takeDue(now: number): DueCheck[] {
    const due: DueCheck[] = [];
    for (;;) {
      this.dropStale();
      const top = this.heap[0];
      if (!top || top.due > now) break;
      this.pop();
      const monitor = this.monitors.get(top.monitorId);
      if (!monitor) continue;
      const skipped = Math.floor((now - top.due) / monitor.intervalMs);
      const slot = top.due + skipped * monitor.intervalMs;
      due.push({ monitorId: top.monitorId, slot, skipped });
      // The same entry goes back in: a new one per slot would outlive the young generation
      // (it waits an interval) and end as old-space garbage, thousands a second.
      top.due = slot + monitor.intervalMs;
      this.push(top);
    }
    return due;
  }

  private dropStale(): void {
    for (;;) {
      const top = this.heap[0];
      if (!top || this.monitors.get(top.monitorId)?.generation === top.generation) return;
      this.pop();
    }
  }

  private push(entry: Entry): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((heap[parent] as Entry).due <= entry.due) break;
      heap[i] = heap[parent] as Entry;
      i = parent;
    }
    heap[i] = entry;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop();
    if (!last || heap.length === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child =
        right < heap.length && (heap[right] as Entry).due < (heap[left] as Entry).due
          ? right
          : left;
      if ((heap[child] as Entry).due >= last.due) break;
      heap[i] = heap[child] as Entry;
      i = child;
    }
    heap[i] = last;
  }
}
