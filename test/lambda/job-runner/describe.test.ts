import { BatchClient, DescribeJobsCommand } from '@aws-sdk/client-batch';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../../lambda/job-runner/describe/index';
import { setClock } from '../../../lambda/job-runner/shared/clock';
import { throttlingError } from '../../support/batch-simulator';

const batch = mockClient(BatchClient);
const start = Date.parse('2026-01-01T00:00:00Z');
let now = start;
let restore: () => void;

const run = {
  mode: 'submit',
  executionArn: 'arn:exec',
  pollIntervalSeconds: 30,
  maxPollIntervalSeconds: 300,
  deadlineSeconds: 3600,
  deadlineAtMs: start + 3_600_000,
};
const event = (
  poll: Record<string, unknown> = { polls: 0, notFound: 0, delaySeconds: 30, next: 'WAIT' },
  job: Record<string, unknown> = { jobId: 'j-1', submittedAtMs: start },
) => ({ run, job, poll });

beforeEach(() => {
  batch.reset();
  now = start + 30_000;
  restore = setClock(() => now);
});
afterEach(() => restore());

describe('describe handler', () => {
  it('makes exactly one DescribeJobs call and returns a small state', async () => {
    batch.on(DescribeJobsCommand).resolves({
      jobs: [
        {
          jobId: 'j-1',
          jobName: 'n',
          jobQueue: 'q',
          jobDefinition: 'd',
          status: 'RUNNING',
          createdAt: start,
          startedAt: start + 10,
          attempts: [],
          container: { logStreamName: 's' },
        } as never,
      ],
    });
    const result = await handler(event());
    expect(batch).toHaveReceivedCommandTimes(DescribeJobsCommand, 1);
    expect(batch).toHaveReceivedCommandWith(DescribeJobsCommand, { jobs: ['j-1'] });
    expect(result).toEqual({
      job: {
        jobId: 'j-1',
        jobName: 'n',
        jobQueue: 'q',
        status: 'RUNNING',
        logStreamName: 's',
        createdAt: start,
        startedAt: start + 10,
        attempts: 0,
      },
      poll: { polls: 1, lastStatus: 'RUNNING', notFound: 0, delaySeconds: 30, next: 'WAIT' },
    });
  });

  it('grows the wait while the status is unchanged', async () => {
    batch.on(DescribeJobsCommand).resolves({ jobs: [{ jobId: 'j-1', status: 'RUNNING' } as never] });
    const result = await handler(
      event({ polls: 3, lastStatus: 'RUNNING', notFound: 0, delaySeconds: 60, next: 'WAIT' }),
    );
    expect(result.poll).toMatchObject({ polls: 4, delaySeconds: 120, next: 'WAIT' });
  });

  it('describes an array parent once, keeping only its status summary', async () => {
    const statusSummary = { RUNNING: 9000, SUCCEEDED: 1000 };
    batch.on(DescribeJobsCommand).resolves({
      jobs: [{ jobId: 'j-1', status: 'RUNNING', arrayProperties: { size: 10_000, statusSummary } } as never],
    });
    const result = await handler(event());
    expect(result.job).toEqual({
      jobId: 'j-1',
      status: 'RUNNING',
      attempts: 0,
      arraySize: 10_000,
      arrayStatusSummary: statusSummary,
    });
    expect(JSON.stringify(result).length).toBeLessThan(1024);
  });

  it('waits briefly while a just-submitted job is not visible, then gives up', async () => {
    batch.on(DescribeJobsCommand).resolves({ jobs: [] });
    const first = await handler(event());
    expect(first.poll).toMatchObject({ next: 'WAIT', delaySeconds: 5, notFound: 1 });
    const fourth = await handler(event({ polls: 3, notFound: 3, delaySeconds: 5, next: 'WAIT' }));
    expect(fourth.poll).toMatchObject({ next: 'NOT_FOUND', notFound: 4 });
  });

  it('reports NOT_FOUND at once in attach mode (no submit time)', async () => {
    batch.on(DescribeJobsCommand).resolves({ jobs: [] });
    const result = await handler(event(undefined, { jobId: 'unknown' }));
    expect(result.poll.next).toBe('NOT_FOUND');
  });

  it('reports DEADLINE once the deadline passed and the job is not finished', async () => {
    now = start + 3_600_000;
    batch.on(DescribeJobsCommand).resolves({ jobs: [{ jobId: 'j-1', status: 'RUNNABLE' } as never] });
    expect((await handler(event())).poll.next).toBe('DEADLINE');
  });

  it('lets a finished job win over a passed deadline', async () => {
    now = start + 4_000_000;
    batch.on(DescribeJobsCommand).resolves({
      jobs: [{ jobId: 'j-1', status: 'SUCCEEDED', attempts: [{ container: { exitCode: 0 } }] } as never],
    });
    const result = await handler(event());
    expect(result.poll.next).toBe('SUCCEEDED');
    expect(result.output).toEqual({ jobId: 'j-1', status: 'SUCCEEDED', exitCode: 0, attempts: 1, polls: 1 });
  });

  it('throws throttling under its own name for the state to retry', async () => {
    batch.on(DescribeJobsCommand).rejects(throttlingError());
    await expect(handler(event())).rejects.toMatchObject({ name: 'TooManyRequestsException' });
  });
});
