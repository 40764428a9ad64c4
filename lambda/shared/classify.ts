/**
 * Exit classification: from a finished job's facts to the SPEC error name and
 * whether a retry could help. Pure and shared: the job runner fails its
 * execution with this result, the Slack notifier shows it, and `batchctl`
 * prints it.
 */
import { containerReasonOf, exitCodeOf, type JobFacts, lastAttempt, logStreamOf } from './job-status';

/** Every classification, i.e. the SPEC error names without the `Batch.` prefix. */
export const CLASSIFICATIONS = [
  'ClientError',
  'JobNotFound',
  'JobFailed',
  'OutOfMemory',
  'SpotInterrupted',
  'ImagePullFailed',
  'InfrastructureError',
  'AttemptTimedOut',
  'DependencyFailed',
  'Cancelled',
  'DeadlineExceeded',
] as const;

/** A classification name (SPEC error name without `Batch.`). */
export type Classification = (typeof CLASSIFICATIONS)[number];

/** A SPEC execution error name. */
export type BatchErrorName = `Batch.${Classification}`;

/** All execution error names of the contract, `InvalidJobRequest` included. */
export const ERROR_NAMES: readonly string[] = [
  'InvalidJobRequest',
  ...CLASSIFICATIONS.map((c) => `Batch.${c}`),
];

/** What a failed job means. */
export interface ClassificationResult {
  readonly classification: Classification;
  readonly error: BatchErrorName;
  readonly retryable: boolean;
  /** The most specific reason found: container reason, else attempt or job status reason. */
  readonly reason?: string | undefined;
}

const RETRYABLE: ReadonlySet<Classification> = new Set(['SpotInterrupted', 'InfrastructureError']);

/** Status reasons Batch writes itself (prefixes); any other reason on a FAILED job was given by a person or tool. */
const BATCH_STATUS_REASON_PREFIXES = [
  'Essential container in task exited',
  'Task failed to start',
  'Job attempt duration exceeded timeout',
  'Dependent Job failed',
  'Host EC2',
  'Your Spot Task was interrupted',
  'Array Child Job failed',
  'Array job failed',
  'CannotPullContainerError',
  'CannotStartContainerError',
  'CannotCreateContainerError',
  'CannotInspectContainerError',
  'ResourceInitializationError',
  'DockerTimeoutError',
  'OutOfMemoryError',
  'Timeout waiting for network interface',
  'ECS task',
  'Job failed',
];

/** Reasons that mean the platform, not the application, failed. */
const INFRASTRUCTURE_MARKERS = [
  'ResourceInitializationError',
  'CannotStartContainerError',
  'CannotCreateContainerError',
  'CannotInspectContainerError',
  'DockerTimeoutError',
  'ContainerRuntimeError',
  'ContainerRuntimeTimeoutError',
  'InternalError',
  'Timeout waiting for network interface provisioning',
  'Task failed to start',
];

/** Prefix of the reason this app gives TerminateJob when a deadline passes. */
export const DEADLINE_REASON_PREFIX = 'batch-orchestrator: deadline exceeded';
/** Prefix of the reason this app gives TerminateJob when its execution was stopped. */
export const STOPPED_REASON_PREFIX = 'batch-orchestrator: execution';

/**
 * Classifies a FAILED job. Rules are checked from the most specific platform
 * signal to the generic application failure, so a Spot reclaim is never
 * reported as the exit code it caused.
 */
export function classifyFailure(job: JobFacts): ClassificationResult {
  const classification = pick(job);
  const reason = containerReasonOf(job) ?? lastAttempt(job)?.statusReason ?? job.statusReason;
  return {
    classification,
    error: `Batch.${classification}`,
    retryable: RETRYABLE.has(classification),
    reason,
  };
}

function pick(job: JobFacts): Classification {
  const statusReasons = [job.statusReason, lastAttempt(job)?.statusReason].filter(
    (r): r is string => typeof r === 'string' && r !== '',
  );
  const containerReason = containerReasonOf(job) ?? '';
  const allReasons = [...statusReasons, containerReason];
  const statusStarts = (prefix: string) => statusReasons.some((r) => r.startsWith(prefix));

  if (statusStarts(DEADLINE_REASON_PREFIX)) return 'DeadlineExceeded';
  if (statusStarts('Job attempt duration exceeded timeout')) return 'AttemptTimedOut';
  if (statusStarts('Dependent Job failed')) return 'DependencyFailed';
  if (statusStarts('Host EC2') || statusReasons.some((r) => r.trim() === 'Your Spot Task was interrupted.'))
    return 'SpotInterrupted';
  if (containerReason.startsWith('OutOfMemoryError')) return 'OutOfMemory';
  if (allReasons.some((r) => r.includes('CannotPullContainerError'))) return 'ImagePullFailed';
  if (allReasons.some((r) => INFRASTRUCTURE_MARKERS.some((m) => r.includes(m)))) return 'InfrastructureError';
  if (job.statusReason !== undefined && job.statusReason !== '' && !isBatchWrittenReason(job.statusReason))
    return 'Cancelled';
  return 'JobFailed';
}

/** True when Batch itself writes this status reason (as opposed to a TerminateJob / CancelJob caller). */
export function isBatchWrittenReason(reason: string): boolean {
  return BATCH_STATUS_REASON_PREFIXES.some((prefix) => reason.startsWith(prefix));
}

/** The Cause of a `Batch.*` failure (public contract); absent fields are omitted. */
export interface FailureCause {
  readonly jobId?: string;
  readonly jobName?: string;
  readonly status?: string;
  readonly exitCode?: number;
  readonly statusReason?: string;
  readonly reason?: string;
  readonly logStreamName?: string;
  readonly classification: Classification;
  readonly retryable: boolean;
  readonly attempts?: number;
}

/** Builds the contract Cause for a job and its classification, dropping fields that do not apply. */
export function buildFailureCause(
  job: JobFacts,
  result: Pick<ClassificationResult, 'classification' | 'retryable' | 'reason'>,
): FailureCause {
  const cause: Record<string, unknown> = {
    jobId: job.jobId,
    jobName: job.jobName,
    status: job.status,
    exitCode: job.arrayProperties?.size !== undefined ? undefined : exitCodeOf(job),
    statusReason: job.statusReason,
    reason: result.reason,
    logStreamName: job.arrayProperties?.size !== undefined ? undefined : logStreamOf(job),
    classification: result.classification,
    retryable: result.retryable,
    attempts: job.attempts?.length,
  };
  for (const key of Object.keys(cause)) {
    if (cause[key] === undefined || cause[key] === null || cause[key] === '') delete cause[key];
  }
  return cause as unknown as FailureCause;
}
