/**
 * `tireless apply -f monitors.yaml`: config as code. The file declares an account's channels
 * and monitors; apply reads what the account has through the REST API, prints a plan
 * (create, update, and with `--prune` delete) and carries it out, so the account matches the
 * file. Deleting what the file does not name is opt-in and confirmed, as it takes history.
 */
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { describeError, TirelessError, type FieldProblem } from '../errors/index.js';
import { MONITOR_DERIVED_FIELDS } from '../api/index.js';
import {
  ENTITY_FIELDS,
  maskedMonitorSecrets,
  maskMonitor,
  parseChannelInput,
  parseMonitorInput,
} from '../model/index.js';
import { getNotifier } from '../notify/index.js';
import { maskedSecretNames, SECRET_MASK } from '../secrets/index.js';
import { NodeApi } from './node-api.js';

export interface ApplyOptions {
  /** The YAML file: `channels:` and `monitors:` (see docs/OPERATIONS.md). */
  file: string;
  /** Base URL of a running node, e.g. `http://127.0.0.1:3000`. */
  url: string;
  /** An API token (or session token) of the account to change. */
  token: string;
  /** Print the plan and change nothing. */
  dryRun: boolean;
  /** Also delete the channels and monitors the file does not name. @defaultValue false */
  prune?: boolean;
  /** With `prune`: delete without asking (scripts). @defaultValue false */
  yes?: boolean;
  /**
   * Asks the person at the terminal a yes/no question; absent when stdin is not a terminal,
   * and then deleting needs `yes`.
   */
  confirm?: (question: string) => Promise<boolean>;
  /** Receives the plan, a line per step carried out, and the outcome. */
  log: (line: string) => void;
  /** Time one API request may take, ms. @defaultValue 30_000 */
  requestTimeoutMs?: number;
}

export type EntityKind = 'channel' | 'monitor';

/** One field a plan changes; `undefined` stands for "not set" (the server's default). */
export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

export interface PlannedStep {
  action: 'create' | 'update' | 'delete';
  kind: EntityKind;
  name: string;
  /** For updates: what changes. */
  changes: FieldChange[];
  /** For a monitor not in the file: the check results recorded for it, which go with it. */
  results?: number;
}

export interface ApplyReport {
  /** Every step, in the order carried out. */
  steps: PlannedStep[];
  /** Without `prune`: the deletions of what the file does not name, not carried out. */
  kept: PlannedStep[];
  /** Entities that already matched the file. */
  unchanged: number;
  /** True when nothing was changed (`dryRun`). */
  dryRun: boolean;
}

/**
 * Parses and validates `file` (structure, duplicate names, channel references, and each
 * monitor and channel as the API would), reads the account's channels and monitors (and how
 * many results each monitor the file does not name has), prints the plan and, unless
 * `dryRun`, carries it out: channels created or updated first, then monitors created,
 * updated and, with `prune`, deleted, then channels deleted. Deletions need `yes` or a
 * "yes" to `confirm`; without either, TIRELESS_VALIDATION before any change. An invalid file
 * throws TIRELESS_VALIDATION naming each path (`monitors[3].channels[0]`) before any request.
 * A failing request stops the run with an error that says which steps were done and which
 * were not.
 */
export async function runApply(options: ApplyOptions): Promise<ApplyReport> {
  const desired = readApplyFile(options.file);
  const api = new ApiClient(options.url, options.token, options.requestTimeoutMs ?? 30_000);
  const [channels, monitors] = await Promise.all([
    api.list('channels') as Promise<CurrentChannel[]>,
    api.list('monitors') as Promise<CurrentMonitor[]>,
  ]);
  const plan = planApply(desired, { channels, monitors });
  if (plan.problems.length > 0) throw invalidFile(options.file, plan.problems);
  for (const step of plan.deletions) {
    if (step.kind === 'monitor') step.results = await api.recordedResults(step.id ?? '');
  }
  const prune = options.prune ?? false;
  const steps = prune ? [...plan.steps, ...plan.deletions] : plan.steps;
  printPlan(plan, prune, options);
  const report = {
    steps: steps.map(plannedStep),
    kept: prune ? [] : plan.deletions.map(plannedStep),
    unchanged: plan.unchanged,
    dryRun: options.dryRun,
  };
  if (options.dryRun || steps.length === 0) return report;
  if (prune && plan.deletions.length > 0 && !options.yes) {
    await confirmDeletions(plan.deletions, options.confirm);
  }
  await carryOut(steps, api, channels, options.log);
  options.log(`applied: ${countsOf(steps)}`);
  return report;
}

function plannedStep({ action, kind, name, changes, results }: Step): PlannedStep {
  return { action, kind, name, changes, ...(results === undefined ? {} : { results }) };
}

/** Asks before deleting; throws TIRELESS_VALIDATION (nothing changed) unless the answer is yes. */
async function confirmDeletions(
  deletions: readonly Step[],
  confirm: ApplyOptions['confirm'],
): Promise<void> {
  const what = deletionsText(deletions);
  if (!confirm) {
    const problem = 'is needed to delete without a terminal to ask (stdin is not a terminal)';
    throw new TirelessError(
      'TIRELESS_VALIDATION',
      `apply --prune would delete ${what}, and cannot ask: add --yes to delete them, or leave out --prune; nothing was changed`,
      { fields: [{ field: '--yes', problem }] },
    );
  }
  if (!(await confirm(`Delete ${what}? Only "yes" deletes: `))) {
    throw new TirelessError(
      'TIRELESS_VALIDATION',
      'apply cancelled: the deletions were not confirmed; nothing was changed',
    );
  }
}

// ---- the file ------------------------------------------------------------------------

interface DesiredChannel {
  name: string;
  type: string;
  config: Record<string, unknown>;
  /** Secrets the file gives masked (`config.webhookUrl`): the stored ones are to be kept. */
  masked: string[];
}

interface DesiredMonitor {
  name: string;
  /** Every field the monitor should have (defaults included), but channelIds. */
  fields: Record<string, unknown>;
  /** Fields the file leaves to a default the server makes at random (a push token). */
  generated: ReadonlySet<string>;
  /** Names of the channels it alerts. */
  channels: string[];
  /** Secrets the file gives masked (`headers.Authorization`, `url`): the stored ones are kept. */
  masked: string[];
}

interface DesiredState {
  channels: DesiredChannel[];
  monitors: DesiredMonitor[];
}

const channelEntrySchema = z
  .object({
    name: z.string().trim(),
    type: z.string(),
    config: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

// A monitor is flat as the API takes it: its type's fields are checked by the model below.
const monitorEntrySchema = z.looseObject({
  name: z.string().trim(),
  channels: z.array(z.string().trim()).default([]),
});

const fileSchema = z
  .object({
    channels: z.array(channelEntrySchema).default([]),
    monitors: z.array(monitorEntrySchema).default([]),
  })
  .strict();

type FileEntries = z.output<typeof fileSchema>;

function readApplyFile(file: string): DesiredState {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new TirelessError('TIRELESS_VALIDATION', `cannot read ${file}: ${describeError(error)}`);
  }
  return parseApplyFile(text, file);
}

/** The desired state a YAML text declares; throws TIRELESS_VALIDATION naming every problem. */
function parseApplyFile(text: string, file = 'the file'): DesiredState {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new TirelessError(
      'TIRELESS_VALIDATION',
      `${file} is not valid YAML: ${describeError(error)}`,
    );
  }
  if (document === null || document === undefined) {
    // An empty file with --prune would delete everything: that must be written out.
    throw invalidFile(file, [
      {
        field: '(file)',
        problem:
          'declares nothing; to delete everything write `channels: []` and `monitors: []` and apply with --prune',
      },
    ]);
  }
  const parsed = fileSchema.safeParse(document);
  if (!parsed.success) throw invalidFile(file, parsed.error.issues.flatMap(issueProblems));
  const problems: FieldProblem[] = [];
  const desired = {
    channels: parsed.data.channels.flatMap((entry, i) => desiredChannel(entry, i, problems)),
    monitors: parsed.data.monitors.flatMap((entry, i) => desiredMonitor(entry, i, problems)),
  };
  problems.push(...duplicateNames(parsed.data), ...unknownChannels(parsed.data));
  if (problems.length > 0) throw invalidFile(file, problems);
  return desired;
}

function invalidFile(file: string, problems: FieldProblem[]): TirelessError {
  const lines = problems.map((p) => `\n  ${p.field}: ${p.problem}`).join('');
  return new TirelessError(
    'TIRELESS_VALIDATION',
    `${file} is invalid, nothing was changed:${lines}`,
    {
      fields: problems,
    },
  );
}

/** `monitors[3].channels[0]` from a path of keys and indexes. */
function pathText(path: readonly PropertyKey[]): string {
  const text = path
    .map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`))
    .join('')
    .replace(/^\./, '');
  return text || '(file)';
}

function issueProblems(issue: z.core.$ZodIssue): FieldProblem[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      field: pathText([...issue.path, key]),
      problem: 'is not a known key',
    }));
  }
  return [{ field: pathText(issue.path), problem: issue.message }];
}

/** The model's problems (dotted fields such as `expectedStatus.0`) under `prefix`. */
function modelProblems(error: unknown, prefix: readonly PropertyKey[]): FieldProblem[] {
  if (!(error instanceof TirelessError) || error.fields.length === 0) throw error;
  return error.fields.map(({ field, problem }) => {
    const keys = field === '(body)' ? [] : field.split('.');
    return {
      field: pathText([...prefix, ...keys.map((key) => (/^\d+$/.test(key) ? Number(key) : key))]),
      problem,
    };
  });
}

/**
 * A channel of the file, validated as the API would. A secret given masked (as `tireless
 * export` writes it) is not validated here: the stored one it keeps was, when it was stored.
 */
function desiredChannel(
  entry: FileEntries['channels'][number],
  index: number,
  problems: FieldProblem[],
): DesiredChannel[] {
  const masked = maskedSecretNames(entry.config, secretFieldsOf(entry.type), 'config.');
  try {
    return [{ ...parseChannelInput(entry), masked }];
  } catch (error) {
    const prefix = pathText(['channels', index]);
    const found = modelProblems(error, ['channels', index]).filter(
      ({ field }) => !masked.some((name) => field === `${prefix}.${name}`),
    );
    problems.push(...found);
    return found.length === 0 ? [{ ...entry, masked }] : [];
  }
}

function desiredMonitor(
  entry: FileEntries['monitors'][number],
  index: number,
  problems: FieldProblem[],
): DesiredMonitor[] {
  const { channels, ...input } = entry;
  if (Object.hasOwn(input, 'channelIds')) {
    problems.push({
      field: pathText(['monitors', index, 'channelIds']),
      problem: 'name channels by name instead: `channels: [name, …]`',
    });
    return [];
  }
  try {
    const parsed = parseMonitorInput(input);
    // A default that differs between two parses is made at random (a push monitor's
    // token): the server keeps the one it made, so apply neither compares nor sends it.
    const again = parseMonitorInput(input);
    const generated = new Set(
      Object.keys(parsed).filter(
        (key) => !Object.hasOwn(input, key) && !isDeepStrictEqual(parsed[key], again[key]),
      ),
    );
    const fields: Record<string, unknown> = { ...parsed };
    for (const key of [...generated, 'channelIds']) delete fields[key];
    const masked = maskedMonitorSecrets(fields);
    return [{ name: parsed.name, fields, generated, channels, masked }];
  } catch (error) {
    problems.push(...modelProblems(error, ['monitors', index]));
    return [];
  }
}

function duplicateNames(entries: FileEntries): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const kind of ['channels', 'monitors'] as const) {
    const seen = new Map<string, number>();
    entries[kind].forEach(({ name }, i) => {
      const first = seen.get(name);
      if (first === undefined) seen.set(name, i);
      else
        problems.push({
          field: pathText([kind, i, 'name']),
          problem: `"${name}" is already the name of ${kind}[${first}]; names must be unique`,
        });
    });
  }
  return problems;
}

function unknownChannels(entries: FileEntries): FieldProblem[] {
  const declared = new Set(entries.channels.map((channel) => channel.name));
  return entries.monitors.flatMap((monitor, i) =>
    monitor.channels.flatMap((name, j) =>
      declared.has(name)
        ? []
        : [
            {
              field: pathText(['monitors', i, 'channels', j]),
              problem: `names no channel of this file: "${name}"`,
            },
          ],
    ),
  );
}

// ---- the plan ------------------------------------------------------------------------

interface CurrentEntity {
  id: string;
  name: string;
  [field: string]: unknown;
}

interface CurrentChannel extends CurrentEntity {
  type: string;
  config: Record<string, unknown>;
}

interface CurrentMonitor extends CurrentEntity {
  channelIds: string[];
}

/** Fields the server sets or derives: never compared, never sent. */
const SERVER_FIELDS = new Set([...ENTITY_FIELDS, ...MONITOR_DERIVED_FIELDS]);

/** Turns channel names into ids, including channels created earlier in the same run. */
type ChannelIdsOf = (names: readonly string[]) => string[];

interface Step extends PlannedStep {
  /** The entity's id, for updates and deletes. */
  id?: string;
  /** The request body, for creates and updates. */
  body?: (channelIds: ChannelIdsOf) => Record<string, unknown>;
}

interface Plan {
  /** Creates and updates. */
  steps: Step[];
  /** What the file does not name: monitors first, then channels. */
  deletions: Step[];
  unchanged: number;
  /** Masked secrets the account has nothing to keep for: the plan cannot be carried out. */
  problems: FieldProblem[];
}

/**
 * What to do to make `current` match `desired`, matched by name: channel creates and
 * updates, then monitor creates and updates; and apart, the deletions, carried out after
 * them (monitors stop naming a channel before it goes). Pure.
 */
function planApply(
  desired: DesiredState,
  current: { channels: CurrentChannel[]; monitors: CurrentMonitor[] },
): Plan {
  const channelNames = new Map(current.channels.map((channel) => [channel.id, channel.name]));
  const channels = matchByName(desired.channels, current.channels);
  const monitors = matchByName(desired.monitors, current.monitors);
  const steps: Step[] = [
    ...channels.pairs.flatMap(([want, have]) => channelSteps(want, have)),
    ...monitors.pairs.flatMap(([want, have]) => monitorSteps(want, have, channelNames)),
  ];
  const deletions = [
    ...monitors.extra.map((have) => deleteStep('monitor', have)),
    ...channels.extra.map((have) => deleteStep('channel', have)),
  ];
  const unchanged = desired.channels.length + desired.monitors.length - steps.length;
  const problems = [
    ...channels.pairs.flatMap(([want, have], i) =>
      unkeptSecrets('channel', i, want, have && have.type === want.type ? maskedOf(have) : []),
    ),
    ...monitors.pairs.flatMap(([want, have], i) =>
      unkeptSecrets(
        'monitor',
        i,
        want,
        have && have.type === want.fields.type ? maskedMonitorSecrets(have) : [],
      ),
    ),
  ];
  return { steps, deletions, unchanged, problems };
}

/** The secrets a channel as the API shows it has (masked): those a masked one in the file keeps. */
function maskedOf(channel: CurrentChannel): string[] {
  return maskedSecretNames(channel.config, secretFieldsOf(channel.type), 'config.');
}

/**
 * A problem for each secret `want` gives masked that the current entity of its name does not
 * have (`stored`: its masked secrets): there is nothing to keep, and the mask itself must not
 * become the secret. An export applied to another account or node needs its secrets written in.
 */
function unkeptSecrets(
  kind: EntityKind,
  index: number,
  want: { name: string; masked: readonly string[] },
  stored: readonly string[],
): FieldProblem[] {
  return want.masked
    .filter((name) => !stored.includes(name))
    .map((name) => ({
      field: `${pathText([`${kind}s`, index])}.${name}`,
      problem: `is ${JSON.stringify(SECRET_MASK)} (masked, as the API and tireless export show secrets), and the account has no such secret of ${kind} ${JSON.stringify(want.name)} to keep: write the secret itself`,
    }));
}

/** Pairs each desired entity with the current one of its name; current ones left over are extra. */
function matchByName<Want extends { name: string }, Have extends CurrentEntity>(
  wanted: Want[],
  current: Have[],
): { pairs: [Want, Have | undefined][]; extra: Have[] } {
  const unmatched = [...current];
  const pairs = wanted.map((want): [Want, Have | undefined] => {
    const at = unmatched.findIndex((have) => have.name === want.name);
    return [want, at === -1 ? undefined : unmatched.splice(at, 1)[0]];
  });
  return { pairs, extra: unmatched };
}

function deleteStep(kind: EntityKind, have: CurrentEntity): Step {
  return { action: 'delete', kind, name: have.name, id: have.id, changes: [] };
}

/** How a secret that is set shows in a plan. */
const SECRET_SET = Symbol('(secret)');

function secretFieldsOf(type: string): readonly string[] {
  return getNotifier(type)?.secretFields ?? [];
}

/**
 * The API masks secret fields, so only whether a secret is set can be compared. A channel
 * created or changed otherwise is sent whole, with the file's secrets.
 */
function channelSteps(want: DesiredChannel, have: CurrentChannel | undefined): Step[] {
  const body = () => ({ name: want.name, type: want.type, config: want.config });
  if (!have) return [{ action: 'create', kind: 'channel', name: want.name, changes: [], body }];
  const secret = new Set([...secretFieldsOf(want.type), ...secretFieldsOf(have.type)]);
  const changes: FieldChange[] =
    have.type === want.type ? [] : [{ field: 'type', from: have.type, to: want.type }];
  for (const key of new Set([...Object.keys(want.config), ...Object.keys(have.config)])) {
    const shown = (config: Record<string, unknown>) =>
      secret.has(key) ? (Object.hasOwn(config, key) ? SECRET_SET : undefined) : config[key];
    const [from, to] = [shown(have.config), shown(want.config)];
    if (!isDeepStrictEqual(from, to)) changes.push({ field: `config.${key}`, from, to });
  }
  if (changes.length === 0) return [];
  return [{ action: 'update', kind: 'channel', name: want.name, id: have.id, changes, body }];
}

function monitorSteps(
  want: DesiredMonitor,
  have: CurrentMonitor | undefined,
  channelNames: ReadonlyMap<string, string>,
): Step[] {
  if (!have) {
    const body: Step['body'] = (channelIds) => ({
      ...want.fields,
      channelIds: channelIds(want.channels),
    });
    return [{ action: 'create', kind: 'monitor', name: want.name, changes: [], body }];
  }
  const changes = fieldChanges(want, have);
  const from = have.channelIds.map((id) => channelNames.get(id) ?? id).sort();
  const to = [...want.channels].sort();
  if (!isDeepStrictEqual(from, to)) changes.push({ field: 'channels', from, to });
  if (changes.length === 0) return [];
  const body: Step['body'] = (channelIds) =>
    Object.fromEntries(
      changes.map(({ field, to }) =>
        field === 'channels'
          ? ['channelIds', channelIds(want.channels)]
          : // null resets a field the file no longer sets to its default.
            [field, to === undefined ? null : to],
      ),
    );
  return [{ action: 'update', kind: 'monitor', name: want.name, id: have.id, changes, body }];
}

/**
 * The fields to change. The API masks a monitor's secrets, so the file's are compared masked
 * too (only whether they are set, and a URL's host and path); a change sends the real ones.
 */
function fieldChanges(want: DesiredMonitor, have: CurrentMonitor): FieldChange[] {
  const ignored = (key: string) =>
    SERVER_FIELDS.has(key) || key === 'channelIds' || want.generated.has(key);
  const shown = maskMonitor(want.fields);
  const keys = new Set([...Object.keys(want.fields), ...Object.keys(have)]);
  return [...keys]
    .filter((key) => !ignored(key) && !isDeepStrictEqual(have[key], shown[key]))
    .map((field) => ({ field, from: have[field], to: want.fields[field] }));
}

// ---- output --------------------------------------------------------------------------

const SIGNS = { create: '+', update: '~', delete: '-' } as const;

// Monitor fields that may carry credentials (a push token, an Authorization header).
const HIDDEN_VALUES = new Set(['token', 'headers', 'body']);

function describeStep(step: PlannedStep): string {
  const text = `${SIGNS[step.action]} ${step.action} ${entityText(step)}`;
  if (step.action === 'delete') {
    const history = step.results === undefined ? '' : `; ${resultsText(step.results)} go with it`;
    return `${text} (not in the file${history})`;
  }
  if (step.changes.length === 0) return text;
  return `${text} (${step.changes.map(describeChange).join(', ')})`;
}

function entityText({ kind, name }: PlannedStep): string {
  return `${kind} ${JSON.stringify(name)}`;
}

function resultsText(results: number): string {
  return `${results.toLocaleString('en-US')} recorded result${results === 1 ? '' : 's'}`;
}

/** `2 monitors and 1 channel (monitor "a", …), with 1,234 recorded results` */
function deletionsText(deletions: readonly PlannedStep[]): string {
  const count = (kind: EntityKind) => {
    const n = deletions.filter((step) => step.kind === kind).length;
    return n === 0 ? [] : [`${n} ${kind}${n === 1 ? '' : 's'}`];
  };
  const results = deletions.reduce((sum, step) => sum + (step.results ?? 0), 0);
  const names = deletions.map(entityText).join(', ');
  return `${[...count('monitor'), ...count('channel')].join(' and ')} (${names}), with ${resultsText(results)}`;
}

function describeChange({ field, from, to }: FieldChange): string {
  if (HIDDEN_VALUES.has(field)) return `${field} changed`;
  // A URL's user-info is a secret: the plan shows it masked, as the API does.
  const shown = field === 'url' ? maskMonitor({ url: to }).url : to;
  return `${field}: ${valueText(from)} → ${valueText(shown)}`;
}

function valueText(value: unknown): string {
  if (value === undefined) return '(not set)';
  if (value === SECRET_SET) return '(secret)';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

function countsOf(steps: readonly PlannedStep[]): string {
  const count = (action: PlannedStep['action']) => steps.filter((s) => s.action === action).length;
  return `${count('create')} created, ${count('update')} updated, ${count('delete')} deleted`;
}

function printPlan(plan: Plan, prune: boolean, options: ApplyOptions): void {
  options.log(`plan for ${options.url} from ${options.file}:`);
  for (const step of plan.steps) options.log(`  ${describeStep(step)}`);
  if (prune) for (const step of plan.deletions) options.log(`  ${describeStep(step)}`);
  options.log(`  = ${plan.unchanged} unchanged`);
  if (plan.deletions.length > 0 && prune) {
    options.log(`! --prune: DELETES ${deletionsText(plan.deletions)}`);
  } else if (plan.deletions.length > 0) {
    for (const step of plan.deletions) {
      const history = step.results === undefined ? '' : ` and its ${resultsText(step.results)}`;
      options.log(`  · keep ${entityText(step)} (not in the file; --prune deletes it${history})`);
    }
  }
  if (options.dryRun) options.log('dry run: nothing was changed');
  else if (plan.steps.length === 0 && !(prune && plan.deletions.length > 0)) {
    options.log('nothing to do');
  }
}

// ---- carrying it out ------------------------------------------------------------------

async function carryOut(
  steps: readonly Step[],
  api: ApiClient,
  channels: CurrentChannel[],
  log: (line: string) => void,
): Promise<void> {
  const channelIds = new Map(channels.map((channel) => [channel.name, channel.id]));
  const idsOf: ChannelIdsOf = (names) => names.map((name) => channelIds.get(name) ?? name);
  for (const [i, step] of steps.entries()) {
    try {
      const path = `/api/v1/${step.kind}s`;
      if (step.action === 'create') {
        const created = (await api.send('POST', path, step.body?.(idsOf))) as CurrentEntity;
        if (step.kind === 'channel') channelIds.set(step.name, created.id);
      } else if (step.action === 'update') {
        await api.send('PATCH', `${path}/${step.id}`, step.body?.(idsOf));
      } else {
        await api.send('DELETE', `${path}/${step.id}`);
      }
      log(`  done: ${describeStep(step)}`);
    } catch (error) {
      throw stopped(step, error, steps.slice(0, i), steps.slice(i + 1));
    }
  }
}

function stopped(step: Step, error: unknown, done: Step[], notDone: Step[]): TirelessError {
  const list = (steps: Step[]) => steps.map((s) => `\n    ${describeStep(s)}`).join('') || ' none';
  const code = error instanceof TirelessError ? error.code : 'TIRELESS_INTERNAL';
  return new TirelessError(
    code,
    `apply stopped: ${step.action} ${step.kind} ${JSON.stringify(step.name)} failed: ${describeError(error)}` +
      `\n  done (${done.length}):${list(done)}\n  not done (${notDone.length + 1}):${list([step, ...notDone])}` +
      `\n  run apply again to finish: it plans from what the account has now`,
    { cause: error, fields: error instanceof TirelessError ? error.fields : [] },
  );
}

// ---- the REST API ---------------------------------------------------------------------

/** The few calls apply makes. */
class ApiClient extends NodeApi {
  async list(collection: 'channels' | 'monitors'): Promise<unknown[]> {
    const reply = (await this.send('GET', `/api/v1/${collection}`)) as { items?: unknown };
    if (!Array.isArray(reply.items)) {
      throw new TirelessError(
        'TIRELESS_INTERNAL',
        `GET /api/v1/${collection}: the reply has no items list`,
      );
    }
    return reply.items as unknown[];
  }

  /**
   * Every check result recorded for a monitor: its uptime over all time (whole days from the
   * rollups, which outlive the raw results), so the history a deletion takes.
   */
  async recordedResults(monitorId: string): Promise<number> {
    const path = `/api/v1/monitors/${encodeURIComponent(monitorId)}/uptime?from=0`;
    const reply = (await this.send('GET', path)) as { checks?: unknown };
    if (typeof reply.checks !== 'number') {
      throw new TirelessError('TIRELESS_INTERNAL', `GET ${path}: the reply has no checks count`);
    }
    return reply.checks;
  }
}
