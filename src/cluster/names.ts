/**
 * What the cluster calls things in JetStream: its KV buckets and how a delivery id becomes a
 * key. Apart from the code that talks to NATS, so that naming them loads no NATS client.
 */

/** The KV bucket of config documents (accounts, users, tokens, monitors, channels, …). */
export const CONFIG_BUCKET = 'tireless_config';
/** The KV bucket of cluster-wide facts: the secret key's fingerprint, one-time claims. */
export const CLUSTER_BUCKET = 'tireless_cluster';
/** The KV bucket of delivery claims: which node sends each notification, and how it ended. */
export const DELIVERIES_BUCKET = 'tireless_deliveries';
/** The KV bucket of rate counts: each node's requests per account and minute (SharedRates). */
export const RATES_BUCKET = 'tireless_rates';

/**
 * A delivery id as a KV key: KV keys are NATS subject tokens (no `:`), so the id is
 * base64url-encoded (reversible, no two ids share a key); the claim names the id too.
 */
export function deliveryClaimKey(deliveryId: string): string {
  return Buffer.from(deliveryId, 'utf8').toString('base64url');
}
