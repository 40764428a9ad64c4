/**
 * Pure argument parsing: argv -> a typed {@link Command} or a {@link UsageError}.
 * No I/O here (files named by flags are read by the commands), so every flag
 * is tested by tables.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { JobRequestInput } from '../../lambda/shared/job-request';
import { JOB_STATUSES, type JobStatus } from '../../lambda/shared/job-status';
import { UsageError } from './errors';
import type { ExitCodeTable } from './exit-codes';

/** Access, transport and output options every command accepts. */
export interface GlobalOptions {
  readonly region?: string;
  readonly profile?: string;
  readonly roleArn?: string;
  readonly externalId?: string;
  readonly roleSessionName?: string;
  readonly roleDurationSeconds?: number;
  readonly endpointUrl?: string;
  readonly proxy?: string;
  readonly proxyUser?: string;
  readonly proxyPassword?: string;
  readonly caBundle?: string;
  /** SDK attempts per call (adaptive retry mode). */
  readonly maxAttempts?: number;
  /** Client-side rate limit, requests per second. */
  readonly maxRequestsPerSecond?: number;
  readonly json: boolean;
}

/** Where a job request comes from: a JSON file and flags; flags win. */
export interface RequestSpec {
  /** Path of `--request`, read by the command. */
  readonly file?: string;
  /** The fields given as flags, in the job-request shape (values unvalidated). */
  readonly fields: JobRequestInput;
}

/** Polling options of `wait` (validated later with the job-request schema). */
export interface TimingFlags {
  readonly pollIntervalSeconds?: number;
  readonly maxPollIntervalSeconds?: number;
  readonly deadlineSeconds?: number;
}

/** A parsed command line. */
export type Command =
  | { readonly kind: 'help'; readonly topic?: CommandName }
  | { readonly kind: 'version' }
  | {
      readonly kind: 'submit';
      readonly global: GlobalOptions;
      readonly request: RequestSpec;
      readonly wait: boolean;
      readonly full: boolean;
      readonly terminateOnInterrupt: boolean;
    }
  | {
      readonly kind: 'status';
      readonly global: GlobalOptions;
      readonly jobId: string;
      readonly full: boolean;
      readonly exitCodes: ExitCodeTable;
    }
  | {
      readonly kind: 'wait';
      readonly global: GlobalOptions;
      readonly jobId: string;
      readonly timing: TimingFlags;
      readonly full: boolean;
      readonly terminateOnInterrupt: boolean;
    }
  | {
      readonly kind: 'terminate';
      readonly global: GlobalOptions;
      readonly jobId: string;
      readonly reason: string;
    }
  | {
      readonly kind: 'logs';
      readonly global: GlobalOptions;
      readonly jobId: string;
      readonly follow: boolean;
    }
  | {
      readonly kind: 'list';
      readonly global: GlobalOptions;
      readonly queue: string;
      /** Empty: every status. */
      readonly statuses: readonly JobStatus[];
    }
  | {
      readonly kind: 'run';
      readonly global: GlobalOptions;
      readonly request: RequestSpec;
      /** Config environment whose stack holds the state machine. */
      readonly environment: string;
      readonly stateMachine?: string;
      readonly executionName?: string;
      readonly wait: boolean;
      readonly stopOnInterrupt: boolean;
    }
  | {
      readonly kind: 'execution';
      readonly global: GlobalOptions;
      readonly executionArn: string;
      readonly wait: boolean;
    };

/** Command names, in help order. */
export const COMMAND_NAMES = [
  'submit',
  'status',
  'wait',
  'terminate',
  'logs',
  'list',
  'run',
  'execution',
] as const;

/** A command name. */
export type CommandName = (typeof COMMAND_NAMES)[number];

/** Result of {@link parseCommandLine}. */
export type ParseOutcome =
  | { readonly ok: true; readonly command: Command }
  | { readonly ok: false; readonly error: UsageError };

/** Default config environment of `run`. */
export const DEFAULT_ENVIRONMENT = 'dev';

type Options = NonNullable<ParseArgsConfig['options']>;

const GLOBAL_OPTIONS: Options = {
  region: { type: 'string' },
  profile: { type: 'string' },
  'role-arn': { type: 'string' },
  'external-id': { type: 'string' },
  'role-session-name': { type: 'string' },
  'role-duration-seconds': { type: 'string' },
  'endpoint-url': { type: 'string' },
  proxy: { type: 'string' },
  'proxy-user': { type: 'string' },
  'proxy-password': { type: 'string' },
  'ca-bundle': { type: 'string' },
  'max-attempts': { type: 'string' },
  'max-rps': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
};

const TIMING_OPTIONS: Options = {
  'poll-interval': { type: 'string' },
  'max-poll-interval': { type: 'string' },
  deadline: { type: 'string' },
};

const REQUEST_OPTIONS: Options = {
  request: { type: 'string' },
  'job-name': { type: 'string' },
  'job-definition': { type: 'string' },
  'job-queue': { type: 'string' },
  parameter: { type: 'string', multiple: true },
  command: { type: 'string', multiple: true },
  env: { type: 'string', multiple: true },
  vcpus: { type: 'string' },
  memory: { type: 'string' },
  gpus: { type: 'string' },
  'instance-type': { type: 'string' },
  'array-size': { type: 'string' },
  'depends-on': { type: 'string', multiple: true },
  attempts: { type: 'string' },
  timeout: { type: 'string' },
  tag: { type: 'string', multiple: true },
  'propagate-tags': { type: 'boolean' },
  'share-identifier': { type: 'string' },
  'scheduling-priority': { type: 'string' },
  ...TIMING_OPTIONS,
};

const COMMAND_OPTIONS: Record<CommandName, Options> = {
  submit: {
    ...REQUEST_OPTIONS,
    wait: { type: 'boolean' },
    full: { type: 'boolean' },
    'terminate-on-interrupt': { type: 'boolean' },
  },
  status: { full: { type: 'boolean' }, 'exit-codes': { type: 'string' } },
  wait: { ...TIMING_OPTIONS, full: { type: 'boolean' }, 'terminate-on-interrupt': { type: 'boolean' } },
  terminate: { reason: { type: 'string' } },
  logs: { follow: { type: 'boolean', short: 'f' } },
  list: { queue: { type: 'string' }, status: { type: 'string', multiple: true } },
  run: {
    ...REQUEST_OPTIONS,
    'job-id': { type: 'string' },
    'state-machine': { type: 'string' },
    'execution-name': { type: 'string' },
    wait: { type: 'boolean' },
    'stop-on-interrupt': { type: 'boolean' },
  },
  execution: { wait: { type: 'boolean' } },
};

/** Which flag sets each job-request field, for error messages (longest prefix wins). */
export const FIELD_FLAGS: Readonly<Record<string, string>> = {
  jobName: '--job-name',
  jobDefinition: '--job-definition',
  jobQueue: '--job-queue',
  parameters: '--parameter',
  'containerOverrides.command': '--command',
  'containerOverrides.environment': '--env',
  'containerOverrides.resourceRequirements': '--vcpus/--memory/--gpus',
  'containerOverrides.instanceType': '--instance-type',
  arrayProperties: '--array-size',
  dependsOn: '--depends-on',
  'retryStrategy.attempts': '--attempts',
  timeout: '--timeout',
  tags: '--tag',
  propagateTags: '--propagate-tags',
  shareIdentifier: '--share-identifier',
  schedulingPriorityOverride: '--scheduling-priority',
  jobId: '--job-id',
  pollIntervalSeconds: '--poll-interval',
  maxPollIntervalSeconds: '--max-poll-interval',
  deadlineSeconds: '--deadline',
};

/** The flag that sets a job-request field path, if any (`containerOverrides.environment[0].name` -> `--env`). */
export function flagForPath(path: string): string | undefined {
  let best: string | undefined;
  for (const prefix of Object.keys(FIELD_FLAGS)) {
    const matches = path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);
    if (matches && (best === undefined || prefix.length > best.length)) best = prefix;
  }
  return best === undefined ? undefined : FIELD_FLAGS[best];
}

type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** Parses `argv` (without `node` and the script). Never throws. */
export function parseCommandLine(argv: readonly string[]): ParseOutcome {
  try {
    return { ok: true, command: parseOrThrow(argv) };
  } catch (error) {
    if (error instanceof UsageError) return { ok: false, error };
    throw error;
  }
}

function parseOrThrow(argv: readonly string[]): Command {
  const [name, topic] = findPositionals(argv);
  if (name === undefined) {
    const { values } = runParseArgs(argv, GLOBAL_OPTIONS, false);
    if (values.version === true) return { kind: 'version' };
    if (values.help === true) return { kind: 'help' };
    throw new UsageError('Missing command. Run `batchctl --help` for the list of commands.');
  }
  if (name === 'help') {
    if (topic === undefined) return { kind: 'help' };
    if (!isCommandName(topic)) throw new UsageError(`Unknown command "${topic}".`);
    return { kind: 'help', topic };
  }
  if (!isCommandName(name)) throw new UsageError(`Unknown command "${name}". Run \`batchctl --help\`.`);

  const options = { ...GLOBAL_OPTIONS, ...COMMAND_OPTIONS[name] };
  const { values, positionals, afterTerminator } = runParseArgs(argv, options, true);
  if (values.help === true) return { kind: 'help', topic: name };
  if (values.version === true) return { kind: 'version' };
  const args = positionals.slice(1);
  const global = parseGlobal(values);

  switch (name) {
    case 'submit': {
      noPositionals(name, args);
      return {
        kind: 'submit',
        global,
        request: parseRequestSpec(values, afterTerminator, false),
        wait: flag(values, 'wait'),
        full: flag(values, 'full'),
        terminateOnInterrupt: flag(values, 'terminate-on-interrupt'),
      };
    }
    case 'status':
      return {
        kind: 'status',
        global,
        jobId: onePositional(name, 'JOB_ID', args, afterTerminator),
        full: flag(values, 'full'),
        exitCodes: parseExitCodeTable(str(values, 'exit-codes')),
      };
    case 'wait':
      return {
        kind: 'wait',
        global,
        jobId: onePositional(name, 'JOB_ID', args, afterTerminator),
        timing: parseTiming(values),
        full: flag(values, 'full'),
        terminateOnInterrupt: flag(values, 'terminate-on-interrupt'),
      };
    case 'terminate': {
      const jobId = onePositional(name, 'JOB_ID', args, afterTerminator);
      const reason = str(values, 'reason');
      if (reason === undefined || reason.trim() === '')
        throw new UsageError('terminate needs --reason "<why>" (Batch records it as the status reason).');
      return { kind: 'terminate', global, jobId, reason };
    }
    case 'logs':
      return {
        kind: 'logs',
        global,
        jobId: onePositional(name, 'JOB_ID', args, afterTerminator),
        follow: flag(values, 'follow'),
      };
    case 'list': {
      noPositionals(name, [...args, ...afterTerminator]);
      const queue = str(values, 'queue');
      if (queue === undefined || queue === '') throw new UsageError('list needs --queue <name or ARN>.');
      return { kind: 'list', global, queue, statuses: parseStatuses(strings(values, 'status')) };
    }
    case 'run': {
      noPositionals(name, args);
      const { environment, variables } = splitRunEnv(strings(values, 'env'));
      const request = parseRequestSpec({ ...values, env: variables }, afterTerminator, true);
      const stateMachine = str(values, 'state-machine');
      const executionName = str(values, 'execution-name');
      return {
        kind: 'run',
        global,
        request,
        environment: environment ?? DEFAULT_ENVIRONMENT,
        ...(stateMachine !== undefined && { stateMachine }),
        ...(executionName !== undefined && { executionName }),
        wait: flag(values, 'wait'),
        stopOnInterrupt: flag(values, 'stop-on-interrupt'),
      };
    }
    case 'execution':
      return {
        kind: 'execution',
        global,
        executionArn: onePositional(name, 'EXECUTION_ARN', args, afterTerminator),
        wait: flag(values, 'wait'),
      };
  }
}

function isCommandName(value: string): value is CommandName {
  return (COMMAND_NAMES as readonly string[]).includes(value);
}

const ALL_OPTIONS: Options = Object.assign({}, GLOBAL_OPTIONS, ...Object.values(COMMAND_OPTIONS));

/** The positionals before any `--`, knowing which options take a value (so `--region help` is no command). */
function findPositionals(argv: readonly string[]): string[] {
  const { tokens } = parseArgs({
    args: [...argv],
    options: ALL_OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const end = tokens.findIndex((t) => t.kind === 'option-terminator');
  return (end < 0 ? tokens : tokens.slice(0, end)).flatMap((t) => (t.kind === 'positional' ? [t.value] : []));
}

function runParseArgs(
  argv: readonly string[],
  options: Options,
  strict: boolean,
): { values: Values; positionals: string[]; afterTerminator: string[] } {
  try {
    const { values, positionals, tokens } = parseArgs({
      args: [...argv],
      options,
      strict,
      allowPositionals: true,
      tokens: true,
    });
    const terminator = tokens.find((t) => t.kind === 'option-terminator');
    const afterTerminator =
      terminator === undefined
        ? []
        : tokens
            .filter((t) => t.kind === 'positional' && t.index > terminator.index)
            .map((t) => (t.kind === 'positional' ? t.value : ''));
    const before = positionals.slice(0, positionals.length - afterTerminator.length);
    return { values: values as Values, positionals: before, afterTerminator };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new UsageError(message ?? 'Invalid arguments', { cause: error });
  }
}

function str(values: Values, key: string): string | undefined {
  const v = values[key];
  return typeof v === 'string' ? v : undefined;
}

function strings(values: Values, key: string): string[] {
  const v = values[key];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function flag(values: Values, key: string): boolean {
  return values[key] === true;
}

function noPositionals(name: string, args: readonly string[]): void {
  if (args.length > 0)
    throw new UsageError(`${name} takes no positional arguments (got "${args.join(' ')}").`);
}

function onePositional(
  name: string,
  label: string,
  args: readonly string[],
  rest: readonly string[],
): string {
  const all = [...args, ...rest];
  if (all.length === 0) throw new UsageError(`${name} needs ${label}: batchctl ${name} ${label}`);
  if (all.length > 1) throw new UsageError(`${name} takes one ${label} (got "${all.join(' ')}").`);
  // An empty id (e.g. an unset shell variable in quotes) is a usage error, not a call to AWS.
  if (all[0]!.trim() === '') throw new UsageError(`${name} needs ${label}: batchctl ${name} ${label}`);
  return all[0]!;
}

function parseGlobal(values: Values): GlobalOptions {
  const optional = <T>(key: string, convert: (v: string, flagName: string) => T) => {
    const v = str(values, key);
    return v === undefined ? undefined : convert(v, `--${key}`);
  };
  const global: Record<string, unknown> = {
    region: str(values, 'region'),
    profile: str(values, 'profile'),
    roleArn: str(values, 'role-arn'),
    externalId: str(values, 'external-id'),
    roleSessionName: str(values, 'role-session-name'),
    roleDurationSeconds: optional('role-duration-seconds', (v, f) => positiveInteger(v, f, 900, 43_200)),
    endpointUrl: optional('endpoint-url', (v, f) => url(v, f)),
    proxy: optional('proxy', (v, f) => url(v, f)),
    proxyUser: str(values, 'proxy-user'),
    proxyPassword: str(values, 'proxy-password'),
    caBundle: str(values, 'ca-bundle'),
    maxAttempts: optional('max-attempts', (v, f) => positiveInteger(v, f, 1, 20)),
    maxRequestsPerSecond: optional('max-rps', (v, f) => positiveInteger(v, f, 1, 1000)),
    json: flag(values, 'json'),
  };
  const roleOnly = ['externalId', 'roleSessionName', 'roleDurationSeconds'];
  if (global.roleArn === undefined && roleOnly.some((k) => global[k] !== undefined))
    throw new UsageError('--external-id, --role-session-name and --role-duration-seconds need --role-arn.');
  for (const key of Object.keys(global)) if (global[key] === undefined) delete global[key];
  return global as unknown as GlobalOptions;
}

function positiveInteger(value: string, flagName: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max)
    throw new UsageError(`${flagName} expects an integer from ${min} to ${max} (got "${value}").`);
  return n;
}

function url(value: string, flagName: string): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new UsageError(`${flagName} expects a URL such as http://host:port (got "${value}").`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new UsageError(`${flagName} expects an http:// or https:// URL (got "${value}").`);
  return value;
}

function parseExitCodeTable(value: string | undefined): ExitCodeTable {
  if (value === undefined || value === 'default') return 'default';
  if (value === 'kestra') return 'kestra';
  throw new UsageError(`--exit-codes expects "default" or "kestra" (got "${value}").`);
}

function parseStatuses(values: readonly string[]): JobStatus[] {
  const out: JobStatus[] = [];
  for (const raw of values.flatMap((v) => v.split(','))) {
    const status = raw.trim().toUpperCase();
    if (status === '') continue;
    if (status === 'ALL') return [];
    if (!(JOB_STATUSES as readonly string[]).includes(status))
      throw new UsageError(`--status expects one of ${JOB_STATUSES.join(', ')} or ALL (got "${raw}").`);
    if (!out.includes(status as JobStatus)) out.push(status as JobStatus);
  }
  return out;
}

/**
 * `run --env`: a value without `=` names the config environment (its stack
 * holds the state machine); `NAME=VALUE` is a container variable, as for submit.
 */
function splitRunEnv(values: readonly string[]): { environment?: string; variables: string[] } {
  const names = values.filter((v) => !v.includes('='));
  if (names.length > 1)
    throw new UsageError(
      `run takes one environment name in --env (got ${names.map((n) => `"${n}"`).join(', ')}).`,
    );
  const variables = values.filter((v) => v.includes('='));
  return names[0] === undefined ? { variables } : { environment: names[0], variables };
}

const DURATION = /^(\d+)(s|m|h|d)?$/;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/**
 * A duration flag in seconds; `90`, `15m`, `2h`, `1d` are accepted. Anything
 * else is passed through unchanged so the job-request schema reports it with
 * the value received.
 */
export function parseDurationSeconds(value: string): number | string {
  const match = DURATION.exec(value.trim());
  if (match === null) return value;
  return Number(match[1]) * UNIT_SECONDS[match[2] ?? 's']!;
}

/** An integer-looking flag value as a number, anything else unchanged (the schema reports it). */
export function numberOrRaw(value: string): number | string {
  return /^[+-]?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
}

function keyValue(value: string, flagName: string, what: string): [string, string] {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new UsageError(`${flagName} expects ${what} (got "${value}").`);
  return [value.slice(0, eq), value.slice(eq + 1)];
}

function parseTiming(values: Values): TimingFlags {
  const timing: Record<string, unknown> = {};
  const poll = str(values, 'poll-interval');
  const max = str(values, 'max-poll-interval');
  const deadline = str(values, 'deadline');
  if (poll !== undefined) timing.pollIntervalSeconds = parseDurationSeconds(poll);
  if (max !== undefined) timing.maxPollIntervalSeconds = parseDurationSeconds(max);
  if (deadline !== undefined) timing.deadlineSeconds = parseDurationSeconds(deadline);
  return timing as TimingFlags;
}

function parseCommandFlag(
  values: readonly string[],
  afterTerminator: readonly string[],
): string[] | undefined {
  if (values.length > 0 && afterTerminator.length > 0)
    throw new UsageError('Give the container command either with --command or after "--", not both.');
  if (afterTerminator.length > 0) return [...afterTerminator];
  if (values.length === 0) return undefined;
  const first = values[0]!;
  if (values.length === 1 && first.trim().startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(first);
    } catch {
      throw new UsageError(`--command: invalid JSON array (got ${first}).`);
    }
    if (!Array.isArray(parsed) || parsed.some((p) => typeof p !== 'string'))
      throw new UsageError(`--command expects a JSON array of strings (got ${first}).`);
    return parsed as string[];
  }
  return [...values];
}

function parseDependsOn(value: string): { jobId: string; type?: 'N_TO_N' | 'SEQUENTIAL' } {
  const match = /^(.+):(N_TO_N|SEQUENTIAL)$/i.exec(value);
  if (match === null) return { jobId: value };
  return { jobId: match[1]!, type: match[2]!.toUpperCase() as 'N_TO_N' | 'SEQUENTIAL' };
}

/** The job-request fields given as flags. Values stay as typed when the schema must judge them. */
function parseRequestSpec(
  values: Values,
  afterTerminator: readonly string[],
  allowJobId: boolean,
): RequestSpec {
  const fields: Record<string, unknown> = {};
  const set = (key: string, value: unknown) => {
    if (value !== undefined) fields[key] = value;
  };
  set('jobName', str(values, 'job-name'));
  set('jobDefinition', str(values, 'job-definition'));
  set('jobQueue', str(values, 'job-queue'));
  if (allowJobId) set('jobId', str(values, 'job-id'));

  const parameters = strings(values, 'parameter');
  if (parameters.length > 0)
    fields.parameters = Object.fromEntries(parameters.map((p) => keyValue(p, '--parameter', 'KEY=VALUE')));

  const container: Record<string, unknown> = {};
  const command = parseCommandFlag(strings(values, 'command'), afterTerminator);
  if (command !== undefined) container.command = command;
  const env = strings(values, 'env');
  if (env.length > 0)
    container.environment = env.map((e) => {
      const [name, value] = keyValue(e, '--env', 'NAME=VALUE');
      return { name, value };
    });
  const resources = (
    [
      ['vcpus', 'VCPU'],
      ['memory', 'MEMORY'],
      ['gpus', 'GPU'],
    ] as const
  ).flatMap(([key, type]) => {
    const v = str(values, key);
    return v === undefined ? [] : [{ type, value: v }];
  });
  if (resources.length > 0) container.resourceRequirements = resources;
  const instanceType = str(values, 'instance-type');
  if (instanceType !== undefined) container.instanceType = instanceType;
  if (Object.keys(container).length > 0) fields.containerOverrides = container;

  const arraySize = str(values, 'array-size');
  if (arraySize !== undefined) fields.arrayProperties = { size: numberOrRaw(arraySize) };
  const dependsOn = strings(values, 'depends-on');
  if (dependsOn.length > 0) fields.dependsOn = dependsOn.map(parseDependsOn);
  const attempts = str(values, 'attempts');
  if (attempts !== undefined) fields.retryStrategy = { attempts: numberOrRaw(attempts) };
  const timeout = str(values, 'timeout');
  if (timeout !== undefined) fields.timeout = { attemptDurationSeconds: parseDurationSeconds(timeout) };
  const tags = strings(values, 'tag');
  if (tags.length > 0) fields.tags = Object.fromEntries(tags.map((t) => keyValue(t, '--tag', 'KEY=VALUE')));
  if (flag(values, 'propagate-tags')) fields.propagateTags = true;
  set('shareIdentifier', str(values, 'share-identifier'));
  const priority = str(values, 'scheduling-priority');
  if (priority !== undefined) fields.schedulingPriorityOverride = numberOrRaw(priority);
  Object.assign(fields, parseTiming(values));

  const file = str(values, 'request');
  return { ...(file !== undefined && { file }), fields: fields as JobRequestInput };
}
