/**
 * Up/down as a pure function of (state, result, policy). Every replica feeds it each new
 * result as it stores it; what it returns is written in the same transaction as the result,
 * so a transition, its incident and its queued alerts are one durable fact. A result older
 * than the newest judged is not judged: the store then judges the monitor's stored results
 * again through it, in (slot, node) order from a point where it was up (`Store.ingest`).
 *
 * A monitor checked from several locations (regions) is judged on what they agree on: the
 * state keeps each location's latest result, `agreement` says whether enough of them fail,
 * and that combined status of the newest slot goes through the same up/down rules.
 */

import {
  agreement,
  recentLocations,
  type ConfirmationPolicy,
  type LocationResult,
} from './locations.js';

export interface MonitorState {
  status: 'unknown' | 'up' | 'down';
  /** The newest slot judged; an older result arriving late is judged again in order. */
  lastSlot: number | null;
  /** Consecutive failing results. */
  failures: number;
  /** Slot of the first of those failures. */
  firstFailureSlot: number | null;
  /** Error of the latest failure. */
  lastError: string | null;
  /** The open incident while down. */
  incidentId: string | null;
  incidentStartedAt: number | null;
  /** Whether the down alert of the open incident went out (not during maintenance). */
  incidentAnnounced: boolean;
  remindersSent: number;
  /** The certificate expiry last seen (ms) and the tightest warning threshold sent for it. */
  certExpiresAt: number | null;
  certWarnedDays: number | null;
  /**
   * With several locations: each region's latest result (recent ones only; absent in states
   * written before locations existed).
   */
  locations?: Readonly<Record<string, LocationResult>>;
  /** With several locations: the status they agreed on for `lastSlot`. */
  lastStatus?: 'up' | 'down';
}

export const INITIAL_STATE: MonitorState = stateFrom(undefined);

/**
 * A copy of a state (stored: maybe from an older version, missing fields take their initial
 * value), built as one literal so that every monitor's state shares one V8 hidden class.
 * Spreading a state into a new object does not: with thousands of monitors each copy ends
 * up with a hidden class of its own, some 300 bytes a monitor more.
 */
export function stateFrom(stored: Partial<MonitorState> | undefined): MonitorState {
  const state: MonitorState = {
    status: stored?.status ?? 'unknown',
    lastSlot: stored?.lastSlot ?? null,
    failures: stored?.failures ?? 0,
    firstFailureSlot: stored?.firstFailureSlot ?? null,
    lastError: stored?.lastError ?? null,
    incidentId: stored?.incidentId ?? null,
    incidentStartedAt: stored?.incidentStartedAt ?? null,
    incidentAnnounced: stored?.incidentAnnounced ?? false,
    remindersSent: stored?.remindersSent ?? 0,
    certExpiresAt: stored?.certExpiresAt ?? null,
    certWarnedDays: stored?.certWarnedDays ?? null,
  };
  if (stored?.locations !== undefined) state.locations = stored.locations;
  if (stored?.lastStatus !== undefined) state.lastStatus = stored.lastStatus;
  return state;
}

export interface JudgedResult {
  slot: number;
  status: 'up' | 'down';
  error?: string;
  /** The region of the node that checked it: its location (see AlertPolicy.confirmation). */
  region?: string;
  certDaysLeft?: number;
  certExpiresAt?: number;
}

export interface AlertPolicy {
  monitorId: string;
  /** Failures tolerated before down. */
  retries: number;
  /** Re-send the down alert every this many minutes while down; null: never. */
  renotifyMinutes: number | null;
  /** Days before certificate expiry to warn at, e.g. [30, 14, 7]. */
  certWarnDays: readonly number[];
  /** Whether a maintenance window covers the result's slot: incidents open, alerts do not. */
  inMaintenance: boolean;
  /** A monitor checked from several locations; absent: each result is judged alone. */
  confirmation?: ConfirmationPolicy;
}

export type AlertAction =
  | {
      kind: 'open-incident';
      incidentId: string;
      startedAt: number;
      cause: string;
      inMaintenance: boolean;
    }
  | { kind: 'close-incident'; incidentId: string; endedAt: number }
  | { kind: 'notify'; event: 'monitor.down'; key: string; incidentId: string; reminder?: number }
  | { kind: 'notify'; event: 'monitor.up'; key: string; incidentId: string }
  | {
      kind: 'notify';
      event: 'certificate.expiring';
      key: string;
      daysLeft: number;
      expiresAt: number;
    };

export interface Verdict {
  state: MonitorState;
  actions: AlertAction[];
}

/**
 * Judges one result. Returns null for a result older than one already judged (with several
 * locations: older than its own location's latest).
 */
export function judgeResult(
  previous: MonitorState,
  result: JudgedResult,
  policy: AlertPolicy,
): Verdict | null {
  if (policy.confirmation) return judgeLocations(previous, result, policy.confirmation, policy);
  if (previous.lastSlot !== null && result.slot <= previous.lastSlot) return null;
  const state = stateFrom(previous);
  state.lastSlot = result.slot;
  const actions = judgeSlot(state, result, policy);
  actions.push(...judgeCertificate(state, result, policy));
  return { state, actions };
}

/** One slot's status, alone or as the locations agreed on it, through the up/down rules. */
function judgeSlot(state: MonitorState, slot: SlotStatus, policy: AlertPolicy): AlertAction[] {
  return slot.status === 'down' ? judgeFailure(state, slot, policy) : judgeSuccess(state, slot);
}

type SlotStatus = Pick<JudgedResult, 'slot' | 'status' | 'error'>;

/**
 * Several locations: the result becomes its location's latest, and the newest slot any
 * location has (this result's, or a later one already judged) is judged again on what the
 * locations now agree on. A slot is judged once per status: a second location's result of
 * the same slot changes nothing unless it changes the agreement (up → down counts the
 * slot as a failure; down → up ends the streak).
 */
function judgeLocations(
  previous: MonitorState,
  result: JudgedResult,
  confirmation: ConfirmationPolicy,
  policy: AlertPolicy,
): Verdict | null {
  const region = result.region ?? '';
  const latest = previous.locations?.[region];
  if (latest && result.slot <= latest.slot) return null;
  const slot = Math.max(result.slot, previous.lastSlot ?? result.slot);
  const own: LocationResult = {
    slot: result.slot,
    status: result.status,
    ...(result.error === undefined ? {} : { error: result.error }),
  };
  const locations = recentLocations(
    { ...previous.locations, [region]: own },
    slot,
    confirmation.staleAfterMs,
  );
  const state = stateFrom(previous);
  state.locations = locations;
  const agreed = agreement(locations, confirmation.needed);
  const actions: AlertAction[] = [];
  const judged = previous.lastSlot === slot && previous.lastStatus === agreed?.status;
  if (agreed && !judged) {
    state.lastSlot = slot;
    state.lastStatus = agreed.status;
    actions.push(...judgeSlot(state, { slot, ...agreed }, policy));
  }
  actions.push(...judgeCertificate(state, result, policy));
  return { state, actions };
}

function judgeFailure(state: MonitorState, result: SlotStatus, policy: AlertPolicy): AlertAction[] {
  state.failures += 1;
  state.firstFailureSlot ??= result.slot;
  state.lastError = result.error ?? 'down';
  if (state.status === 'down') return remind(state, result, policy);
  if (state.failures <= policy.retries) return [];
  const incidentId = `${policy.monitorId}:${state.firstFailureSlot}`;
  state.status = 'down';
  state.incidentId = incidentId;
  state.incidentStartedAt = state.firstFailureSlot;
  state.incidentAnnounced = !policy.inMaintenance;
  state.remindersSent = 0;
  const actions: AlertAction[] = [
    {
      kind: 'open-incident',
      incidentId,
      startedAt: state.firstFailureSlot,
      cause: state.lastError,
      inMaintenance: policy.inMaintenance,
    },
  ];
  if (state.incidentAnnounced) {
    actions.push({ kind: 'notify', event: 'monitor.down', key: `${incidentId}:down`, incidentId });
  }
  return actions;
}

function remind(state: MonitorState, result: SlotStatus, policy: AlertPolicy): AlertAction[] {
  if (policy.renotifyMinutes === null || policy.inMaintenance || state.incidentId === null)
    return [];
  const every = policy.renotifyMinutes * 60_000;
  const due = Math.floor((result.slot - (state.incidentStartedAt ?? result.slot)) / every);
  if (due <= state.remindersSent) return [];
  state.remindersSent = due;
  // A down alert never sent (the incident began in maintenance) goes out now as the first.
  const firstAnnouncement = !state.incidentAnnounced;
  state.incidentAnnounced = true;
  return [
    {
      kind: 'notify',
      event: 'monitor.down',
      key: firstAnnouncement ? `${state.incidentId}:down` : `${state.incidentId}:down:${due}`,
      incidentId: state.incidentId,
      ...(firstAnnouncement ? {} : { reminder: due }),
    },
  ];
}

function judgeSuccess(state: MonitorState, result: SlotStatus): AlertAction[] {
  const wasDown = state.status === 'down' && state.incidentId !== null;
  const incidentId = state.incidentId;
  const announced = state.incidentAnnounced;
  state.status = 'up';
  state.failures = 0;
  state.firstFailureSlot = null;
  state.lastError = null;
  state.incidentId = null;
  state.incidentStartedAt = null;
  state.incidentAnnounced = false;
  state.remindersSent = 0;
  if (!wasDown || incidentId === null) return [];
  const actions: AlertAction[] = [{ kind: 'close-incident', incidentId, endedAt: result.slot }];
  // No "up" for an outage nobody was told about (it began and ended in maintenance).
  if (announced)
    actions.push({ kind: 'notify', event: 'monitor.up', key: `${incidentId}:up`, incidentId });
  return actions;
}

/**
 * After a replay (results judged again in order, see the store's rejudge) changed `before`
 * into `after`: the "up" owed for an announced incident the replay no longer holds open,
 * because the late results show the monitor up again. Without it the receiver of that "down"
 * would never hear the end of it. While the replay leaves the monitor down under another
 * incident nothing is sent: an "up" then would tell a person the monitor is up when it is not.
 */
export function settleReplay(before: MonitorState, after: MonitorState): AlertAction[] {
  const incidentId = before.incidentId;
  if (before.status !== 'down' || incidentId === null || !before.incidentAnnounced) return [];
  if (after.status === 'down') return [];
  return [{ kind: 'notify', event: 'monitor.up', key: `${incidentId}:up`, incidentId }];
}

function judgeCertificate(
  state: MonitorState,
  result: JudgedResult,
  policy: AlertPolicy,
): AlertAction[] {
  if (result.certDaysLeft === undefined || result.certExpiresAt === undefined) return [];
  if (state.certExpiresAt !== result.certExpiresAt) {
    // A new certificate: its warnings start afresh.
    state.certExpiresAt = result.certExpiresAt;
    state.certWarnedDays = null;
  }
  const daysLeft = result.certDaysLeft;
  const crossed = policy.certWarnDays.filter((days) => daysLeft <= days);
  if (crossed.length === 0 || policy.inMaintenance) return [];
  const threshold = Math.min(...crossed);
  if (state.certWarnedDays !== null && state.certWarnedDays <= threshold) return [];
  state.certWarnedDays = threshold;
  return [
    {
      kind: 'notify',
      event: 'certificate.expiring',
      key: `${policy.monitorId}:cert:${result.certExpiresAt}:${threshold}`,
      daysLeft,
      expiresAt: result.certExpiresAt,
    },
  ];
}
