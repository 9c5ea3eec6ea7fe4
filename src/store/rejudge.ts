import type { Incident, Monitor } from '../model/index.js';
import type { Judge, Rejudged } from './alert-state.js';
import type { CheckedResult } from './results.js';

/**
 * Judges a monitor's results again, in the order given, from no state: the same judge as
 * live results go through, folded over them, so a replay cannot decide otherwise than live
 * judging would have in that order. Pure for a pure judge. Notifications are dropped: the
 * transitions replayed were judged live already, by the node that checked them, which
 * alerted then; a storm of old alerts after a partition heals is worse than the (rare)
 * alert a replay would have added.
 */
export function rejudge(
  judge: Judge,
  monitor: Monitor,
  results: Iterable<CheckedResult>,
): Rejudged {
  let state: object | undefined;
  const incidents = new Map<string, Incident>();
  for (const result of results) {
    const judgement = judge(monitor, state, result);
    if (!judgement) continue;
    state = judgement.state;
    const open = judgement.openIncident;
    if (open) incidents.set(open.id, { ...open });
    const close = judgement.closeIncident;
    const closed = close && incidents.get(close.id);
    if (close && closed) closed.endedAt = close.endedAt;
  }
  return { state, incidents: [...incidents.values()] };
}
