/**
 * Due checks waiting for room, one first-in first-out queue per account, served round-robin:
 * an account with thousands of waiting checks takes one turn like an account with one, so it
 * cannot push another account's checks back behind its own. Push and take are O(1), but for
 * the accounts a take passes over because they may not run more now (at most once each).
 */
export class FairQueue<T> {
  private readonly queues = new Map<string, Fifo<T>>();
  /** Accounts with waiting items, each once, in turn order. */
  private readonly turns = new Fifo<string>();

  push(account: string, item: T): void {
    let queue = this.queues.get(account);
    if (!queue) {
      queue = new Fifo<T>();
      this.queues.set(account, queue);
      this.turns.push(account);
    }
    queue.push(item);
  }

  /**
   * The oldest item of the account whose turn it is, passing over accounts `blocked` says may
   * not run more now (to the back of the turns); undefined when none waits or all are blocked.
   * Each take asks about every waiting account at most once.
   */
  take(blocked?: (account: string) => boolean): T | undefined {
    for (let tries = this.turns.size; tries > 0; tries--) {
      const account = this.turns.take() as string;
      const queue = this.queues.get(account) as Fifo<T>;
      if (blocked?.(account)) {
        this.turns.push(account);
        continue;
      }
      const item = queue.take();
      if (queue.size > 0) this.turns.push(account);
      else this.queues.delete(account);
      return item;
    }
    return undefined;
  }

  clear(): void {
    this.queues.clear();
    this.turns.clear();
  }
}

/** A first-in first-out queue with O(1) take (Array.shift is O(n) on a long backlog). */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  take(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}
