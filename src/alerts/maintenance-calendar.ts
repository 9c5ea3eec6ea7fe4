import type { ConfigWriter } from '../cluster/index.js';
import type { MaintenanceWindow } from '../model/index.js';
import type { Store } from '../store/index.js';
import { inMaintenance } from './maintenance.js';

/**
 * Each account's maintenance windows, read from the store once and dropped when one of them
 * changes: the one cache of this fact, shared by the judge (alerts held) and the API (a
 * monitor's `inMaintenance`), so the two never disagree.
 */
export class MaintenanceCalendar {
  private readonly byAccount = new Map<string, readonly MaintenanceWindow[]>();

  constructor(
    private readonly store: Pick<Store, 'listScoped'>,
    config: Pick<ConfigWriter, 'onChange'>,
  ) {
    // It lives as long as the node and its config writer: no unsubscribe needed.
    config.onChange((change) => {
      if (change.kind === 'maintenance') this.byAccount.delete(change.accountId);
    });
  }

  /** Reads every account's windows again (the node's store was replaced by a fresh one). */
  forgetAll(): void {
    this.byAccount.clear();
  }

  /** The account's maintenance windows. */
  windowsOf(accountId: string): readonly MaintenanceWindow[] {
    let windows = this.byAccount.get(accountId);
    if (!windows) {
      windows = this.store.listScoped<MaintenanceWindow>('maintenance', accountId);
      this.byAccount.set(accountId, windows);
    }
    return windows;
  }

  /** Whether a window of its account covers the monitor at `at` (ms since the epoch). */
  covers(monitor: { id: string; accountId: string }, at: number): boolean {
    return inMaintenance(this.windowsOf(monitor.accountId), monitor.id, at);
  }
}
