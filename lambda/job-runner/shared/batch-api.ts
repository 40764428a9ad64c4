/**
 * Small Batch I/O helpers for the job-runner handlers. Each takes the client
 * as a parameter (clients are created once per handler module) and sorts
 * Batch errors into the three kinds the state machine cares about: client
 * errors (data, never retried), transient errors (thrown under a name the
 * state's Retry lists) and everything else (thrown, caught and classified).
 */
import {
  type BatchClient,
  DescribeJobsCommand,
  type JobDetail,
  SubmitJobCommand,
  type SubmitJobCommandInput,
  type SubmitJobCommandOutput,
  TerminateJobCommand,
} from '@aws-sdk/client-batch';
import { BatchUnavailableError } from './errors';

/**
 * Error names of transient Batch failures. The Submit, Describe and Terminate
 * states retry exactly these (plus the Lambda service errors); a client error
 * is never in this list.
 */
export const BATCH_TRANSIENT_ERROR_NAMES = [
  'TooManyRequestsException',
  'ThrottlingException',
  'ServerException',
  'BatchUnavailable',
] as const;

/** TerminateJob accepts reasons up to this length. */
export const MAX_TERMINATE_REASON_LENGTH = 1024;

const NETWORK_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

interface SdkLikeError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

/** True for Batch's `ClientException`: the request itself is wrong (unknown queue, bad definition, ...). */
export function isClientException(error: unknown): boolean {
  return (error as SdkLikeError | undefined)?.name === 'ClientException';
}

/** True when retrying later may succeed: throttling, a 5xx, a timeout or a dropped connection. */
export function isTransientError(error: unknown): boolean {
  const e = error as SdkLikeError | undefined;
  if (e === undefined || e === null) return false;
  if ((BATCH_TRANSIENT_ERROR_NAMES as readonly string[]).includes(e.name ?? '')) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status === 429 || (status !== undefined && status >= 500)) return true;
  if (e.name === 'TimeoutError' || e.$retryable !== undefined) return true;
  return e.code !== undefined && NETWORK_ERROR_CODES.has(e.code);
}

/**
 * Rethrows a Batch error so the state machine can act on its name: transient
 * errors keep a name from {@link BATCH_TRANSIENT_ERROR_NAMES} (others become
 * `BatchUnavailable`), everything else is rethrown unchanged.
 */
export function rethrowBatchError(error: unknown): never {
  const name = (error as SdkLikeError | undefined)?.name ?? '';
  if (isTransientError(error) && !(BATCH_TRANSIENT_ERROR_NAMES as readonly string[]).includes(name)) {
    throw new BatchUnavailableError(
      `Batch is unavailable (${name || 'unknown error'}): ${(error as SdkLikeError).message ?? ''}`,
      { cause: error },
    );
  }
  throw error;
}

/** Describes one job with ONE DescribeJobs call (an array parent's children are never listed). */
export async function describeJob(client: BatchClient, jobId: string): Promise<JobDetail | undefined> {
  const out = await client.send(new DescribeJobsCommand({ jobs: [jobId] }));
  return out.jobs?.find((job) => job.jobId === jobId) ?? out.jobs?.[0];
}

/** Sends SubmitJob once (the caller's client must not retry on its own). */
export async function submitJob(
  client: BatchClient,
  input: SubmitJobCommandInput,
): Promise<SubmitJobCommandOutput> {
  return client.send(new SubmitJobCommand(input));
}

/** Terminates a job; the reason is cut to what Batch accepts. */
export async function terminateJob(client: BatchClient, jobId: string, reason: string): Promise<void> {
  await client.send(new TerminateJobCommand({ jobId, reason: reason.slice(0, MAX_TERMINATE_REASON_LENGTH) }));
}
