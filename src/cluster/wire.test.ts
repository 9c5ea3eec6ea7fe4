import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { z } from 'zod';
import { FakeClock } from '../clock/index.js';
import { decodeVersioned, WireLog } from './wire.js';

const format = {
  what: 'greeting',
  maxBytes: 64,
  readers: { 1: z.object({ name: z.string().min(1) }) },
};
const bytes = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

test('decodeVersioned: size before parsing, JSON, v, then the schema of that major', () => {
  const table: [string, Uint8Array, string][] = [
    ['v1', bytes({ v: 1, name: 'a' }), 'ok a'],
    ['no v: version 1 (the first release sent none)', bytes({ name: 'a' }), 'ok a'],
    ['unknown fields ignored', bytes({ v: 1, name: 'a', added: [1, 2] }), 'ok a'],
    ['a newer major is kept, not rejected', bytes({ v: 2, shape: 'new' }), 'newer 2'],
    ['far newer', bytes({ v: 99 }), 'newer 99'],
    [
      'oversized',
      bytes({ v: 1, name: 'a'.repeat(100) }),
      'rejected greeting of 117 bytes, more than 64',
    ],
    ['not JSON', bytes('{"v":1,'), 'rejected greeting is not JSON'],
    ['empty', new Uint8Array(0), 'rejected greeting is not JSON'],
    ['binary', Buffer.from([0xff, 0xfe, 0x00, 0x7b]), 'rejected greeting is not JSON'],
    ['an array', bytes([1, 2]), 'rejected greeting is not a JSON object'],
    ['null', bytes('null'), 'rejected greeting is not a JSON object'],
    ['a string', bytes('"hello"'), 'rejected greeting is not a JSON object'],
    ['v as text', bytes({ v: '1', name: 'a' }), 'rejected greeting has no valid version'],
    ['v zero', bytes({ v: 0, name: 'a' }), 'rejected greeting has no valid version'],
    ['v fraction', bytes({ v: 1.5, name: 'a' }), 'rejected greeting has no valid version'],
    ['wrong shape', bytes({ v: 1, name: '' }), 'rejected not a greeting: name:'],
    ['missing field', bytes({ v: 1 }), 'rejected not a greeting: name:'],
  ];
  for (const [title, data, expected] of table) {
    const decoded = decodeVersioned(data, format);
    const got =
      decoded.outcome === 'ok'
        ? `ok ${decoded.value.name}`
        : decoded.outcome === 'newer'
          ? `newer ${decoded.v}`
          : `rejected ${decoded.reason}`;
    assert.ok(got.startsWith(expected), `${title}: ${got}`);
  }
});

test('WireLog counts every message passed over and logs at most one line per source and kind per period', () => {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const clock = new FakeClock(1_000_000);
  const wire = new WireLog(pino({ level: 'warn' }, sink), clock, 10_000);
  for (let i = 0; i < 1000; i++) wire.rejected('heartbeats', 'not JSON', { bytes: 3 });
  wire.rejected('results', 'not JSON');
  wire.newer('results', 2, { seq: 7 });
  clock.advance(9_999);
  wire.rejected('heartbeats', 'not JSON');
  clock.advance(1);
  wire.rejected('heartbeats', 'too large');
  assert.deepEqual(wire.totals, {
    rejected: { heartbeats: 1002, results: 1, config: 0 },
    newer: { heartbeats: 0, results: 1, config: 0 },
  });
  assert.deepEqual(
    lines.map((line) => [line.source, line.total, line.sinceLastLine, line.reason ?? line.v]),
    [
      ['heartbeats', 1, 1, 'not JSON'],
      ['results', 1, 1, 'not JSON'],
      ['results', 1, 1, 2],
      ['heartbeats', 1002, 1001, 'too large'],
    ],
  );
});
