import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * prom-client's defaults name three gauges `…_total` (the sum of the labelled gauge beside
 * each), a suffix Prometheus keeps for counters: `sum(nodejs_active_handles)` says the same.
 */
const NON_COUNTERS_NAMED_TOTAL = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/**
 * The node's Prometheus metrics, in one registry per node (tests start many nodes): ours
 * under `tireless_`, and the process and Node.js runtime ones under the names every client
 * library and dashboard uses (`process_cpu_seconds_total`, `nodejs_eventloop_lag_seconds`).
 */
export function createMetrics(sources: {
  pendingDeliveries(): number;
  monitorsScheduled(): number;
  /** Whether the node writes to a fresh store because its database is damaged. */
  storeDegraded?(): boolean;
  /**
   * Cluster mode: messages passed over since the node started, by source (heartbeats,
   * results, config) and outcome (rejected: garbage; newer: of a newer version, kept).
   */
  clusterMessages?(): { source: string; outcome: 'rejected' | 'newer'; count: number }[];
}) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  for (const name of NON_COUNTERS_NAMED_TOTAL) registry.removeSingleMetric(name);
  return {
    registry,
    checks: new Counter({
      name: 'tireless_checks_total',
      help: 'Checks run, by monitor type and status.',
      labelNames: ['type', 'status'] as const,
      registers: [registry],
    }),
    checkDuration: new Histogram({
      name: 'tireless_check_duration_seconds',
      help: 'How long checks took, by monitor type.',
      labelNames: ['type'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    lateness: new Histogram({
      name: 'tireless_scheduler_lateness_seconds',
      help: 'How long after its slot a check started.',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    missedSlots: new Counter({
      name: 'tireless_scheduler_missed_slots_total',
      help: 'Slots this node did not check, by reason (late: the node fell behind; busy: the previous check still ran).',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    resultsApplied: new Counter({
      name: 'tireless_results_applied_total',
      help: 'Results written to the local store.',
      registers: [registry],
    }),
    deliveries: new Counter({
      name: 'tireless_deliveries_total',
      help: 'Notification delivery attempts, by outcome (sent, retry, failed).',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    unclaimedDeliveries: new Counter({
      name: 'tireless_deliveries_unclaimed_total',
      help: 'Notifications sent without a cluster-wide claim because JetStream did not answer (another node may have sent them too).',
      registers: [registry],
    }),
    deliveryQueue: new Gauge({
      name: 'tireless_delivery_queue_depth',
      help: 'Deliveries waiting to be sent.',
      registers: [registry],
      collect() {
        this.set(sources.pendingDeliveries());
      },
    }),
    monitors: new Gauge({
      name: 'tireless_monitors_scheduled',
      help: 'Monitors this node has on its schedule.',
      registers: [registry],
      collect() {
        this.set(sources.monitorsScheduled());
      },
    }),
    clusterMessages: new Counter({
      name: 'tireless_cluster_messages_passed_over_total',
      help: 'Cluster messages not applied, by source (heartbeats, results, config) and outcome (rejected: malformed or oversized; newer: of a newer version than this node reads, kept).',
      labelNames: ['source', 'outcome'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const { source, outcome, count } of sources.clusterMessages?.() ?? []) {
          this.inc({ source, outcome }, count);
        }
      },
    }),
    storeDegraded: new Gauge({
      name: 'tireless_store_degraded',
      help: 'Whether the database was found damaged and new results go to a fresh store (1) or not (0); /healthz and the log say why and how to recover.',
      registers: [registry],
      collect() {
        this.set(sources.storeDegraded?.() ? 1 : 0);
      },
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
