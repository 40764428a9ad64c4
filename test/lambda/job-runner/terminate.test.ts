import { BatchClient, TerminateJobCommand } from '@aws-sdk/client-batch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { deadlineReason, handler } from '../../../lambda/job-runner/terminate/index';
import { clientError, throttlingError } from '../../support/batch-simulator';

const batch = mockClient(BatchClient);
const executionArn = 'arn:aws:states:eu-west-1:123456789012:execution:runner:exec-1';

beforeEach(() => batch.reset());

describe('terminate handler', () => {
  it('terminates with a reason naming the execution', async () => {
    batch.on(TerminateJobCommand).resolves({});
    await expect(handler({ jobId: 'j-1', executionArn })).resolves.toMatchObject({ terminated: true });
    expect(batch).toHaveReceivedCommandWith(TerminateJobCommand, {
      jobId: 'j-1',
      reason: `batch-orchestrator: deadline exceeded for execution ${executionArn}`,
    });
  });

  it('caps the reason at 1024 characters', () => {
    expect(deadlineReason('x'.repeat(2000))).toHaveLength(1024);
  });

  it('reports a job Batch no longer knows as not terminated', async () => {
    batch.on(TerminateJobCommand).rejects(clientError('Job j-1 not found'));
    await expect(handler({ jobId: 'j-1', executionArn })).resolves.toMatchObject({ terminated: false });
  });

  it('throws throttling for the state to retry', async () => {
    batch.on(TerminateJobCommand).rejects(throttlingError());
    await expect(handler({ jobId: 'j-1', executionArn })).rejects.toMatchObject({
      name: 'TooManyRequestsException',
    });
  });

  it('rejects an event without a job id', async () => {
    await expect(handler({ executionArn })).rejects.toMatchObject({ name: 'InvalidHandlerInput' });
    expect(batch.calls()).toHaveLength(0);
  });
});
