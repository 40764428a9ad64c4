/**
 * Validate: the state machine's first step. Checks the job request against
 * the contract and prepares `$.run`, `$.job` (attach mode) and the first
 * `$.check`. An invalid request is an expected outcome, returned as data
 * (`valid: false` with the `InvalidJobRequest` Cause); nothing reaches Batch.
 */
import { z } from 'zod';
import {
  DEFAULT_EVENT_FALLBACK_SECONDS,
  eventWaitTimeoutSeconds,
  nextPollDelaySeconds,
} from '../../shared/backoff';
import { type JobRequest, parseJobRequest, type SubmitFields } from '../../shared/job-request';
import { clock } from '../shared/clock';
import { parseHandlerInput } from '../shared/errors';
import { createLogger } from '../shared/logger';
import { aliasesFromEnv, type NameAliases, NO_ALIASES, resolveNames } from '../shared/names';
import type { JobRef, PollState } from '../shared/state';

const logger = createLogger('validate');
const timingDefaults = timingDefaultsFromEnv();
const aliases = aliasesFromEnv();

/**
 * How the execution learns that the job finished. A literal in the state
 * machine's Validate payload (the definition is built for one mode), so the
 * same function code serves both modes.
 */
export const completionSchema = z.object({
  /** `poll`: Wait + Describe; `events`: one callback wait woken by the job's state-change event. */
  mode: z.enum(['poll', 'events']),
  /** Events mode: the longest wait before a fallback status check. */
  fallbackSeconds: z.number().int().min(1).max(31_449_600),
});
/** How the execution learns that the job finished. */
export type CompletionSettings = z.infer<typeof completionSchema>;

/** The Validate step's input: the raw request plus the execution's context. */
export const validateEventSchema = z.object({
  request: z.unknown(),
  execution: z.object({
    /** The execution ARN (`$$.Execution.Id`). */
    id: z.string().min(1),
    name: z.string().min(1),
    /** ISO 8601 (`$$.Execution.StartTime`). */
    startTime: z.string().refine((s) => !Number.isNaN(Date.parse(s)), { error: 'expected an ISO 8601 time' }),
  }),
  /** @default poll */
  completion: completionSchema.optional(),
});
/** The Validate step's input. */
export type ValidateEvent = z.infer<typeof validateEventSchema>;

/** `$.run`: the validated request with defaults and the absolute deadline. */
export interface RunContext {
  readonly mode: 'submit' | 'attach';
  readonly executionArn: string;
  readonly executionStartMs: number;
  readonly pollIntervalSeconds: number;
  readonly maxPollIntervalSeconds: number;
  readonly deadlineSeconds: number;
  /** Execution start + deadlineSeconds, epoch ms. */
  readonly deadlineAtMs: number;
  /** Attach mode: the job to wait for. */
  readonly jobId?: string;
  /** Submit mode: the SubmitJob fields. */
  readonly submit?: SubmitFields;
}

/** The Validate step's result (replaces the whole state). */
export type ValidateResult =
  | {
      readonly valid: true;
      readonly run: RunContext;
      readonly job?: JobRef;
      readonly check: { poll: PollState };
    }
  | { readonly valid: false; readonly error: 'InvalidJobRequest'; readonly cause: string };

/** Environment defaults for requests that omit the timing fields (set by the stack from config). */
export interface TimingDefaults {
  readonly pollIntervalSeconds?: number | undefined;
  readonly maxPollIntervalSeconds?: number | undefined;
  readonly deadlineSeconds?: number | undefined;
}

/** Reads {@link TimingDefaults} from `DEFAULT_POLL_INTERVAL_SECONDS`, `DEFAULT_MAX_POLL_INTERVAL_SECONDS`, `DEFAULT_DEADLINE_SECONDS`. */
export function timingDefaultsFromEnv(env: NodeJS.ProcessEnv = process.env): TimingDefaults {
  const read = (name: string) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const value = Number(raw);
    if (!Number.isInteger(value)) throw new Error(`${name} must be an integer, got ${raw}`);
    return value;
  };
  return {
    pollIntervalSeconds: read('DEFAULT_POLL_INTERVAL_SECONDS'),
    maxPollIntervalSeconds: read('DEFAULT_MAX_POLL_INTERVAL_SECONDS'),
    deadlineSeconds: read('DEFAULT_DEADLINE_SECONDS'),
  };
}

/** Poll mode, the default when the stack sets nothing. */
export const POLL_COMPLETION: CompletionSettings = {
  mode: 'poll',
  fallbackSeconds: DEFAULT_EVENT_FALLBACK_SECONDS,
};

/**
 * Fills timing fields the request leaves out with the environment's defaults, before validation, so
 * the contract's rules (ranges, max >= poll) apply to the values actually used.
 */
export function withTimingDefaults(request: unknown, defaults: TimingDefaults): unknown {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) return request;
  const r = request as Record<string, unknown>;
  const out: Record<string, unknown> = { ...r };
  if (r.pollIntervalSeconds === undefined && defaults.pollIntervalSeconds !== undefined) {
    out.pollIntervalSeconds = defaults.pollIntervalSeconds;
  }
  if (r.maxPollIntervalSeconds === undefined && defaults.maxPollIntervalSeconds !== undefined) {
    const poll = typeof out.pollIntervalSeconds === 'number' ? out.pollIntervalSeconds : 0;
    // An explicit poll interval above the environment's cap raises the cap with it.
    out.maxPollIntervalSeconds = Math.max(defaults.maxPollIntervalSeconds, poll);
  }
  if (r.deadlineSeconds === undefined && defaults.deadlineSeconds !== undefined) {
    out.deadlineSeconds = defaults.deadlineSeconds;
  }
  return out;
}

/** Pure core of the handler: request + execution context -> result. */
export function validate(
  event: ValidateEvent,
  nowMs: number,
  defaults: TimingDefaults = {},
  completionSettings: CompletionSettings = POLL_COMPLETION,
  nameAliases: NameAliases = NO_ALIASES,
): ValidateResult {
  const parsed = parseJobRequest(withTimingDefaults(event.request, defaults));
  if (!parsed.ok) return { valid: false, error: 'InvalidJobRequest', cause: JSON.stringify(parsed.cause) };
  const request: JobRequest = parsed.request;
  const executionStartMs = Date.parse(event.execution.startTime);
  const deadlineAtMs = executionStartMs + request.deadlineSeconds * 1000;
  const run: RunContext = {
    mode: request.mode,
    executionArn: event.execution.id,
    executionStartMs,
    pollIntervalSeconds: request.pollIntervalSeconds,
    maxPollIntervalSeconds: request.maxPollIntervalSeconds,
    deadlineSeconds: request.deadlineSeconds,
    deadlineAtMs,
    ...(request.mode === 'attach'
      ? { jobId: request.jobId }
      : { submit: resolveNames(request.submit, nameAliases) }),
  };
  const secondsUntilDeadline = (deadlineAtMs - nowMs) / 1000;
  const poll: PollState = {
    polls: 0,
    notFound: 0,
    // Poll mode: the first wait (after SubmitJob) is the poll interval, cut short by a close deadline.
    // Events mode: the timeout of every event wait (the fallback interval, aligned on the deadline).
    delaySeconds:
      completionSettings.mode === 'events'
        ? eventWaitTimeoutSeconds(secondsUntilDeadline, completionSettings.fallbackSeconds)
        : nextPollDelaySeconds({
            statusChanged: true,
            pollIntervalSeconds: request.pollIntervalSeconds,
            maxPollIntervalSeconds: request.maxPollIntervalSeconds,
            secondsUntilDeadline,
          }),
    next: 'WAIT',
  };
  return {
    valid: true,
    run,
    ...(request.mode === 'attach' ? { job: { jobId: request.jobId } } : {}),
    check: { poll },
  };
}

/** Lambda entry point. */
export async function handler(event: unknown): Promise<ValidateResult> {
  const input = parseHandlerInput('validate', validateEventSchema, event);
  const result = validate(input, clock.now(), timingDefaults, input.completion ?? POLL_COMPLETION, aliases);
  if (result.valid) {
    logger.info('request valid', { executionArn: result.run.executionArn, mode: result.run.mode });
  } else {
    logger.info('request invalid', { executionArn: input.execution.id, cause: result.cause });
  }
  return result;
}
