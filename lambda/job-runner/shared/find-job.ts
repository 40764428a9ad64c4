/**
 * Finds the job an execution submitted, by its execution tag. This lookup is
 * what makes Submit idempotent (a retried or crashed Submit finds the job
 * instead of submitting again) and what lets the reaper terminate the job of
 * an execution that was stopped.
 *
 * ListJobs accepts only ONE filter at a time, so the lookup filters by
 * JOB_NAME (any status, newest first) and stops paging once jobs are older
 * than the execution (minus a clock-skew margin); the candidates are then
 * described in batches of 100 and matched on the execution tag.
 */
import {
  type BatchClient,
  DescribeJobsCommand,
  type JobDetail,
  ListJobsCommand,
} from '@aws-sdk/client-batch';
import { EXECUTION_TAG_KEY } from '../../shared/job-request';

/** Jobs created this long before the execution started are still considered (clock skew). */
export const LOOKUP_SKEW_MS = 5 * 60 * 1000;
/** DescribeJobs accepts at most this many ids per call. */
export const DESCRIBE_BATCH_SIZE = 100;

/** What identifies an execution's job. */
export interface ExecutionJobQuery {
  /** Queue name or ARN the job was submitted to. */
  readonly jobQueue: string;
  readonly jobName: string;
  /** The execution ARN, the value of the {@link EXECUTION_TAG_KEY} tag. */
  readonly executionArn: string;
  /** Epoch ms the execution started; older jobs are not candidates. */
  readonly executionStartMs: number;
}

/** Returns the job tagged with this execution, or undefined; throws what the SDK throws. */
export async function findExecutionJob(
  client: BatchClient,
  query: ExecutionJobQuery,
): Promise<JobDetail | undefined> {
  const notBefore = query.executionStartMs - LOOKUP_SKEW_MS;
  const candidates: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new ListJobsCommand({
        jobQueue: query.jobQueue,
        filters: [{ name: 'JOB_NAME', values: [query.jobName] }],
        nextToken,
      }),
    );
    let reachedOlderJobs = false;
    for (const summary of page.jobSummaryList ?? []) {
      if (summary.createdAt !== undefined && summary.createdAt < notBefore) {
        reachedOlderJobs = true;
        continue;
      }
      // JOB_NAME matches case-insensitively; keep exact names only.
      if (summary.jobId !== undefined && summary.jobName === query.jobName) candidates.push(summary.jobId);
    }
    // Results are sorted newest first: once a page reaches older jobs, later pages hold none of ours.
    nextToken = reachedOlderJobs ? undefined : page.nextToken;
  } while (nextToken !== undefined);

  for (let i = 0; i < candidates.length; i += DESCRIBE_BATCH_SIZE) {
    const ids = candidates.slice(i, i + DESCRIBE_BATCH_SIZE);
    const out = await client.send(new DescribeJobsCommand({ jobs: ids }));
    const match = out.jobs?.find((job) => job.tags?.[EXECUTION_TAG_KEY] === query.executionArn);
    if (match !== undefined) return match;
  }
  return undefined;
}
