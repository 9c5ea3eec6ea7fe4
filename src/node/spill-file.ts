import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  openSync,
  readSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import type { CheckedResult } from '../store/index.js';

/** Results read back from a spill file, and where the next read starts. */
export interface SpillChunk {
  results: CheckedResult[];
  /** Byte offset after the last line read. */
  next: number;
  /** Lines that were not a result (a line torn by a crash mid-append): skipped. */
  skipped: number;
}

/** Bytes read per chunk at first; doubled while a chunk holds no whole line. */
const READ_BYTES = 1 << 20;

/**
 * Results the store could not take, kept on disk as JSON lines until it can: appended and
 * fsync'd before the results leave memory, read back in chunks from a byte offset. Only the
 * node's main thread touches it, and each call is synchronous, so a read never sees half an
 * append and a delete never loses one.
 */
export class SpillFile {
  constructor(readonly path: string) {}

  /** Appends `results` and makes them durable (file and, when it is new, its directory). */
  append(results: readonly CheckedResult[]): void {
    if (results.length === 0) return;
    const created = !existsSync(this.path);
    const fd = openSync(this.path, 'a+', 0o600);
    try {
      // A crash mid-append leaves a torn last line: never glue the next result to it.
      const size = fstatSync(fd).size;
      const lead = size > 0 && lastByte(fd, size) !== 0x0a ? '\n' : '';
      writeSync(fd, lead + results.map((result) => JSON.stringify(result)).join('\n') + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (created) fsyncDir(dirname(this.path));
  }

  /** Bytes in the file (0 when there is none). */
  size(): number {
    return existsSync(this.path) ? statSync(this.path).size : 0;
  }

  /** Up to about `maxResults` results from byte `offset` on (whole lines only). */
  read(offset: number, maxResults: number): SpillChunk {
    const size = this.size();
    const chunk: SpillChunk = { results: [], next: offset, skipped: 0 };
    if (offset >= size) return chunk;
    const fd = openSync(this.path, 'r');
    try {
      let bytes = READ_BYTES;
      for (;;) {
        const buffer = Buffer.alloc(Math.min(bytes, size - offset));
        const read = readSync(fd, buffer, 0, buffer.length, offset);
        const end = buffer.lastIndexOf(0x0a, read - 1);
        if (end < 0 && offset + read < size) {
          bytes *= 2;
          continue;
        }
        // No newline up to the end of the file: a torn last line, skipped whole.
        const whole = end < 0 ? buffer.subarray(0, read) : buffer.subarray(0, end + 1);
        for (const line of whole.toString('utf8').split('\n')) {
          if (line === '') continue;
          const result = parseResult(line);
          if (result) chunk.results.push(result);
          else chunk.skipped++;
          if (chunk.results.length >= maxResults) break;
        }
        chunk.next = offset + consumedBytes(whole, chunk.results.length + chunk.skipped);
        return chunk;
      }
    } finally {
      closeSync(fd);
    }
  }

  /** Deletes the file (everything in it is stored). */
  remove(): void {
    rmSync(this.path, { force: true });
  }
}

/** Bytes of the first `lines` non-empty lines of `text`, with their newlines. */
function consumedBytes(text: Buffer, lines: number): number {
  let at = 0;
  let seen = 0;
  while (at < text.length && seen < lines) {
    const end = text.indexOf(0x0a, at);
    const stop = end < 0 ? text.length : end + 1;
    if (stop - at > 1) seen++;
    at = stop;
  }
  // Empty lines after the last counted one are consumed too.
  while (at < text.length && text[at] === 0x0a) at++;
  return at;
}

function parseResult(line: string): CheckedResult | undefined {
  try {
    const value = JSON.parse(line) as Partial<CheckedResult> | null;
    return value && typeof value.monitorId === 'string' && typeof value.slot === 'number'
      ? (value as CheckedResult)
      : undefined;
  } catch {
    return undefined;
  }
}

function lastByte(fd: number, size: number): number | undefined {
  const byte = Buffer.alloc(1);
  readSync(fd, byte, 0, 1, size - 1);
  return byte[0];
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
