import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { InvalidToken, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setClock } from '../../../lambda/job-runner/shared/clock';
import { handler } from '../../../lambda/job-runner/wake/index';

vi.hoisted(() => {
  process.env.WAIT_TABLE_NAME = 'waits';
});

const dynamodb = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
const oom = JSON.parse(
  readFileSync(path.join(__dirname, '../../events/batch-job-state-change-failed-oom.json'), 'utf8'),
) as { detail: Record<string, unknown> };
const jobId = oom.detail.jobId as string;
const now = (oom.detail.stoppedAt as number) + 1_000;
const run = (executionArn: string) => ({
  mode: 'attach',
  executionArn,
  pollIntervalSeconds: 30,
  maxPollIntervalSeconds: 300,
  deadlineSeconds: 86_400,
  deadlineAtMs: now + 3_600_000,
});
const waiter = (executionArn: string, token: string) => ({
  [`waiter:${executionArn}`]: { taskToken: token, run: run(executionArn), job: { jobId } },
  [`checks:${executionArn}`]: 2,
});
let restore: () => void;

beforeEach(() => {
  dynamodb.reset();
  sfn.reset();
  sfn.on(SendTaskSuccessCommand).resolves({});
  restore = setClock(() => now);
});
afterEach(() => restore());

describe('wake handler', () => {
  it('records the event and wakes every waiting execution with a Describe-shaped result', async () => {
    dynamodb.on(UpdateCommand).resolves({
      Attributes: { jobId, ...waiter('arn:exec-a', 'token-a'), ...waiter('arn:exec-b', 'token-b') },
    });
    const result = await handler(oom);
    expect(result).toEqual({ action: 'recorded', jobId, woken: 2, stale: 0 });
    expect(dynamodb).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'waits',
      Key: { jobId },
      UpdateExpression: 'SET #event = :event, #ttl = :ttl',
      ReturnValues: 'ALL_NEW',
    });
    const event = dynamodb.commandCalls(UpdateCommand)[0]!.args[0].input.ExpressionAttributeValues![':event'];
    expect(event).toMatchObject({ jobId, status: 'FAILED', exitCode: 137, attempts: 1 });
    const outputs = sfn.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input);
    expect(outputs.map((o) => o.taskToken)).toEqual(['token-a', 'token-b']);
    expect(JSON.parse(outputs[0]!.output!)).toMatchObject({
      job: {
        jobId,
        status: 'FAILED',
        exitCode: 137,
        containerReason: expect.stringMatching(/^OutOfMemoryError/),
      },
      // The two status checks Await made; the event itself costs no DescribeJobs and is not one.
      poll: { next: 'FAILED', polls: 2 },
    });
  });

  it('records the event for a wait that registers later when nobody waits yet', async () => {
    dynamodb.on(UpdateCommand).resolves({ Attributes: { jobId } });
    await expect(handler(oom)).resolves.toEqual({ action: 'recorded', jobId, woken: 0, stale: 0 });
    expect(sfn).not.toHaveReceivedCommand(SendTaskSuccessCommand);
  });

  it('ignores a wait that already ended (redelivered event, timed-out token)', async () => {
    dynamodb.on(UpdateCommand).resolves({ Attributes: { jobId, ...waiter('arn:exec-a', 'old') } });
    sfn.on(SendTaskSuccessCommand).rejects(new InvalidToken({ message: 'Invalid Token', $metadata: {} }));
    await expect(handler(oom)).resolves.toEqual({ action: 'recorded', jobId, woken: 0, stale: 1 });
  });

  it.each([
    ['a non-terminal status', { status: 'RUNNING' }, 'status RUNNING'],
    ['an array child', { arrayProperties: { index: 7 } }, 'array child'],
  ])('skips %s without writing', async (_name, change, why) => {
    const result = await handler({ ...oom, detail: { ...oom.detail, ...change } });
    expect(result).toEqual({ action: 'skipped', why });
    expect(dynamodb.calls()).toHaveLength(0);
  });

  it('rejects an event that is not a Batch job state change', async () => {
    await expect(handler({ source: 'aws.states', detail: {} })).rejects.toMatchObject({
      name: 'InvalidHandlerInput',
    });
  });
});
