/**
 * Batch job statuses and the plain facts the runner, the notifier and the CLI
 * read off a job. Works on both a DescribeJobs `JobDetail` and the `detail`
 * of a "Batch Job State Change" event: they share this shape.
 */

/** Every status Batch reports, in lifecycle order. */
export const JOB_STATUSES = [
  'SUBMITTED',
  'PENDING',
  'RUNNABLE',
  'STARTING',
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
] as const;

/** A Batch job status. */
export type JobStatus = (typeof JOB_STATUSES)[number];

/** True for SUCCEEDED and FAILED. */
export function isTerminalStatus(status: string | undefined): status is 'SUCCEEDED' | 'FAILED' {
  return status === 'SUCCEEDED' || status === 'FAILED';
}

/** True when `value` is one of {@link JOB_STATUSES}. */
export function isJobStatus(value: unknown): value is JobStatus {
  return typeof value === 'string' && (JOB_STATUSES as readonly string[]).includes(value);
}

/** The container part of a job or attempt, as much as this app reads. */
export interface ContainerFacts {
  readonly exitCode?: number | undefined;
  readonly reason?: string | undefined;
  readonly logStreamName?: string | undefined;
}

/** One attempt of a job, as much as this app reads. */
export interface AttemptFacts {
  readonly container?: ContainerFacts | undefined;
  readonly statusReason?: string | undefined;
  readonly startedAt?: number | undefined;
  readonly stoppedAt?: number | undefined;
}

/** The fields of a Batch job this app reads (a structural subset of JobDetail). */
export interface JobFacts {
  readonly jobId?: string | undefined;
  readonly jobArn?: string | undefined;
  readonly jobName?: string | undefined;
  readonly jobQueue?: string | undefined;
  readonly jobDefinition?: string | undefined;
  readonly status?: string | undefined;
  readonly statusReason?: string | undefined;
  readonly createdAt?: number | undefined;
  readonly startedAt?: number | undefined;
  readonly stoppedAt?: number | undefined;
  readonly attempts?: readonly AttemptFacts[] | undefined;
  readonly container?: ContainerFacts | undefined;
  readonly arrayProperties?:
    | { readonly size?: number | undefined; readonly statusSummary?: Record<string, number> | undefined }
    | undefined;
  readonly tags?: Record<string, string> | undefined;
}

/** The last attempt, if any. */
export function lastAttempt(job: JobFacts): AttemptFacts | undefined {
  const attempts = job.attempts ?? [];
  return attempts[attempts.length - 1];
}

/** Exit code of the last attempt, falling back to `container.exitCode`. */
export function exitCodeOf(job: JobFacts): number | undefined {
  return lastAttempt(job)?.container?.exitCode ?? job.container?.exitCode;
}

/** Container reason of the last attempt, falling back to `container.reason`. */
export function containerReasonOf(job: JobFacts): string | undefined {
  return lastAttempt(job)?.container?.reason ?? job.container?.reason;
}

/** Log stream of the last attempt, falling back to `container.logStreamName`. */
export function logStreamOf(job: JobFacts): string | undefined {
  return lastAttempt(job)?.container?.logStreamName ?? job.container?.logStreamName;
}

/** True for the parent of an array job (it has a size and no index). */
export function isArrayParent(job: JobFacts): boolean {
  return job.arrayProperties?.size !== undefined;
}

/** `arn:...:job-queue/name` -> `name`; a plain name is returned as is. */
export function queueShortName(queue: string | undefined): string | undefined {
  if (queue === undefined) return undefined;
  const slash = queue.lastIndexOf('/');
  return slash >= 0 && queue.startsWith('arn:') ? queue.slice(slash + 1) : queue;
}
