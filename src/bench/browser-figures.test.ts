import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  frameIntervals,
  longTasksIn,
  phaseFigures,
  SMOOTH,
  smoothVerdict,
  type PhaseFigures,
} from './browser-figures.js';

describe('frame intervals', () => {
  it('are the gaps between frames that begin in [from, to), nearest-rank percentiles', () => {
    // 20 frames 16 ms apart from 0, then one of 100 ms, then one outside the phase.
    const frames = [...Array.from({ length: 20 }, (_, i) => i * 16), 404, 420];
    const spread = frameIntervals(frames, 0, 400);
    assert.deepEqual(spread, { frames: 20, p50: 16, p95: 16, p99: 100, max: 100 });
  });

  it('leaves out frames before the phase, and the gap of its last frame to one after', () => {
    assert.deepEqual(frameIntervals([0, 50, 60, 70, 500], 50, 80), {
      frames: 3,
      p50: 10,
      p95: 430,
      p99: 430,
      max: 430,
    });
    assert.deepEqual(frameIntervals([0, 50, 60], 100, 200).frames, 0);
    assert.ok(Number.isNaN(frameIntervals([0, 50, 60], 100, 200).p95));
  });
});

describe('long tasks', () => {
  it('counts each task that overlaps the phase, whole', () => {
    const tasks = [
      { startTime: 0, duration: 60 }, // ends before
      { startTime: 90, duration: 80 }, // begins before, runs into it
      { startTime: 150, duration: 250 },
      { startTime: 300, duration: 55 }, // begins at its end
    ];
    assert.deepEqual(longTasksIn(tasks, 100, 300), { count: 2, totalMs: 330, maxMs: 250 });
    assert.deepEqual(longTasksIn([], 0, 1), { count: 0, totalMs: 0, maxMs: 0 });
  });
});

describe('the smooth verdict', () => {
  const frames = (gapMs: number, count = 100) => Array.from({ length: count }, (_, i) => i * gapMs);
  const phase = (gapMs: number, taskMs = 0): PhaseFigures =>
    phaseFigures(
      frames(gapMs),
      taskMs ? [{ startTime: 10, duration: taskMs }] : [],
      0,
      100 * gapMs,
    );

  it('holds a phase at p95 ≤ 50 ms and no task over 200 ms, the bars included', () => {
    assert.equal(phase(SMOOTH.p95FrameMs).held, true);
    assert.equal(phase(SMOOTH.p95FrameMs + 1).held, false);
    assert.equal(phase(16, SMOOTH.longestTaskMs).held, true);
    assert.equal(phase(16, SMOOTH.longestTaskMs + 1).held, false);
    assert.equal(phase(16).seconds, 1.6);
  });

  it('a phase without frames holds nothing', () => {
    assert.equal(phaseFigures([], [], 0, 1000).held, false);
  });

  it('needs every phase held and fewer than 200 rows in the page', () => {
    const smooth = phase(16);
    assert.deepEqual(smoothVerdict([smooth, smooth], 60), {
      phasesHeld: true,
      fewRows: true,
      held: true,
    });
    assert.equal(smoothVerdict([smooth, phase(80)], 60).held, false);
    assert.equal(smoothVerdict([smooth], SMOOTH.rows).held, false);
    assert.equal(smoothVerdict([smooth], 0).held, false, 'no row seen: nothing was drawn');
    assert.equal(smoothVerdict([], 60).held, false);
  });
});
