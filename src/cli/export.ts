/**
 * `tireless export --url … --token … [-o file]`: an account's channels and monitors as the
 * YAML file `tireless apply -f` takes (GET /api/v1/export), secrets masked; to move an account
 * to another node, keep its config in version control, or start from Uptime Kuma-like exports.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { describeError, TirelessError } from '../errors/index.js';
import { NodeApi } from './node-api.js';

export interface ExportOptions {
  /** Base URL of a running node, e.g. `http://127.0.0.1:3000`. */
  url: string;
  /** An API token (or session token) of the account to export; any role reads it. */
  token: string;
  /** The file to write (replaced whole, or left as it was). @defaultValue standard output */
  out?: string;
  /** Receives the file's text when there is no `out`. */
  write: (text: string) => void;
  /** Receives what is being done and the outcome (to stderr when the file goes to stdout). */
  log: (line: string) => void;
  /** Time the request may take, ms. @defaultValue 60_000 */
  requestTimeoutMs?: number;
}

export interface ExportReport {
  channels: number;
  monitors: number;
}

/**
 * Reads the account's export from the node and writes it to `out` (through a temporary file
 * renamed into place, so a failed export leaves no half file) or to `write`. Throws
 * TIRELESS_UNAVAILABLE when the node cannot be reached, the API's error (401: check --token)
 * when it refuses, TIRELESS_INTERNAL when the answer is not an export, TIRELESS_VALIDATION
 * naming `-o` when the file cannot be written.
 */
export async function runExport(options: ExportOptions): Promise<ExportReport> {
  options.log(`exporting the channels and monitors of the token's account from ${options.url}`);
  const api = new NodeApi(options.url, options.token, options.requestTimeoutMs ?? 60_000);
  const text = await api.text('/api/v1/export');
  const report = countEntries(text);
  if (options.out === undefined) options.write(text);
  else writeWhole(options.out, text);
  const where = options.out === undefined ? '' : ` to ${options.out}`;
  options.log(
    `exported ${report.channels} channels and ${report.monitors} monitors${where}; secrets are masked (the file's first lines say how apply treats them)`,
  );
  return report;
}

/** The channels and monitors an export holds; TIRELESS_INTERNAL when it is not one. */
function countEntries(text: string): ExportReport {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw notAnExport(describeError(error));
  }
  const { channels, monitors } = (document ?? {}) as { channels?: unknown; monitors?: unknown };
  if (!Array.isArray(channels) || !Array.isArray(monitors)) {
    throw notAnExport('no channels: and monitors: lists');
  }
  return { channels: channels.length, monitors: monitors.length };
}

function notAnExport(why: string): TirelessError {
  return new TirelessError(
    'TIRELESS_INTERNAL',
    `GET /api/v1/export: the answer is not an export (${why}); is --url a Tireless node?`,
  );
}

function writeWhole(file: string, text: string): void {
  const temporary = `${file}.tmp-${process.pid}`;
  try {
    writeFileSync(temporary, text, { mode: 0o600 });
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new TirelessError(
      'TIRELESS_VALIDATION',
      `cannot write ${file}: ${describeError(error)}`,
      {
        fields: [{ field: '-o', problem: `cannot be written: ${describeError(error)}` }],
      },
    );
  }
}
