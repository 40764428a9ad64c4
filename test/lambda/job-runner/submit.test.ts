import { BatchClient, DescribeJobsCommand, ListJobsCommand, SubmitJobCommand } from '@aws-sdk/client-batch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../../../lambda/job-runner/submit/index';
import { EXECUTION_TAG_KEY } from '../../../lambda/shared/job-request';
import { clientError, serverError, throttlingError } from '../../support/batch-simulator';

vi.hoisted(() => {
  process.env.DEFAULT_JOB_QUEUE = 'arn:aws:batch:eu-west-1:123456789012:job-queue/dev-default';
});

const batch = mockClient(BatchClient);
const executionArn = 'arn:aws:states:eu-west-1:123456789012:execution:runner:exec-1';
const start = Date.parse('2026-01-01T00:00:00Z');
const event = (submit: Record<string, unknown> = { jobName: 'nightly', jobDefinition: 'dev-poller' }) => ({
  run: { mode: 'submit', executionArn, executionStartMs: start, submit },
});

beforeEach(() => {
  batch.reset();
  batch.on(ListJobsCommand).resolves({ jobSummaryList: [] });
});

describe('submit handler', () => {
  it('submits to the default queue with the execution tag when no job exists', async () => {
    batch.on(SubmitJobCommand).resolves({ jobId: 'j-1', jobArn: 'arn:job/j-1', jobName: 'nightly' });
    const result = await handler(
      event({ jobName: 'nightly', jobDefinition: 'dev-poller', tags: { team: 'data' } }),
    );
    expect(result).toMatchObject({
      ok: true,
      jobId: 'j-1',
      existing: false,
      jobQueue: process.env.DEFAULT_JOB_QUEUE,
    });
    expect(batch).toHaveReceivedCommandWith(SubmitJobCommand, {
      jobName: 'nightly',
      jobDefinition: 'dev-poller',
      jobQueue: process.env.DEFAULT_JOB_QUEUE,
      tags: { team: 'data', [EXECUTION_TAG_KEY]: executionArn },
    });
    expect(batch).toHaveReceivedCommandWith(ListJobsCommand, {
      filters: [{ name: 'JOB_NAME', values: ['nightly'] }],
    });
  });

  it('returns the job an earlier attempt submitted instead of submitting again', async () => {
    batch.on(ListJobsCommand).resolves({
      jobSummaryList: [
        { jobId: 'other', jobName: 'nightly', createdAt: start + 1000 },
        { jobId: 'mine', jobName: 'nightly', createdAt: start + 500 },
      ],
    });
    batch.on(DescribeJobsCommand).resolves({
      jobs: [
        { jobId: 'other', jobName: 'nightly', tags: { [EXECUTION_TAG_KEY]: 'arn:other' } } as never,
        {
          jobId: 'mine',
          jobArn: 'arn:job/mine',
          jobName: 'nightly',
          createdAt: start + 500,
          tags: { [EXECUTION_TAG_KEY]: executionArn },
        } as never,
      ],
    });
    const result = await handler(event());
    expect(result).toEqual({
      ok: true,
      jobId: 'mine',
      jobArn: 'arn:job/mine',
      jobName: 'nightly',
      jobQueue: process.env.DEFAULT_JOB_QUEUE,
      submittedAtMs: start + 500,
      existing: true,
    });
    expect(batch).not.toHaveReceivedCommand(SubmitJobCommand);
  });

  it('stops paging once jobs are older than the execution', async () => {
    batch.on(ListJobsCommand).resolvesOnce({
      jobSummaryList: [{ jobId: 'old', jobName: 'nightly', createdAt: start - 3_600_000 }],
      nextToken: 'more',
    });
    batch.on(SubmitJobCommand).resolves({ jobId: 'j-2', jobName: 'nightly' });
    await handler(event());
    expect(batch).toHaveReceivedCommandTimes(ListJobsCommand, 1);
    expect(batch).not.toHaveReceivedCommand(DescribeJobsCommand);
  });

  it('throws Batch.ClientError with the contract Cause as message when Batch rejects the request', async () => {
    batch.on(SubmitJobCommand).rejects(clientError('Job definition dev-poller not found.'));
    await expect(handler(event())).rejects.toMatchObject({
      name: 'Batch.ClientError',
      message: JSON.stringify({
        jobName: 'nightly',
        reason: 'Batch rejected the request: Job definition dev-poller not found.',
        classification: 'ClientError',
        retryable: false,
      }),
    });
  });

  it.each([
    ['throttling', throttlingError, 'TooManyRequestsException'],
    ['a 5xx', serverError, 'ServerException'],
  ])('throws on %s with the name the state retries', async (_name, make, name) => {
    batch.on(SubmitJobCommand).rejects(make());
    await expect(handler(event())).rejects.toMatchObject({ name });
  });

  it('renames a network failure to BatchUnavailable', async () => {
    const error = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    batch.on(ListJobsCommand).rejects(error);
    await expect(handler(event())).rejects.toMatchObject({ name: 'BatchUnavailable' });
  });

  it('re-validates the submit fields and never sends invalid ones', async () => {
    await expect(
      handler(event({ jobName: 'nightly', jobDefinition: 'dev-poller', bogus: 1 })),
    ).rejects.toMatchObject({ name: 'InvalidJobRequest', message: expect.stringContaining('"fields"') });
    expect(batch.calls()).toHaveLength(0);
  });
});
