import { TIMING_PHASES, type ResultTiming } from '../model/index.js';

/**
 * A result's timing as its `timing` column holds it: one unsigned LEB128 varint per phase,
 * in TIMING_PHASES order, of the phase's whole ms plus one (0: the phase is absent). Four
 * phases of a remote HTTPS check take 5 to 7 bytes, against some 10 for four integer
 * columns (a header byte each, more for the sub-ms precision the client measures), in the
 * largest table; a result without timing stores NULL.
 */
export function encodeTiming(timing: ResultTiming | undefined): Buffer | null {
  if (timing === undefined) return null;
  const bytes: number[] = [];
  let present = false;
  for (const phase of TIMING_PHASES) {
    const ms = timing[phase];
    // A phase that is not a usable duration is stored as absent, not as a wrong number.
    const valid = ms !== undefined && Number.isFinite(ms) && ms >= 0;
    present ||= valid;
    let value = valid ? Math.min(Math.round(ms), MAX_PHASE_MS) + 1 : 0;
    while (value > 0x7f) {
      bytes.push((value & 0x7f) | 0x80);
      value >>>= 7;
    }
    bytes.push(value);
  }
  return present ? Buffer.from(bytes) : null;
}

/**
 * The timing a column holds; undefined for NULL, and for bytes that are not a timing (a
 * damaged copy merged in), so a bad value reads as "not measured", never as wrong phases.
 */
export function decodeTiming(stored: Uint8Array | null): ResultTiming | undefined {
  if (stored === null) return undefined;
  const timing: ResultTiming = {};
  let at = 0;
  for (const phase of TIMING_PHASES) {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = stored[at++];
      if (byte === undefined || shift > 28) return undefined;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) break;
    }
    if (value > MAX_PHASE_MS + 1) return undefined;
    if (value > 0) timing[phase] = value - 1;
  }
  return at === stored.length && Object.keys(timing).length > 0 ? timing : undefined;
}

/** A phase longer than a day is a measuring error: capped, so varints stay ≤ 4 bytes. */
const MAX_PHASE_MS = 86_400_000;
