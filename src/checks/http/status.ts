/** The statuses that count as up when a monitor names none. */
export const DEFAULT_EXPECTED_STATUS = '200-399';

// "200", or a range "200-399".
const STATUS_TEXT = /^([1-5]\d\d)(?:-([1-5]\d\d))?$/;

/** Inclusive [low, high] status bounds of an expectedStatus entry, or undefined when malformed. */
export function statusBounds(entry: number | string): [number, number] | undefined {
  if (typeof entry === 'number') return [entry, entry];
  const match = STATUS_TEXT.exec(entry);
  if (!match) return undefined;
  const low = Number(match[1]);
  const high = match[2] === undefined ? low : Number(match[2]);
  return low <= high ? [low, high] : undefined;
}
