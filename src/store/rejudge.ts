import type { Incident, Monitor } from '../model/index.js';
import type { Judge, Rejudged } from './alert-state.js';
import type { CheckedResult } from './results.js';

/**
 * Judges a monitor's results again, in the order given, from no state: the same judge as
 * live results go through, folded over them, so a replay cannot decide otherwise than live
 * judging would have in that order. Pure for a pure judge. Notifications are dropped: the
 * transitions replayed were judged live already, by the node that checked them, which
 * alerted then; a storm of old alerts after a partition heals is worse than the (rare)
 * alert a replay would have added. Each slot is judged once the judge has all its results
 * (`slotContinues`), so a replay decides a slot as a replica that received them all did.
 */
export function rejudge(
  judge: Judge,
  monitor: Monitor,
  results: readonly CheckedResult[],
): Rejudged {
  let state: object | undefined;
  const incidents = new Map<string, Incident>();
  const all = [...results];
  for (const [index, result] of all.entries()) {
    const judgement = judge(monitor, state, result, {
      slotContinues: results[index + 1]?.slot === result.slot,
    });
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
