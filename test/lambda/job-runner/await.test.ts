import { BatchClient, DescribeJobsCommand } from '@aws-sdk/client-batch';
import { SendTaskSuccessCommand, SFNClient, TaskTimedOut } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../../../lambda/job-runner/await/index';
import { setClock } from '../../../lambda/job-runner/shared/clock';
import { throttlingError } from '../../support/batch-simulator';

vi.hoisted(() => {
  process.env.WAIT_TABLE_NAME = 'waits';
});

const batch = mockClient(BatchClient);
const dynamodb = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
const start = Date.parse('2026-01-01T00:00:00Z');
const executionArn = 'arn:aws:states:eu-west-1:123456789012:execution:runner:exec-1';
const run = {
  mode: 'submit',
  executionArn,
  pollIntervalSeconds: 30,
  maxPollIntervalSeconds: 300,
  deadlineSeconds: 86_400,
  deadlineAtMs: start + 86_400_000,
};
const job = { jobId: 'j-1', jobName: 'nightly', submittedAtMs: start };
const event = {
  taskToken: 'token-1',
  run: { ...run, submit: { jobName: 'nightly' } },
  job,
  poll: { polls: 0, notFound: 0, delaySeconds: 3600, next: 'WAIT' },
};
const running = { jobId: 'j-1', jobName: 'nightly', status: 'RUNNING', createdAt: start, startedAt: start };
const succeeded = {
  ...running,
  status: 'SUCCEEDED',
  stoppedAt: start + 60_000,
  attempts: [{ container: { exitCode: 0, logStreamName: 'd/default/x' } }],
};
let restore: () => void;

/** The item UpdateItem returns: this execution's registration plus `extra`. */
const item = (checks: number, extra: Record<string, unknown> = {}) => ({
  Attributes: {
    jobId: 'j-1',
    [`waiter:${executionArn}`]: { taskToken: 'token-1', run, job },
    [`checks:${executionArn}`]: checks,
    ...extra,
  },
});

beforeEach(() => {
  batch.reset();
  dynamodb.reset();
  sfn.reset();
  sfn.on(SendTaskSuccessCommand).resolves({});
  restore = setClock(() => start + 120_000);
});
afterEach(() => restore());

describe('await handler', () => {
  it('registers its token and check atomically, then waits while the job runs', async () => {
    dynamodb.on(UpdateCommand).resolves(item(1));
    batch.on(DescribeJobsCommand).resolves({ jobs: [running as never] });
    const outcome = await handler(event);
    expect(outcome).toEqual({ action: 'waiting', checks: 1, status: 'RUNNING' });
    expect(dynamodb).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'waits',
      Key: { jobId: 'j-1' },
      UpdateExpression: 'SET #waiter = :waiter, #ttl = :ttl ADD #checks :one',
      ExpressionAttributeNames: {
        '#waiter': `waiter:${executionArn}`,
        '#checks': `checks:${executionArn}`,
        '#ttl': 'expiresAt',
      },
      ReturnValues: 'ALL_NEW',
    });
    // Only the timing fields are stored, never the submit request.
    const stored = dynamodb.commandCalls(UpdateCommand)[0]!.args[0].input.ExpressionAttributeValues!;
    expect(stored[':waiter']).toEqual({ taskToken: 'token-1', run, job });
    expect(stored[':ttl']).toBe(Math.floor((start + 120_000) / 1000) + 2 * 24 * 3600);
    expect(batch).toHaveReceivedCommandTimes(DescribeJobsCommand, 1);
    expect(sfn).not.toHaveReceivedCommand(SendTaskSuccessCommand);
  });

  it('completes from an event recorded before it registered, without DescribeJobs', async () => {
    dynamodb
      .on(UpdateCommand)
      .resolves(item(1, { event: { jobId: 'j-1', status: 'SUCCEEDED', exitCode: 0, attempts: 1 } }));
    const outcome = await handler(event);
    expect(outcome).toMatchObject({ action: 'completed', source: 'event' });
    expect(batch).not.toHaveReceivedCommand(DescribeJobsCommand);
    const sent = sfn.commandCalls(SendTaskSuccessCommand)[0]!.args[0].input;
    expect(sent.taskToken).toBe('token-1');
    expect(JSON.parse(sent.output!)).toMatchObject({
      // polls counts DescribeJobs status checks: this registration made none.
      poll: { next: 'SUCCEEDED', polls: 0 },
      output: { jobId: 'j-1', status: 'SUCCEEDED', exitCode: 0, polls: 0 },
    });
  });

  it('completes with the Describe-shaped result when the job already finished (a lost event)', async () => {
    dynamodb.on(UpdateCommand).resolves(item(3));
    batch.on(DescribeJobsCommand).resolves({ jobs: [succeeded as never] });
    const outcome = await handler(event);
    expect(outcome).toMatchObject({ action: 'completed', source: 'describe' });
    const output = JSON.parse(sfn.commandCalls(SendTaskSuccessCommand)[0]!.args[0].input.output!);
    expect(output.poll).toEqual({
      polls: 3,
      lastStatus: 'SUCCEEDED',
      notFound: 0,
      delaySeconds: 0,
      next: 'SUCCEEDED',
    });
    expect(output.output).toMatchObject({ status: 'SUCCEEDED', logStreamName: 'd/default/x', polls: 3 });
  });

  it('completes with DEADLINE once the deadline passed', async () => {
    restore();
    restore = setClock(() => start + 86_400_000 + 5_000);
    dynamodb.on(UpdateCommand).resolves(item(25));
    batch.on(DescribeJobsCommand).resolves({ jobs: [running as never] });
    const outcome = await handler(event);
    expect(outcome).toMatchObject({ action: 'completed', result: { poll: { next: 'DEADLINE' } } });
  });

  it('ignores a wait that Wake completed first (TaskTimedOut)', async () => {
    dynamodb.on(UpdateCommand).resolves(item(1));
    batch.on(DescribeJobsCommand).resolves({ jobs: [succeeded as never] });
    sfn.on(SendTaskSuccessCommand).rejects(new TaskTimedOut({ message: 'timed out', $metadata: {} }));
    await expect(handler(event)).resolves.toMatchObject({ action: 'completed' });
  });

  it('throws throttling under the name the state retries', async () => {
    dynamodb.on(UpdateCommand).resolves(item(1));
    batch.on(DescribeJobsCommand).rejects(throttlingError());
    await expect(handler(event)).rejects.toMatchObject({ name: 'TooManyRequestsException' });
  });

  it('rejects a payload without a task token', async () => {
    const { taskToken: _omitted, ...rest } = event;
    await expect(handler(rest)).rejects.toMatchObject({ name: 'InvalidHandlerInput' });
    expect(dynamodb.calls()).toHaveLength(0);
  });
});
