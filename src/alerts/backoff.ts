/**
 * When to try a failed delivery again: exponential from 5 s, capped at 10 min, for up to
 * 24 h of attempts; then it is given up and stays visible with its last error.
 */
export const DELIVERY_RETRY = {
  firstDelayMs: 5_000,
  maxDelayMs: 600_000,
  giveUpAfterAttempts: 150,
} as const;

/** Delay before attempt number `attempts + 1`, or null when it is time to give up. */
export function retryDelay(attempts: number, retryable: boolean): number | null {
  if (!retryable || attempts + 1 >= DELIVERY_RETRY.giveUpAfterAttempts) return null;
  return Math.min(DELIVERY_RETRY.maxDelayMs, DELIVERY_RETRY.firstDelayMs * 2 ** attempts);
}
