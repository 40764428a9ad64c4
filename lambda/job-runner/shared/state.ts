/**
 * The job runner's execution state: what the handlers exchange through the
 * state machine, kept small on purpose (an array parent with 10,000 children
 * costs a status summary of a few counters, never the children).
 *
 * State layout (JSONPath):
 * - `$.run`   — the validated request and timing (written once by Validate)
 * - `$.job`   — the job reference (Validate in attach mode, Submit otherwise)
 * - `$.check` — the latest status check `{ job, poll, output? }` (Describe)
 */
import type { JobDetail } from '@aws-sdk/client-batch';
import { z } from 'zod';
import type { JobFacts } from '../../shared/job-status';

/** What the Describe step tells the state machine to do next. */
export const NEXT_STEPS = ['WAIT', 'SUCCEEDED', 'FAILED', 'DEADLINE', 'NOT_FOUND'] as const;
/** One of {@link NEXT_STEPS}. */
export type NextStep = (typeof NEXT_STEPS)[number];

/** Polling bookkeeping carried from one status check to the next. */
export const pollStateSchema = z.object({
  /** Status checks (DescribeJobs calls) made so far. */
  polls: z.number().int().min(0),
  /** Status seen by the previous check. */
  lastStatus: z.string().optional(),
  /** The wait before the next check (the Wait state's SecondsPath). */
  delaySeconds: z.number().int().min(0),
  /** Consecutive checks that did not find the job. */
  notFound: z.number().int().min(0),
  next: z.enum(NEXT_STEPS),
});
/** Polling bookkeeping. */
export type PollState = z.infer<typeof pollStateSchema>;

/** Timing fields of `$.run` the Describe step needs. */
export const runTimingSchema = z.object({
  mode: z.enum(['submit', 'attach']),
  executionArn: z.string().min(1),
  pollIntervalSeconds: z.number().int().min(1),
  maxPollIntervalSeconds: z.number().int().min(1),
  deadlineSeconds: z.number().int().min(1),
  deadlineAtMs: z.number().int(),
});

/** The job reference in `$.job`. `submittedAtMs` is absent in attach mode (no visibility grace). */
export const jobRefSchema = z.object({
  jobId: z.string().min(1),
  jobArn: z.string().optional(),
  jobName: z.string().optional(),
  jobQueue: z.string().optional(),
  submittedAtMs: z.number().optional(),
});
/** The job reference. */
export type JobRef = z.infer<typeof jobRefSchema>;

/**
 * The few facts of a job the runner keeps between checks: the SPEC output
 * fields plus what classification needs (container and attempt reasons).
 */
export const jobSnapshotSchema = z.object({
  jobId: z.string().min(1),
  jobArn: z.string().optional(),
  jobName: z.string().optional(),
  jobQueue: z.string().optional(),
  status: z.string().optional(),
  statusReason: z.string().optional(),
  exitCode: z.number().int().optional(),
  logStreamName: z.string().optional(),
  containerReason: z.string().optional(),
  attemptStatusReason: z.string().optional(),
  createdAt: z.number().optional(),
  startedAt: z.number().optional(),
  stoppedAt: z.number().optional(),
  /** Number of attempts Batch made. */
  attempts: z.number().int().min(0).optional(),
  /** Present for an array parent. */
  arraySize: z.number().int().optional(),
  arrayStatusSummary: z.record(z.string(), z.number()).optional(),
});
/** The facts of a job kept in the state. */
export type JobSnapshot = z.infer<typeof jobSnapshotSchema>;

/** The execution output on success (SPEC "Output on success"). */
export interface JobRunnerOutput {
  readonly jobId: string;
  readonly jobArn?: string;
  readonly jobName?: string;
  readonly jobQueue?: string;
  readonly status: 'SUCCEEDED';
  readonly exitCode?: number;
  readonly statusReason?: string;
  readonly logStreamName?: string;
  readonly createdAt?: number;
  readonly startedAt?: number;
  readonly stoppedAt?: number;
  readonly attempts: number;
  readonly arrayStatusSummary?: Record<string, number>;
  readonly polls: number;
}

/** Reduces a DescribeJobs `JobDetail` to a {@link JobSnapshot}; absent fields are omitted. */
export function toSnapshot(job: JobDetail): JobSnapshot {
  const attempts = job.attempts ?? [];
  const last = attempts[attempts.length - 1];
  const isArrayParent = job.arrayProperties?.size !== undefined;
  return compact({
    jobId: job.jobId ?? '',
    jobArn: job.jobArn,
    jobName: job.jobName,
    jobQueue: job.jobQueue,
    status: job.status,
    statusReason: job.statusReason,
    exitCode: isArrayParent ? undefined : (last?.container?.exitCode ?? job.container?.exitCode),
    logStreamName: isArrayParent
      ? undefined
      : (last?.container?.logStreamName ?? job.container?.logStreamName),
    containerReason: last?.container?.reason ?? job.container?.reason,
    attemptStatusReason: last?.statusReason,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    stoppedAt: job.stoppedAt,
    attempts: attempts.length,
    arraySize: job.arrayProperties?.size,
    arrayStatusSummary: isArrayParent ? job.arrayProperties?.statusSummary : undefined,
  }) as JobSnapshot;
}

/** Rebuilds the {@link JobFacts} the shared classifier reads from a snapshot. */
export function toJobFacts(job: JobSnapshot): JobFacts {
  const count = job.attempts ?? 0;
  const lastAttempt = {
    statusReason: job.attemptStatusReason,
    container: { exitCode: job.exitCode, reason: job.containerReason, logStreamName: job.logStreamName },
  };
  return {
    jobId: job.jobId,
    jobArn: job.jobArn,
    jobName: job.jobName,
    jobQueue: job.jobQueue,
    status: job.status,
    statusReason: job.statusReason,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    stoppedAt: job.stoppedAt,
    // Only the last attempt matters to the classifier; the count matters to the Cause.
    attempts: count > 0 ? [...Array.from({ length: count - 1 }, () => ({})), lastAttempt] : undefined,
    container: count > 0 ? undefined : lastAttempt.container,
    arrayProperties:
      job.arraySize !== undefined
        ? { size: job.arraySize, statusSummary: job.arrayStatusSummary }
        : undefined,
  };
}

/** Builds the SPEC success output; an array parent has `arrayStatusSummary` and no exit code or log stream. */
export function buildSuccessOutput(job: JobSnapshot, polls: number): JobRunnerOutput {
  const isArrayParent = job.arraySize !== undefined;
  return compact({
    jobId: job.jobId,
    jobArn: job.jobArn,
    jobName: job.jobName,
    jobQueue: job.jobQueue,
    status: 'SUCCEEDED',
    exitCode: isArrayParent ? undefined : job.exitCode,
    statusReason: job.statusReason,
    logStreamName: isArrayParent ? undefined : job.logStreamName,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    stoppedAt: job.stoppedAt,
    attempts: job.attempts ?? 0,
    arrayStatusSummary: isArrayParent ? (job.arrayStatusSummary ?? {}) : undefined,
    polls,
  }) as unknown as JobRunnerOutput;
}

/** Drops `undefined` values so the state and the outputs carry only fields that apply. */
export function compact<T extends Record<string, unknown>>(value: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) if (v !== undefined) out[key] = v;
  return out as Partial<T>;
}
