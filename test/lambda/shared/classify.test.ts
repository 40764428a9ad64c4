import { describe, expect, it } from 'vitest';
import {
  buildFailureCause,
  classifyFailure,
  ERROR_NAMES,
  isBatchWrittenReason,
} from '../../../lambda/shared/classify';
import type { JobFacts } from '../../../lambda/shared/job-status';

const failed = (
  statusReason: string | undefined,
  container: { exitCode?: number; reason?: string } = {},
  attemptReason?: string,
): JobFacts => ({
  jobId: 'job-1',
  jobName: 'nightly',
  status: 'FAILED',
  statusReason,
  attempts: [{ statusReason: attemptReason, container: { ...container, logStreamName: 'def/default/abc' } }],
});

describe('classifyFailure', () => {
  it.each([
    ['Host EC2 (instance i-0abc) terminated.', {}, undefined, 'Batch.SpotInterrupted', true],
    ['Your Spot Task was interrupted.', {}, undefined, 'Batch.SpotInterrupted', true],
    [
      'Essential container in task exited',
      { exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' },
      undefined,
      'Batch.OutOfMemory',
      false,
    ],
    [
      'Essential container in task exited',
      { reason: 'OutOfMemoryError: Container killed' },
      undefined,
      'Batch.OutOfMemory',
      false,
    ],
    [
      'Task failed to start',
      { reason: 'CannotPullContainerError: pull access denied' },
      undefined,
      'Batch.ImagePullFailed',
      false,
    ],
    ['CannotPullContainerError: ref not found', {}, undefined, 'Batch.ImagePullFailed', false],
    [
      'Task failed to start',
      { reason: 'ResourceInitializationError: unable to pull secrets' },
      undefined,
      'Batch.InfrastructureError',
      true,
    ],
    [
      'Task failed to start',
      { reason: 'CannotStartContainerError: Error response from daemon' },
      undefined,
      'Batch.InfrastructureError',
      true,
    ],
    ['Job attempt duration exceeded timeout', {}, undefined, 'Batch.AttemptTimedOut', false],
    ['Dependent Job failed', {}, undefined, 'Batch.DependencyFailed', false],
    ['cancelled by alice: wrong input', {}, undefined, 'Batch.Cancelled', false],
    ['Essential container in task exited', { exitCode: 1 }, undefined, 'Batch.JobFailed', false],
    [undefined, { exitCode: 2 }, undefined, 'Batch.JobFailed', false],
    [
      'batch-orchestrator: deadline exceeded for execution arn:x',
      {},
      undefined,
      'Batch.DeadlineExceeded',
      false,
    ],
    [
      'Essential container in task exited',
      { exitCode: 1 },
      'Host EC2 (instance i-1) terminated.',
      'Batch.SpotInterrupted',
      true,
    ],
  ] as const)(
    'classifies status reason %j with container %j (attempt %j) as %s',
    (statusReason, container, attemptReason, error, retryable) => {
      const result = classifyFailure(failed(statusReason, container, attemptReason));
      expect(result.error).toBe(error);
      expect(result.retryable).toBe(retryable);
      expect(result.classification).toBe(error.replace('Batch.', ''));
    },
  );

  it('classifies exit 137 with an OutOfMemoryError reason as Batch.OutOfMemory, not JobFailed', () => {
    expect(
      classifyFailure(
        failed('Essential container in task exited', { exitCode: 137, reason: 'OutOfMemoryError' }),
      ).error,
    ).toBe('Batch.OutOfMemory');
  });

  it('reports the most specific reason: container reason first', () => {
    const result = classifyFailure(failed('Task failed to start', { reason: 'CannotPullContainerError: x' }));
    expect(result.reason).toBe('CannotPullContainerError: x');
  });

  it('falls back to detail.container when there are no attempts', () => {
    const job: JobFacts = {
      status: 'FAILED',
      statusReason: 'Essential container in task exited',
      container: { exitCode: 137, reason: 'OutOfMemoryError: killed' },
    };
    expect(classifyFailure(job).error).toBe('Batch.OutOfMemory');
  });
});

describe('isBatchWrittenReason', () => {
  it.each([
    ['Essential container in task exited', true],
    ['Dependent Job failed', true],
    ['Host EC2 (instance i-0) terminated.', true],
    ['stopped by the on-call engineer', false],
  ])('%j -> %s', (reason, expected) => {
    expect(isBatchWrittenReason(reason)).toBe(expected);
  });
});

describe('buildFailureCause', () => {
  it('builds the contract Cause and omits fields that do not apply', () => {
    const job = failed('Essential container in task exited', { exitCode: 1 });
    expect(buildFailureCause(job, classifyFailure(job))).toEqual({
      jobId: 'job-1',
      jobName: 'nightly',
      status: 'FAILED',
      exitCode: 1,
      statusReason: 'Essential container in task exited',
      reason: 'Essential container in task exited',
      logStreamName: 'def/default/abc',
      classification: 'JobFailed',
      retryable: false,
      attempts: 1,
    });
  });

  it('omits exit code and log stream for an array parent', () => {
    const job: JobFacts = {
      ...failed('Array Child Job failed', { exitCode: 1 }),
      arrayProperties: { size: 100 },
    };
    const cause = buildFailureCause(job, classifyFailure(job));
    expect(cause).not.toHaveProperty('exitCode');
    expect(cause).not.toHaveProperty('logStreamName');
  });
});

it('lists every SPEC error name', () => {
  expect(ERROR_NAMES).toEqual([
    'InvalidJobRequest',
    'Batch.ClientError',
    'Batch.JobNotFound',
    'Batch.JobFailed',
    'Batch.OutOfMemory',
    'Batch.SpotInterrupted',
    'Batch.ImagePullFailed',
    'Batch.InfrastructureError',
    'Batch.AttemptTimedOut',
    'Batch.DependencyFailed',
    'Batch.Cancelled',
    'Batch.DeadlineExceeded',
  ]);
});
