import type { Assignment } from './ports.js';
import { ownersOf, type Member, type MonitorOwners } from './rendezvous.js';

/**
 * Which monitors this node checks and coordinates, by rendezvous hashing over the live
 * members. Owners are computed when first asked and kept until the members change (or the
 * monitor does): the scheduler asks for every due slot.
 */
export class ClusterAssignment implements Assignment {
  private current: readonly Member[] = [];
  private readonly owners = new Map<string, MonitorOwners>();

  constructor(
    private readonly self: string,
    /** How many regions check a monitor (its `locations`), 1 when unknown. */
    private readonly locationsOf: (monitorId: string) => number,
  ) {}

  /** The live members changed: every monitor's owners are computed again. */
  setMembers(members: readonly Member[]): void {
    this.current = members;
    this.owners.clear();
  }

  /** The live members it assigns over. */
  get members(): readonly Member[] {
    return this.current;
  }

  /** A monitor changed (its locations may have): its owners are computed again. */
  forget(monitorId: string): void {
    this.owners.delete(monitorId);
  }

  checks(monitorId: string): boolean {
    return this.ownersOf(monitorId).checkers.some((member) => member.id === this.self);
  }

  coordinates(monitorId: string): boolean {
    return this.ownersOf(monitorId).coordinator?.id === this.self;
  }

  /** The live members that check a monitor (for status pages). */
  checkersOf(monitorId: string): readonly Member[] {
    return this.ownersOf(monitorId).checkers;
  }

  locations(monitorId: string): number {
    return Math.max(1, this.ownersOf(monitorId).checkers.length);
  }

  private ownersOf(monitorId: string): MonitorOwners {
    let owners = this.owners.get(monitorId);
    if (!owners) {
      owners = ownersOf(monitorId, this.current, this.locationsOf(monitorId));
      this.owners.set(monitorId, owners);
    }
    return owners;
  }
}
