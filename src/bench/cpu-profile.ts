/**
 * Summarises a V8 .cpuprofile (node --cpu-prof) by self time: per area (GC, Node internals,
 * an npm package, a Tireless folder…), per file, and per function.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  /** When profiling began, µs of the monotonic clock (CLOCK_MONOTONIC, as process.hrtime). */
  startTime: number;
  samples: number[];
  /** µs between samples. */
  timeDeltas: number[];
}

/** Self time of one entry: ms, and % of the busy (non-idle) time. */
export interface SelfTime {
  name: string;
  ms: number;
  pct: number;
}

export interface ProfileSummary {
  /** Profiled span, ms. */
  totalMs: number;
  /** Not idle, ms. */
  busyMs: number;
  byArea: SelfTime[];
  byFile: SelfTime[];
  byFunction: SelfTime[];
}

/** A span of the monotonic clock, µs (process.hrtime.bigint() / 1000 in any process). */
export interface MonotonicSpan {
  fromUs: number;
  toUs: number;
}

export function summarizeCpuProfileFile(
  file: string,
  top = 25,
  span?: MonotonicSpan,
): ProfileSummary {
  return summarizeCpuProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, top, span);
}

/** Self times of the whole profile, or of the samples taken within `span`. */
export function summarizeCpuProfile(
  profile: CpuProfile,
  top = 25,
  span?: MonotonicSpan,
): ProfileSummary {
  const selfUs = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((nodeId, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (span && (at < span.fromUs || at >= span.toUs)) return;
    selfUs.set(nodeId, (selfUs.get(nodeId) ?? 0) + delta);
  });
  const byArea = new Map<string, number>();
  const byFile = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (us === 0) continue;
    totalUs += us;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const file = shortFile(url);
    add(byArea, areaOf(functionName, url), us);
    add(byFile, file || `${functionName || '(anonymous)'} [native]`, us);
    add(
      byFunction,
      `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : '[native]'}`,
      us,
    );
  }
  const busyUs = totalUs - idleUs;
  const ranked = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: us / 1000, pct: (100 * us) / busyUs }));
  return {
    totalMs: totalUs / 1000,
    busyMs: busyUs / 1000,
    byArea: ranked(byArea),
    byFile: ranked(byFile),
    byFunction: ranked(byFunction),
  };
}

function add(map: Map<string, number>, key: string, us: number): void {
  map.set(key, (map.get(key) ?? 0) + us);
}

/** A coarse owner of the code: a V8 pseudo-frame, Node internals, an npm package, a Tireless folder. */
function areaOf(functionName: string, url: string): string {
  if (url === '') {
    return functionName.startsWith('(')
      ? functionName
      : 'native (V8 builtins, addons, e.g. better-sqlite3)';
  }
  if (url.startsWith('node:')) return `node internals: ${nodeModuleOf(url)}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
  if (pkg) return `npm ${pkg}`;
  const folder = /\/dist\/([^/]+)\//.exec(url)?.[1];
  return folder ? `tireless ${folder}` : url;
}

/** node:internal/streams/readable → streams; node:net → net. */
function nodeModuleOf(url: string): string {
  const parts = url.slice('node:'.length).split('/');
  return (parts[0] === 'internal' ? parts[1] : parts[0]) ?? url;
}

/** A URL shortened to what tells files apart: node:…, <package>/…, dist/…. */
function shortFile(url: string): string {
  if (url === '' || url.startsWith('node:')) return url;
  const path = url.replace(/^file:\/\//, '');
  const inPackage = /node_modules\/(.+)$/.exec(path)?.[1];
  if (inPackage) return inPackage;
  const inDist = /\/(dist\/.+)$/.exec(path)?.[1];
  return inDist ?? path;
}
