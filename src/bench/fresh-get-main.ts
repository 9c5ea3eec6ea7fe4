/**
 * A bare-Node load loop, run in its own process: `concurrency` GETs at a time, each on a
 * fresh connection (node:http or node:https by the URL, agent: false, as a checker does:
 * HTTPS ones make a full TLS handshake each), spread over the URLs given, for `seconds`.
 * Prints a LoopOutcome as one JSON line and exits. HTTPS targets' CA comes through
 * NODE_EXTRA_CA_CERTS, as the node's does. An answer other than 2xx counts as an error.
 * BENCH_GET_HEADERS (a JSON object) adds headers to every GET, e.g. a browser's
 * accept-encoding; none by default.
 *
 * Usage: node fresh-get-main.js <seconds> <concurrency> <url>...
 */
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';

/** The loop's outcome: completed GETs, failed ones, the wall-clock span (s), and its CPU %. */
export interface LoopOutcome {
  /** GETs answered 2xx. */
  requests: number;
  /** GETs that failed or were answered otherwise. */
  errors: number;
  seconds: number;
  /** CPU time the loop process used over the span, % of one core. */
  cpuPct: number;
}

function runLoop(
  seconds: number,
  concurrency: number,
  urls: readonly URL[],
  headers: Record<string, string>,
): Promise<LoopOutcome> {
  const startedAt = performance.now();
  const startCpu = process.cpuUsage();
  const endsAt = startedAt + seconds * 1000;
  let requests = 0;
  let errors = 0;
  let next = 0;
  return new Promise((resolve) => {
    let running = 0;
    const launch = (): void => {
      if (performance.now() >= endsAt) {
        if (--running === 0) {
          const seconds = (performance.now() - startedAt) / 1000;
          const cpu = process.cpuUsage(startCpu);
          const cpuPct = (cpu.user + cpu.system) / 1e4 / seconds;
          resolve({ requests, errors, seconds, cpuPct });
        }
        return;
      }
      const url = urls[next++ % urls.length] as URL;
      const get = url.protocol === 'https:' ? httpsGet : httpGet;
      get(url, { agent: false, headers }, (response) => {
        const ok = (response.statusCode ?? 0) >= 200 && (response.statusCode ?? 0) < 300;
        response.resume();
        response.once('end', () => {
          if (ok) requests++;
          else errors++;
          launch();
        });
      }).once('error', () => {
        errors++;
        launch();
      });
    };
    for (; running < concurrency; running++) launch();
  });
}

const [seconds, concurrency, ...targets] = process.argv.slice(2);
runLoop(
  Number(seconds),
  Number(concurrency),
  targets.map((url) => new URL(url)),
  JSON.parse(process.env.BENCH_GET_HEADERS ?? '{}') as Record<string, string>,
).then(
  (outcome) => process.stdout.write(JSON.stringify(outcome) + '\n'),
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
