/**
 * Small Batch I/O helpers; each takes the client. SubmitJob is retried here,
 * not by the SDK, and only when the job certainly was not created.
 */
import {
  BatchClient,
  DescribeJobsCommand,
  type JobDetail,
  type JobSummary,
  ListJobsCommand,
  SubmitJobCommand,
  type SubmitJobCommandInput,
  type SubmitJobCommandOutput,
  TerminateJobCommand,
} from '@aws-sdk/client-batch';
import { retryDelayMs } from '../../lambda/shared/backoff';
import type { JobStatus } from '../../lambda/shared/job-status';
import type { AwsClients } from './aws';
import type { Clock } from './clock';
import { JobNotFoundError } from './errors';
import { isThrottlingError, wasNeverSent } from './exit-codes';

/** The Batch client for every call but SubmitJob (SDK adaptive retries). */
export function batchClient(clients: AwsClients): BatchClient {
  return clients.client(BatchClient);
}

/**
 * The Batch client for SubmitJob: SDK retries off. SubmitJob has no
 * idempotency token, so a retry after a timeout could create a second job;
 * {@link submitJob} retries only errors that prove no job was created.
 */
export function submitClient(clients: AwsClients): BatchClient {
  return clients.client(BatchClient, { maxAttempts: 1 });
}

/** Batch's answer for a job id it does not know: an empty list, not an error. */
export async function describeJob(
  client: BatchClient,
  jobId: string,
  signal?: AbortSignal,
): Promise<JobDetail | undefined> {
  const out = await client.send(
    new DescribeJobsCommand({ jobs: [jobId] }),
    signal === undefined ? {} : { abortSignal: signal },
  );
  return out.jobs?.[0];
}

/** Like {@link describeJob}, but an unknown id is a {@link JobNotFoundError}. */
export async function getJob(client: BatchClient, jobId: string, signal?: AbortSignal): Promise<JobDetail> {
  const job = await describeJob(client, jobId, signal);
  if (job === undefined) throw new JobNotFoundError(jobId);
  return job;
}

/** Options of {@link submitJob}. */
export interface SubmitOptions {
  /** Total attempts for errors that prove nothing was created. */
  readonly maxAttempts: number;
  readonly clock: Clock;
  /** Called before each retry (for a note to the user). */
  readonly onRetry?: (attempt: number, error: unknown, delayMs: number) => void;
}

/**
 * SubmitJob with at most one job created: retried (full-jitter backoff) only on
 * throttling and on errors that prove the request never reached Batch (DNS,
 * refused connection, proxy unreachable). A timeout, a reset connection or a
 * 5xx is not retried: Batch may have created the job, and SubmitJob has no
 * idempotency token. Use a client with SDK retries off ({@link submitClient}).
 */
export async function submitJob(
  client: BatchClient,
  input: SubmitJobCommandInput,
  options: SubmitOptions,
): Promise<SubmitJobCommandOutput> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.send(new SubmitJobCommand(input));
    } catch (error) {
      const retryable = isThrottlingError(error) || wasNeverSent(error);
      if (!retryable || attempt >= options.maxAttempts) throw error;
      const delay = retryDelayMs(attempt);
      options.onRetry?.(attempt, error, delay);
      await options.clock.sleep(delay);
    }
  }
}

/** TerminateJob (also cancels a job that has not started). */
export async function terminateJob(client: BatchClient, jobId: string, reason: string): Promise<void> {
  await client.send(new TerminateJobCommand({ jobId, reason }));
}

/** Every job of a queue in the given statuses, following `nextToken` to the last page. */
export async function listJobs(
  client: BatchClient,
  jobQueue: string,
  statuses: readonly JobStatus[],
): Promise<JobSummary[]> {
  const out: JobSummary[] = [];
  for (const jobStatus of statuses) {
    let nextToken: string | undefined;
    do {
      const page = await client.send(new ListJobsCommand({ jobQueue, jobStatus, nextToken }));
      out.push(...(page.jobSummaryList ?? []));
      nextToken = page.nextToken;
    } while (nextToken !== undefined && nextToken !== '');
  }
  return out;
}
