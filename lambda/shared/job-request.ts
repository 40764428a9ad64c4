/**
 * The job request: the job runner's input contract (SPEC "Job request").
 *
 * One schema serves the state machine's Validate step, the schedules (checked
 * at synth) and `batchctl`. Field names follow Batch SubmitJob. Unknown fields
 * are rejected at every level, integers must be integers, and every bad field
 * is reported with its path and the value received.
 */
import { z } from 'zod';
import { type InvalidField, type InvalidJobRequestCause, InvalidJobRequestError } from './errors';

/** Tag key this app puts on every job it submits: the Step Functions execution ARN. */
export const EXECUTION_TAG_KEY = 'batch-orchestrator:execution';
/** Tag keys with this prefix are reserved for the job runner. */
export const RESERVED_TAG_PREFIX = 'batch-orchestrator:';

/** Default first wait between status checks. */
export const DEFAULT_POLL_INTERVAL_SECONDS = 30;
/** Default cap for the growing wait (at least the first wait). */
export const DEFAULT_MAX_POLL_INTERVAL_SECONDS = 300;
/** Default orchestration deadline: one day. */
export const DEFAULT_DEADLINE_SECONDS = 86_400;
/** 364 days: always fires before Step Functions' one-year execution limit. */
export const MAX_DEADLINE_SECONDS = 31_449_600;

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const ARN_PREFIX = /^arn:aws[a-z-]*:batch:[a-z0-9-]+:\d{12}:/;

const int = (min: number, max: number) =>
  z
    .number({ error: 'expected an integer' })
    .int({ error: 'expected an integer' })
    .min(min, { error: `expected an integer >= ${min}` })
    .max(max, { error: `expected an integer <= ${max}` });

const jobName = z.string({ error: 'expected a string' }).regex(NAME_PATTERN, {
  error: '1-128 characters: first a letter or digit, then letters, digits, "-" or "_"',
});

const resourceRef = (kind: 'job-definition' | 'job-queue', revision: boolean) =>
  z.string({ error: 'expected a string' }).refine(
    (value) => {
      const short = ARN_PREFIX.test(value) ? value.replace(ARN_PREFIX, '') : value;
      const withKind = ARN_PREFIX.test(value) ? short.startsWith(`${kind}/`) : true;
      const name = ARN_PREFIX.test(value) ? short.slice(kind.length + 1) : short;
      const pattern = revision ? /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}(:[1-9]\d*)?$/ : NAME_PATTERN;
      return withKind && pattern.test(name);
    },
    {
      error: revision
        ? 'expected a job definition name, name:revision or job-definition ARN'
        : 'expected a job queue name or job-queue ARN',
    },
  );

const stringMap = z.record(z.string(), z.string({ error: 'expected a string value' }));

const environmentVariable = z.strictObject({
  name: z
    .string({ error: 'expected a string' })
    .min(1, { error: 'expected a non-empty name' })
    .refine((n) => !n.startsWith('AWS_BATCH'), {
      error: 'names starting with AWS_BATCH are reserved by Batch',
    }),
  value: z.string({ error: 'expected a string' }),
});

const containerOverrides = z.strictObject({
  command: z
    .array(z.string({ error: 'expected a string' }), { error: 'expected an array of strings' })
    .optional(),
  environment: z.array(environmentVariable, { error: 'expected an array of { name, value }' }).optional(),
  resourceRequirements: z
    .array(
      z.strictObject({
        type: z.enum(['GPU', 'VCPU', 'MEMORY'], { error: 'expected GPU, VCPU or MEMORY' }),
        value: z
          .string({ error: 'expected a string, e.g. "2" or "4096"' })
          .min(1, { error: 'expected a non-empty string, e.g. "2" or "4096"' }),
      }),
      { error: 'expected an array of { type, value }' },
    )
    .optional(),
  instanceType: z
    .string({ error: 'expected a string' })
    .min(1, { error: 'expected a non-empty string' })
    .optional(),
});

const evaluateOnExit = z.strictObject({
  onStatusReason: z.string({ error: 'expected a string' }).max(512).optional(),
  onReason: z.string({ error: 'expected a string' }).max(512).optional(),
  onExitCode: z.string({ error: 'expected a string' }).max(512).optional(),
  action: z
    .string({ error: 'expected RETRY or EXIT' })
    .transform((a) => a.toUpperCase())
    .pipe(z.enum(['RETRY', 'EXIT'], { error: 'expected RETRY or EXIT' })),
});

/** The request's fields exactly as users write them (defaults not applied). */
const requestShape = z.strictObject({
  jobName: jobName.optional(),
  jobDefinition: resourceRef('job-definition', true).optional(),
  jobQueue: resourceRef('job-queue', false).optional(),
  parameters: stringMap.optional(),
  containerOverrides: containerOverrides.optional(),
  arrayProperties: z.strictObject({ size: int(2, 10_000) }).optional(),
  dependsOn: z
    .array(
      z.strictObject({
        jobId: z.string({ error: 'expected a job id' }).min(1, { error: 'expected a job id' }),
        type: z.enum(['N_TO_N', 'SEQUENTIAL'], { error: 'expected N_TO_N or SEQUENTIAL' }).optional(),
      }),
      { error: 'expected an array of { jobId, type? }' },
    )
    .optional(),
  retryStrategy: z
    .strictObject({
      attempts: int(1, 10),
      evaluateOnExit: z.array(evaluateOnExit, { error: 'expected an array of rules' }).optional(),
    })
    .optional(),
  timeout: z.strictObject({ attemptDurationSeconds: int(60, Number.MAX_SAFE_INTEGER) }).optional(),
  tags: z
    .record(
      z
        .string()
        .min(1, { error: 'tag keys are 1-128 characters' })
        .max(128, { error: 'tag keys are 1-128 characters' }),
      z.string({ error: 'expected a string value' }).max(256, { error: 'at most 256 characters' }),
    )
    .optional(),
  propagateTags: z.boolean({ error: 'expected true or false' }).optional(),
  shareIdentifier: z
    .string({ error: 'expected a string' })
    .min(1, { error: 'expected a non-empty string' })
    .max(255, { error: 'at most 255 characters' })
    .optional(),
  schedulingPriorityOverride: int(0, 9999).optional(),
  jobId: z.string({ error: 'expected a job id' }).min(1, { error: 'expected a job id' }).max(256).optional(),
  pollIntervalSeconds: int(5, 3600).optional(),
  maxPollIntervalSeconds: int(5, 3600).optional(),
  deadlineSeconds: int(60, MAX_DEADLINE_SECONDS).optional(),
});

type RawRequest = z.infer<typeof requestShape>;

/**
 * List length limits, checked apart from the element schemas: zod skips the
 * elements of an array that is too long, and the Cause must name every bad field.
 */
const LIST_LIMITS: readonly { path: readonly string[]; max: number; message: string }[] = [
  { path: ['dependsOn'], max: 20, message: 'at most 20 dependencies' },
  { path: ['retryStrategy', 'evaluateOnExit'], max: 5, message: 'at most 5 rules' },
];

/** Fields that only make sense when the runner submits the job. */
const SUBMIT_ONLY_FIELDS = [
  'jobName',
  'jobDefinition',
  'jobQueue',
  'parameters',
  'containerOverrides',
  'arrayProperties',
  'dependsOn',
  'retryStrategy',
  'timeout',
  'tags',
  'propagateTags',
  'shareIdentifier',
  'schedulingPriorityOverride',
] as const;

/** The SubmitJob fields of a request, exactly as they are passed to Batch. */
export type SubmitFields = Omit<
  RawRequest,
  'jobId' | 'pollIntervalSeconds' | 'maxPollIntervalSeconds' | 'deadlineSeconds' | 'jobName' | 'jobDefinition'
> & { jobName: string; jobDefinition: string };

/** Polling and deadline settings with defaults applied. */
export interface Timing {
  readonly pollIntervalSeconds: number;
  readonly maxPollIntervalSeconds: number;
  readonly deadlineSeconds: number;
}

/** A validated request with defaults applied: either submit a new job or attach to one. */
export type JobRequest =
  | ({ readonly mode: 'submit'; readonly submit: SubmitFields } & Timing)
  | ({ readonly mode: 'attach'; readonly jobId: string } & Timing);

/** A job request as users write it (the state machine's input). */
export type JobRequestInput = RawRequest;

/** Result of {@link parseJobRequest}. */
export type ParseResult = { ok: true; request: JobRequest } | { ok: false; cause: InvalidJobRequestCause };

const MAX_REPORTED_FIELDS = 50;

/**
 * Validates a job request and applies defaults. Never throws: an invalid
 * request yields the `InvalidJobRequest` Cause naming every bad field.
 */
export function parseJobRequest(input: unknown): ParseResult {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return invalid([{ path: '$', message: 'expected a JSON object', received: describeReceived(input) }]);
  }
  const fields: InvalidField[] = [];
  const parsed = requestShape.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) fields.push(...toFields(issue, input));
  }
  fields.push(...crossFieldIssues(input as Record<string, unknown>));
  if (!parsed.success || fields.length > 0) return invalid(dedupe(fields));
  return { ok: true, request: normalise(parsed.data) };
}

/** Like {@link parseJobRequest} but throws {@link InvalidJobRequestError}. */
export function assertJobRequest(input: unknown): JobRequest {
  const result = parseJobRequest(input);
  if (!result.ok) throw new InvalidJobRequestError(result.cause);
  return result.request;
}

function normalise(raw: RawRequest): JobRequest {
  const pollIntervalSeconds = raw.pollIntervalSeconds ?? DEFAULT_POLL_INTERVAL_SECONDS;
  const timing: Timing = {
    pollIntervalSeconds,
    maxPollIntervalSeconds:
      raw.maxPollIntervalSeconds ?? Math.max(DEFAULT_MAX_POLL_INTERVAL_SECONDS, pollIntervalSeconds),
    deadlineSeconds: raw.deadlineSeconds ?? DEFAULT_DEADLINE_SECONDS,
  };
  if (raw.jobId !== undefined) return { mode: 'attach', jobId: raw.jobId, ...timing };
  const {
    jobId: _j,
    pollIntervalSeconds: _p,
    maxPollIntervalSeconds: _m,
    deadlineSeconds: _d,
    ...rest
  } = raw;
  return { mode: 'submit', submit: rest as SubmitFields, ...timing };
}

function crossFieldIssues(raw: Record<string, unknown>): InvalidField[] {
  const out: InvalidField[] = [];
  const attach = raw.jobId !== undefined;
  if (attach) {
    for (const field of SUBMIT_ONLY_FIELDS) {
      if (raw[field] !== undefined) {
        out.push({
          path: field,
          message: 'not allowed with jobId: attach mode waits for an existing job and submits nothing',
          received: describeReceived(raw[field]),
        });
      }
    }
  } else {
    for (const field of ['jobName', 'jobDefinition'] as const) {
      if (raw[field] === undefined) {
        out.push({ path: field, message: 'required unless jobId is given', received: null });
      }
    }
  }
  for (const limit of LIST_LIMITS) {
    const list = valueAt(raw, limit.path);
    if (Array.isArray(list) && list.length > limit.max) {
      out.push({ path: formatPath(limit.path), message: limit.message, received: describeReceived(list) });
    }
  }
  // An absent pollIntervalSeconds is its default: the cap must not be below the first wait actually used.
  const poll =
    raw.pollIntervalSeconds === undefined ? DEFAULT_POLL_INTERVAL_SECONDS : raw.pollIntervalSeconds;
  const max = raw.maxPollIntervalSeconds;
  if (Number.isInteger(poll) && Number.isInteger(max) && (max as number) < (poll as number)) {
    out.push({
      path: 'maxPollIntervalSeconds',
      message:
        raw.pollIntervalSeconds === undefined
          ? `must be >= pollIntervalSeconds (${poll}, its default)`
          : `must be >= pollIntervalSeconds (${poll})`,
      received: max,
    });
  }
  const tags = raw.tags;
  if (typeof tags === 'object' && tags !== null && !Array.isArray(tags)) {
    for (const key of Object.keys(tags)) {
      if (key.startsWith(RESERVED_TAG_PREFIX) || key.toLowerCase().startsWith('aws:')) {
        out.push({
          path: `tags.${key}`,
          message: `tag keys starting with "${RESERVED_TAG_PREFIX}" or "aws:" are reserved`,
          received: describeReceived((tags as Record<string, unknown>)[key]),
        });
      }
    }
  }
  return out;
}

function toFields(issue: z.core.$ZodIssue, root: unknown): InvalidField[] {
  const path = issue.path as PropertyKey[];
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      path: formatPath([...path, key]),
      message: 'unknown field',
      received: describeReceived(valueAt(root, [...path, key])),
    }));
  }
  const value = valueAt(root, path);
  if (issue.code === 'invalid_key') {
    // A bad map key (e.g. a tag key): zod's own message says only "Invalid key in record".
    return [
      {
        path: formatPath(path),
        message: issue.issues[0]?.message ?? 'invalid key',
        received: describeReceived(value),
      },
    ];
  }
  return [
    {
      path: formatPath(path),
      message: value === undefined && issue.code === 'invalid_type' ? 'required' : issue.message,
      received: value === undefined ? null : describeReceived(value),
    },
  ];
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = root;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** Formats a path as `a.b[0].c`; the empty path is `$`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '$' : out;
}

/** Keeps the Cause small: long strings and big structures are shortened. */
function describeReceived(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'string') return value.length > 200 ? `${value.slice(0, 200)}...` : value;
  if (typeof value === 'object' && value !== null) {
    const json = JSON.stringify(value);
    return json.length > 200 ? `${json.slice(0, 200)}...` : value;
  }
  return value;
}

function dedupe(fields: InvalidField[]): InvalidField[] {
  const seen = new Set<string>();
  const out: InvalidField[] = [];
  for (const field of fields) {
    const key = `${field.path}\u0000${field.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(field);
    }
  }
  return out;
}

function invalid(fields: InvalidField[]): ParseResult {
  const shown = fields.slice(0, MAX_REPORTED_FIELDS);
  const names = shown.map((f) => f.path).join(', ');
  const more = fields.length > shown.length ? ` and ${fields.length - shown.length} more` : '';
  return {
    ok: false,
    cause: {
      reason: `Invalid job request: ${fields.length} invalid field(s): ${names}${more}`,
      fields: shown,
    },
  };
}
