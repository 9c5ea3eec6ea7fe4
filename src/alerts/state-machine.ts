/**
 * Up/down as a pure function of (state, result, policy). Every replica feeds it each new
 * result as it stores it; what it returns is written in the same transaction as the result,
 * so a transition, its incident and its queued alerts are one durable fact. A result for a
 * slot already judged is not judged (late): the store then judges the monitor's stored
 * results again through it, in (slot, node, region) order from a point where it was up
 * (`Store.ingest`).
 *
 * A monitor checked from several locations (regions) is judged slot by slot on what they
 * agree on: the state holds each slot's results until every location that checked it (as
 * its results record) has reported (or a result two intervals newer came), then judges the
 * slot's agreement through the same up/down rules. Slots are judged in order, each once with
 * the results it holds then; a result for a slot judged already is late, and the replay in
 * order judges each slot on all its results, so replicas that receive one monitor's results
 * in any order end with the same verdicts.
 */

import {
  agreement,
  slotConfirmation,
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
   * With several locations: the results of slots not judged yet, by slot (its ms as a string)
   * and region. Absent: none.
   */
  pending?: Readonly<Record<string, Readonly<Record<string, LocationResult>>>>;
  /**
   * While down: incidents this replica announced that a replay replaced by the open one (the
   * same outage, judged again in another order). Each gets its "up" when the open one ends.
   */
  folded?: readonly string[];
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
  if (stored?.pending !== undefined) state.pending = stored.pending;
  if (stored?.folded !== undefined) state.folded = stored.folded;
  return state;
}

export interface JudgedResult {
  slot: number;
  status: 'up' | 'down';
  error?: string;
  /** The region of the node that checked it: its location (see AlertPolicy.confirmation). */
  region?: string;
  /** The node that checked it: of two results of one slot and region, the first by name counts. */
  node?: string;
  certDaysLeft?: number;
  certExpiresAt?: number;
  /** How many locations checked the monitor as the checking node saw it (see slotConfirmation). */
  locationsChecking?: number;
  /**
   * A replay's: the next result is of the same slot, so the slot is not judged before it
   * holds them all — a replay judges each slot on all its results, as a replica that
   * received them all before the slot closed did.
   */
  slotContinues?: boolean;
}

export interface AlertPolicy {
  monitorId: string;
  /** Failures tolerated before down. */
  retries: number;
  /** Re-send the down alert every this many minutes while down; null: never. */
  renotifyMinutes: number | null;
  /** Days before certificate expiry to warn at, e.g. [30, 14, 7]. */
  certWarnDays: readonly number[];
  /** Whether a maintenance window covers a slot (ms): incidents open, alerts do not. */
  inMaintenance: (slot: number) => boolean;
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
 * Judges one result. Returns null for a result of a slot already judged (late: the store
 * replays the monitor in order).
 */
export function judgeResult(
  previous: MonitorState,
  result: JudgedResult,
  policy: AlertPolicy,
): Verdict | null {
  if (previous.lastSlot !== null && result.slot <= previous.lastSlot) return null;
  if (policy.confirmation) return judgeLocations(previous, result, policy.confirmation, policy);
  const state = stateFrom(previous);
  state.lastSlot = result.slot;
  // Held for several locations, before the monitor had one.
  delete state.pending;
  const actions = judgeSlot(state, result, policy);
  actions.push(...judgeCertificate(state, result, policy));
  return { state, actions };
}

/** One slot's status, alone or as the locations agreed on it, through the up/down rules. */
function judgeSlot(state: MonitorState, slot: SlotStatus, policy: AlertPolicy): AlertAction[] {
  const quiet = policy.inMaintenance(slot.slot);
  return slot.status === 'down'
    ? judgeFailure(state, slot, policy, quiet)
    : judgeSuccess(state, slot);
}

type SlotStatus = Pick<JudgedResult, 'slot' | 'status' | 'error'>;

/**
 * Several locations: the result joins its slot's pending results (one per region: the
 * first node's by name, as a replay in (slot, node, region) order keeps it), then every
 * pending slot that is complete, older than a complete one, or past its grace is judged,
 * oldest first; a slot not yet closable holds back the newer ones (not while a replay has
 * more of the slot to give: `slotContinues`). Each slot is judged once, on its own results,
 * and whether it is closable depends only on them, so an arrival order either judges each
 * slot on all its results, as the replay does, or meets a late result and is replayed.
 */
function judgeLocations(
  previous: MonitorState,
  result: JudgedResult,
  confirmation: ConfirmationPolicy,
  policy: AlertPolicy,
): Verdict {
  const region = result.region ?? '';
  const node = result.node ?? '';
  const key = String(result.slot);
  const reported = previous.pending?.[key] ?? {};
  const kept = reported[region];
  const state = stateFrom(previous);
  const actions: AlertAction[] = [];
  // The region's count of checking locations is the most any of its results recorded.
  const checking = Math.max(kept?.checking ?? 0, result.locationsChecking ?? 0);
  const own: LocationResult =
    kept === undefined || node < kept.node
      ? {
          node,
          status: result.status,
          ...(result.error === undefined ? {} : { error: result.error }),
        }
      : kept;
  const held: LocationResult = checking > 0 ? { ...own, checking } : own;
  if (held !== kept)
    state.pending = { ...previous.pending, [key]: { ...reported, [region]: held } };
  if (!result.slotContinues) actions.push(...judgeClosedSlots(state, confirmation, policy));
  actions.push(...judgeCertificate(state, result, policy));
  return { state, actions };
}

/** Judges the pending slots that are complete or past their grace, in order; keeps the rest. */
function judgeClosedSlots(
  state: MonitorState,
  confirmation: ConfirmationPolicy,
  policy: AlertPolicy,
): AlertAction[] {
  const pending = { ...state.pending };
  const slots = Object.keys(pending)
    .map(Number)
    .sort((a, b) => a - b);
  const newest = slots.at(-1) ?? 0;
  const needs = (reported: Readonly<Record<string, LocationResult>>) =>
    slotConfirmation(reported, confirmation);
  const complete = (slot: number) => {
    const reported = pending[String(slot)] ?? {};
    return Object.keys(reported).length >= needs(reported).expected;
  };
  // A complete slot closes the older ones too: their missing results would come late.
  const lastComplete = slots.findLastIndex(complete);
  const actions: AlertAction[] = [];
  for (const [index, slot] of slots.entries()) {
    const reported = pending[String(slot)] ?? {};
    if (index > lastComplete && newest - slot < confirmation.graceMs) break;
    delete pending[String(slot)];
    state.lastSlot = slot;
    const agreed = agreement(reported, needs(reported).needed);
    if (agreed) actions.push(...judgeSlot(state, { slot, ...agreed }, policy));
  }
  if (Object.keys(pending).length > 0) state.pending = pending;
  else delete state.pending;
  return actions;
}

function judgeFailure(
  state: MonitorState,
  result: SlotStatus,
  policy: AlertPolicy,
  quiet: boolean,
): AlertAction[] {
  state.failures += 1;
  state.firstFailureSlot ??= result.slot;
  state.lastError = result.error ?? 'down';
  if (state.status === 'down') return remind(state, result, policy, quiet);
  if (state.failures <= policy.retries) return [];
  const incidentId = `${policy.monitorId}:${state.firstFailureSlot}`;
  state.status = 'down';
  state.incidentId = incidentId;
  state.incidentStartedAt = state.firstFailureSlot;
  state.incidentAnnounced = !quiet;
  state.remindersSent = 0;
  const actions: AlertAction[] = [
    {
      kind: 'open-incident',
      incidentId,
      startedAt: state.firstFailureSlot,
      cause: state.lastError,
      inMaintenance: quiet,
    },
  ];
  if (state.incidentAnnounced) {
    actions.push({ kind: 'notify', event: 'monitor.down', key: `${incidentId}:down`, incidentId });
  }
  return actions;
}

function remind(
  state: MonitorState,
  result: SlotStatus,
  policy: AlertPolicy,
  quiet: boolean,
): AlertAction[] {
  if (policy.renotifyMinutes === null || quiet || state.incidentId === null) return [];
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
  const folded = state.folded ?? [];
  state.status = 'up';
  state.failures = 0;
  state.firstFailureSlot = null;
  state.lastError = null;
  state.incidentId = null;
  state.incidentStartedAt = null;
  state.incidentAnnounced = false;
  state.remindersSent = 0;
  delete state.folded;
  if (!wasDown || incidentId === null) return [];
  const actions: AlertAction[] = [{ kind: 'close-incident', incidentId, endedAt: result.slot }];
  // No "up" for an outage nobody was told about (it began and ended in maintenance).
  if (announced) actions.push(upOf(incidentId));
  // The incidents a replay folded into this one end with it.
  actions.push(...folded.map(upOf));
  return actions;
}

function upOf(incidentId: string): AlertAction {
  return { kind: 'notify', event: 'monitor.up', key: `${incidentId}:up`, incidentId };
}

/**
 * After a replay (results judged again in order, see the store's rejudge) changed `before`
 * into `after`: the state to keep and the alerts still owed for the incidents this replica
 * had announced (its open one, and those folded into it before). A replay sends no alert
 * of its own (the transitions it replays were judged live), so without these a receiver of
 * a "down" could never hear the end of it:
 * - the replay leaves the monitor up: each announced incident gets its "up" now;
 * - it leaves the monitor down under another incident (the same outage judged in another
 *   order, e.g. after a partition): the announced ones are folded into the open one and get
 *   their "up" when it ends — an "up" now would say the monitor is up while it is not. The
 *   open one then counts as announced only if this replica announced it: its receivers
 *   know the outage by the folded ids, so it gets no "up" of its own (nor a "down", unless
 *   a reminder announces it).
 * Keys are `incident:up` as live, so every replica queues the same delivery and the claims
 * send it once.
 */
export function settleReplay(
  before: MonitorState,
  after: MonitorState,
): { state: MonitorState; actions: AlertAction[] } {
  const announced = [
    ...(before.status === 'down' && before.incidentAnnounced && before.incidentId !== null
      ? [before.incidentId]
      : []),
    ...(before.folded ?? []),
  ];
  const open = after.status === 'down' ? after.incidentId : null;
  if (open === null) return { state: after, actions: announced.map(upOf) };
  const folded = announced.filter((id) => id !== open);
  if (folded.length === 0) return { state: after, actions: [] };
  return {
    state: { ...after, incidentAnnounced: announced.includes(open), folded },
    actions: [],
  };
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
  if (crossed.length === 0 || policy.inMaintenance(result.slot)) return [];
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
