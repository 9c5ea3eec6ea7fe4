/**
 * Public status pages as pure functions: the view a visitor gets (daily bars with gaps as
 * "no data", public states, the overall state), and its renderings: HTML without script,
 * SVG badges, JSON Feed and RSS. The api gathers the facts and caches the results.
 */
export {
  BAR_DAYS,
  dayBars,
  overallState,
  publicState,
  WINDOWS,
  type PublicIncident,
  type PublicMonitor,
  type PublicStatusPage,
  type WindowName,
} from './view.js';
export { renderStatusHtml, STATUS_CSS, STYLESHEET_PATH } from './html.js';
export { responseTimeBadge, statusBadge, uptimeBadge } from './badges.js';
export { jsonFeed, rssFeed } from './feeds.js';
