import { composeNotification, type Notification } from '../notify/index.js';
import { monitorTarget, type MaintenanceWindow, type Monitor } from '../model/index.js';
import type { CheckedResult, Judge, Judgement } from '../store/index.js';
import { confirmationOf } from './locations.js';
import { inMaintenance } from './maintenance.js';
import {
  judgeResult,
  settleReplay,
  stateFrom,
  type AlertAction,
  type MonitorState,
} from './state-machine.js';

export interface CoordinatorDeps {
  /** The account's maintenance windows (cached by the caller). */
  maintenanceOf(accountId: string): readonly MaintenanceWindow[];
  /**
   * How many locations check the monitor now (fewer than its `locations` when fewer regions
   * are live): stands in for results that do not record it. @defaultValue 1
   */
  checkingLocations?(monitorId: string): number;
  /**
   * What an alert names as the monitor's target, from the stored monitor (whose secrets, such
   * as a URL's user-info, are sealed). @defaultValue monitorTarget
   */
  targetOf?(monitor: Monitor): string;
}

/**
 * The store's judge (every replica runs it on every result it stores): runs the pure state
 * machine and turns its actions into incidents and queued notifications for the monitor's
 * channels.
 */
export function createJudge(deps: CoordinatorDeps): Judge {
  const judge: Judge = (monitor, stored, result, replay) => {
    const previous = stateOf(stored);
    const details = result.details ?? {};
    const verdict = judgeResult(
      previous,
      {
        slot: result.slot,
        status: result.status,
        region: result.region,
        node: result.node,
        ...(result.error === undefined ? {} : { error: result.error }),
        ...(result.locationsChecking === undefined
          ? {}
          : { locationsChecking: result.locationsChecking }),
        ...(replay?.slotContinues ? { slotContinues: true } : {}),
        ...(typeof details.certDaysLeft === 'number' ? { certDaysLeft: details.certDaysLeft } : {}),
        ...(typeof details.certExpiresAt === 'number'
          ? { certExpiresAt: details.certExpiresAt }
          : {}),
      },
      {
        monitorId: monitor.id,
        retries: monitor.retries,
        renotifyMinutes: monitor.renotifyMinutes,
        certWarnDays: Array.isArray(monitor.warnDays) ? (monitor.warnDays as number[]) : [],
        inMaintenance: (slot) =>
          inMaintenance(deps.maintenanceOf(monitor.accountId), monitor.id, slot),
        ...confirmationOf(monitor, () => deps.checkingLocations?.(monitor.id) ?? 1),
      },
    );
    if (!verdict) return undefined;
    return toJudgement(deps, monitor, result, verdict.state, verdict.actions);
  };
  judge.settle = (monitor, before, after, latest) => {
    if (after === undefined) return undefined;
    const settled = settleReplay(stateOf(before), stateOf(after));
    return toJudgement(deps, monitor, latest, settled.state, settled.actions);
  };
  return judge;
}

function stateOf(stored: object | undefined): MonitorState {
  return stateFrom(stored);
}

function toJudgement(
  deps: CoordinatorDeps,
  monitor: Monitor,
  result: CheckedResult,
  state: MonitorState,
  actions: AlertAction[],
): Judgement {
  const judgement: Judgement = { state, notifications: [] };
  for (const action of actions) {
    if (action.kind === 'open-incident') {
      judgement.openIncident = {
        id: action.incidentId,
        accountId: monitor.accountId,
        monitorId: monitor.id,
        startedAt: action.startedAt,
        endedAt: null,
        cause: action.cause,
        inMaintenance: action.inMaintenance,
      };
    } else if (action.kind === 'close-incident') {
      judgement.closeIncident = { id: action.incidentId, endedAt: action.endedAt };
    } else if (monitor.channelIds.length > 0) {
      judgement.notifications.push({
        key: action.key,
        event: action.event,
        accountId: monitor.accountId,
        channelIds: monitor.channelIds,
        payload: notificationFor(
          monitor,
          (deps.targetOf ?? monitorTarget)(monitor),
          result,
          action,
          previousStart(action, state, result),
        ),
      });
    }
  }
  return judgement;
}

/** When the incident behind an up/down alert started (the state has forgotten it on up). */
function previousStart(action: AlertAction, state: MonitorState, result: CheckedResult): number {
  if (action.kind === 'notify' && 'incidentId' in action) {
    const started = Number(action.incidentId.slice(action.incidentId.lastIndexOf(':') + 1));
    if (Number.isFinite(started)) return started;
  }
  return state.incidentStartedAt ?? result.slot;
}

function notificationFor(
  monitor: Monitor,
  target: string,
  result: CheckedResult,
  action: Extract<AlertAction, { kind: 'notify' }>,
  incidentStartedAt: number,
): Notification {
  const iso = (ms: number) => new Date(ms).toISOString();
  return composeNotification({
    event: action.event,
    at: iso(result.checkedAt),
    monitor: {
      id: monitor.id,
      name: monitor.name,
      type: monitor.type,
      target,
    },
    ...('incidentId' in action
      ? {
          incident: {
            id: action.incidentId,
            started: iso(incidentStartedAt),
            ...(action.event === 'monitor.up' ? { ended: iso(result.slot) } : {}),
          },
        }
      : {}),
    result: {
      slot: iso(result.slot),
      checkedAt: iso(result.checkedAt),
      status: result.status,
      latencyMs: result.latencyMs,
      ...(result.error === undefined ? {} : { error: result.error }),
      node: result.node,
      region: result.region,
    },
    ...(action.event === 'certificate.expiring'
      ? { certificate: { daysLeft: action.daysLeft, expiresAt: iso(action.expiresAt) } }
      : {}),
    ...(action.event === 'monitor.down' && action.reminder !== undefined
      ? { reminder: action.reminder }
      : {}),
  });
}
