/**
 * The job runner's synthesized ASL, executed by aws-local-stepfunctions
 * against the real handlers, with Batch played by the simulator.
 */
import { BatchClient } from '@aws-sdk/client-batch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { synthesizeJobRunnerAsl } from '../../bench/job-runner-asl';
import { EXECUTION_TAG_KEY } from '../../lambda/shared/job-request';
import {
  BatchSimulator,
  clientError,
  failingTimeline,
  serverError,
  succeedingTimeline,
  throttlingError,
} from '../support/batch-simulator';
import {
  LambdaFunctionError,
  lambdaServiceError,
  type RunResult,
  runJobRunner,
} from '../support/job-runner-harness';

vi.hoisted(() => {
  process.env.DEFAULT_JOB_QUEUE = 'default';
});

const batchMock = mockClient(BatchClient);
let definition: Record<string, unknown>;
let sim: BatchSimulator;

beforeAll(() => {
  definition = synthesizeJobRunnerAsl();
});

beforeEach(() => {
  batchMock.reset();
  sim = new BatchSimulator({ queues: ['default', 'spot'], jobDefinitions: ['dev-poller', 'dev-processor'] });
  sim.install(batchMock);
});

const request = { jobName: 'nightly-report', jobDefinition: 'dev-poller' };
const run = (input: unknown, extra: Partial<Parameters<typeof runJobRunner>[1]> = {}) =>
  runJobRunner(input, { sim, definition, ...extra });

/** Asserts the contract's failure shape: Error name, Cause JSON without any Lambda wrapper leak. */
function expectFailure(result: RunResult, error: string): Record<string, unknown> {
  expect(result.status).toBe('FAILED');
  expect(result.error).toBe(error);
  const cause = JSON.parse(result.cause ?? 'null') as Record<string, unknown>;
  expect(cause).toBeTypeOf('object');
  for (const leak of ['errorType', 'errorMessage', 'trace', 'stack']) expect(cause).not.toHaveProperty(leak);
  expect(result.cause).not.toMatch(/\/work\/|\.ts:\d|node_modules|\n\s+at /);
  return cause;
}

describe('success', () => {
  it('succeeds after several polls with exactly the SPEC output', async () => {
    sim.scriptNextJob({ timeline: succeedingTimeline(10 * 60 * 1000) });
    const result = await run({ ...request, pollIntervalSeconds: 10, maxPollIntervalSeconds: 60 });
    expect(result.status).toBe('SUCCEEDED');
    const job = sim.submittedJobs()[0]!;
    expect(result.output).toEqual({
      jobId: job.jobId,
      jobArn: job.jobArn,
      jobName: 'nightly-report',
      jobQueue: 'arn:aws:batch:eu-west-1:123456789012:job-queue/default',
      status: 'SUCCEEDED',
      exitCode: 0,
      statusReason: 'Essential container in task exited',
      logStreamName: `dev-poller/default/${job.jobId.replace(/-/g, '')}`,
      createdAt: job.createdAt,
      startedAt: job.createdAt + 60_000,
      stoppedAt: job.createdAt + 60_000 + 600_000,
      attempts: 1,
      polls: sim.calls.DescribeJobs,
    });
    expect((result.output as { polls: number }).polls).toBeGreaterThan(3);
    expect(sim.calls.SubmitJob).toBe(1);
    expect(job.tags[EXECUTION_TAG_KEY]).toBe(result.executionArn);
  });

  it('accepts a console-style input with only jobName and jobDefinition', async () => {
    const result = await run({ jobName: 'adhoc', jobDefinition: 'dev-processor' });
    expect(result.status).toBe('SUCCEEDED');
    expect(sim.submittedJobs()[0]?.request).toMatchObject({
      jobName: 'adhoc',
      jobDefinition: 'dev-processor',
      jobQueue: 'default',
    });
  });

  it('passes every SubmitJob field through and adds the execution tag', async () => {
    const full = {
      jobName: 'full',
      jobDefinition: 'dev-processor:3',
      jobQueue: 'spot',
      parameters: { day: '2026-01-01' },
      containerOverrides: {
        command: ['run', 'Ref::day'],
        environment: [{ name: 'MODE', value: 'fast' }],
        resourceRequirements: [{ type: 'VCPU', value: '2' }],
        instanceType: 'm7g.large',
      },
      dependsOn: [{ jobId: 'abc', type: 'SEQUENTIAL' }],
      retryStrategy: { attempts: 3, evaluateOnExit: [{ onStatusReason: 'Host EC2*', action: 'RETRY' }] },
      timeout: { attemptDurationSeconds: 600 },
      tags: { team: 'data' },
      propagateTags: true,
      shareIdentifier: 'blue',
      schedulingPriorityOverride: 5,
    };
    const result = await run(full);
    expect(result.status).toBe('SUCCEEDED');
    const { tags, ...rest } = full;
    expect(sim.submittedJobs()[0]?.request).toEqual({
      ...rest,
      tags: { ...tags, [EXECUTION_TAG_KEY]: result.executionArn },
    });
  });

  it('reports an array parent with its status summary and no exit code or log stream', async () => {
    const summary = {
      SUBMITTED: 0,
      PENDING: 0,
      RUNNABLE: 0,
      STARTING: 0,
      RUNNING: 0,
      SUCCEEDED: 10_000,
      FAILED: 0,
    };
    sim.scriptNextJob({
      timeline: [
        { afterMs: 0, status: 'PENDING', statusSummary: { ...summary, SUCCEEDED: 0, PENDING: 10_000 } },
        {
          afterMs: 60_000,
          status: 'RUNNING',
          statusSummary: { ...summary, SUCCEEDED: 5_000, RUNNING: 5_000 },
        },
        {
          afterMs: 900_000,
          status: 'SUCCEEDED',
          statusReason: 'Array job succeeded',
          statusSummary: summary,
        },
      ],
    });
    const result = await run({ ...request, arrayProperties: { size: 10_000 } });
    expect(result.status).toBe('SUCCEEDED');
    const output = result.output as Record<string, unknown>;
    expect(output.arrayStatusSummary).toEqual(summary);
    expect(output).not.toHaveProperty('exitCode');
    expect(output).not.toHaveProperty('logStreamName');
    // One DescribeJobs per check whatever the size, and a small state.
    expect(sim.calls.DescribeJobs).toBe(output.polls);
    expect(result.maxStateBytes).toBeLessThan(8 * 1024);
  });
});

describe('classified failures', () => {
  const cases: [string, Parameters<typeof failingTimeline>[0], Record<string, unknown>][] = [
    [
      'Batch.JobFailed',
      { statusReason: 'Essential container in task exited', exitCode: 1 },
      { exitCode: 1, retryable: false, classification: 'JobFailed' },
    ],
    [
      'Batch.OutOfMemory',
      {
        statusReason: 'Essential container in task exited',
        exitCode: 137,
        containerReason: 'OutOfMemoryError: Container killed due to memory usage',
      },
      {
        exitCode: 137,
        reason: 'OutOfMemoryError: Container killed due to memory usage',
        classification: 'OutOfMemory',
      },
    ],
    [
      'Batch.SpotInterrupted',
      { statusReason: 'Host EC2 (instance i-0abc) terminated.' },
      { retryable: true, classification: 'SpotInterrupted' },
    ],
    [
      'Batch.ImagePullFailed',
      {
        statusReason: 'Task failed to start',
        containerReason: 'CannotPullContainerError: pull image manifest has been retried 5 time(s)',
      },
      { classification: 'ImagePullFailed', retryable: false },
    ],
    [
      'Batch.InfrastructureError',
      {
        statusReason: 'Task failed to start',
        containerReason: 'ResourceInitializationError: unable to pull secrets',
      },
      { classification: 'InfrastructureError', retryable: true },
    ],
    [
      'Batch.AttemptTimedOut',
      { statusReason: 'Job attempt duration exceeded timeout' },
      { classification: 'AttemptTimedOut', statusReason: 'Job attempt duration exceeded timeout' },
    ],
    [
      'Batch.DependencyFailed',
      { statusReason: 'Dependent Job failed' },
      { classification: 'DependencyFailed', statusReason: 'Dependent Job failed' },
    ],
    [
      'Batch.Cancelled',
      { statusReason: 'cancelled by alice: wrong input' },
      { classification: 'Cancelled', statusReason: 'cancelled by alice: wrong input' },
    ],
  ];

  it.each(cases)('fails %s with the contract Cause', async (error, failure, expected) => {
    sim.scriptNextJob({ timeline: failingTimeline(failure) });
    const result = await run(request);
    const cause = expectFailure(result, error);
    const job = sim.submittedJobs()[0]!;
    expect(cause).toMatchObject({
      jobId: job.jobId,
      jobName: 'nightly-report',
      status: 'FAILED',
      attempts: 1,
      ...expected,
    });
    expect(sim.calls.SubmitJob).toBe(1);
  });

  it('fails Batch.ClientError when Batch rejects the request, without retrying', async () => {
    const result = await run({ ...request, jobDefinition: 'unknown-definition' });
    const cause = expectFailure(result, 'Batch.ClientError');
    expect(cause).toEqual({
      jobName: 'nightly-report',
      reason: 'Batch rejected the request: Job definition unknown-definition not found.',
      classification: 'ClientError',
      retryable: false,
    });
    expect(sim.calls.SubmitJob).toBe(1);
    expect(result.invocations.Submit).toBe(1);
  });
});

describe('deadline', () => {
  it('terminates the job once and fails Batch.DeadlineExceeded', async () => {
    sim.scriptNextJob({ timeline: succeedingTimeline(3 * 60 * 60 * 1000) });
    const result = await run({ ...request, deadlineSeconds: 600 });
    const cause = expectFailure(result, 'Batch.DeadlineExceeded');
    expect(sim.calls.TerminateJob).toBe(1);
    const job = sim.submittedJobs()[0]!;
    expect(job.terminated?.reason).toBe(
      `batch-orchestrator: deadline exceeded for execution ${result.executionArn}`,
    );
    expect(cause).toMatchObject({
      jobId: job.jobId,
      status: 'RUNNING',
      classification: 'DeadlineExceeded',
      retryable: false,
    });
    expect(cause.reason).toMatch(/deadlineSeconds \(600\) passed.*terminated/);
    // Noticed on time: the waits never overshoot the deadline.
    expect(result.elapsedMs).toBe(600_000);
  });
});

describe('attach mode', () => {
  it('waits for an existing job and succeeds without submitting', async () => {
    const jobId = sim.addJob({
      jobName: 'external',
      script: { timeline: succeedingTimeline(5 * 60 * 1000) },
    });
    const result = await run({ jobId, pollIntervalSeconds: 15 });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ jobId, status: 'SUCCEEDED', exitCode: 0 });
    expect(sim.calls.SubmitJob).toBe(0);
    expect(sim.calls.ListJobs).toBe(0);
  });

  it('fails Batch.JobNotFound for an unknown id at the first check', async () => {
    const result = await run({ jobId: 'does-not-exist' });
    const cause = expectFailure(result, 'Batch.JobNotFound');
    expect(cause).toMatchObject({ jobId: 'does-not-exist', classification: 'JobNotFound', retryable: false });
    expect(sim.calls.DescribeJobs).toBe(1);
  });

  it('fails Batch.DeadlineExceeded at the deadline but leaves the job running', async () => {
    const jobId = sim.addJob({
      jobName: 'external',
      script: { timeline: succeedingTimeline(5 * 60 * 60 * 1000) },
    });
    const result = await run({ jobId, deadlineSeconds: 900 });
    const cause = expectFailure(result, 'Batch.DeadlineExceeded');
    expect(sim.calls.TerminateJob).toBe(0);
    expect(sim.jobs.get(jobId)?.terminated).toBeUndefined();
    expect(cause.reason).toMatch(/left running \(attach mode/);
  });
});

describe('invalid input', () => {
  it('fails InvalidJobRequest naming every bad field, with zero Batch calls', async () => {
    const result = await run({ jobName: '-bad', pollIntervalSeconds: '30', surprise: 1 });
    const cause = expectFailure(result, 'InvalidJobRequest');
    const paths = (cause.fields as { path: string }[]).map((f) => f.path).sort();
    expect(paths).toEqual(['jobDefinition', 'jobName', 'pollIntervalSeconds', 'surprise']);
    expect(cause.reason).toMatch(/Invalid job request/);
    expect(sim.log).toEqual([]);
  });

  it('fails InvalidJobRequest for a non-object input', async () => {
    const result = await run(['not', 'an', 'object']);
    expectFailure(result, 'InvalidJobRequest');
    expect(sim.log).toEqual([]);
  });
});

describe('retries', () => {
  it('retries throttling on SubmitJob and DescribeJobs and still submits one job', async () => {
    sim.failNext('SubmitJob', throttlingError, 2);
    sim.failNext('DescribeJobs', throttlingError, 2);
    sim.scriptNextJob({ timeline: succeedingTimeline(5 * 60 * 1000) });
    const result = await run(request);
    expect(result.status).toBe('SUCCEEDED');
    expect(sim.submittedJobs()).toHaveLength(1);
    expect(result.events.filter((e) => e.type === 'StateRetried').length).toBeGreaterThanOrEqual(3);
  });

  it('retries Batch 5xx on DescribeJobs', async () => {
    sim.scriptNextJob({ timeline: succeedingTimeline(60_000) });
    sim.failNext('DescribeJobs', serverError, 1);
    const result = await run(request);
    expect(result.status).toBe('SUCCEEDED');
  });

  it('fails Batch.InfrastructureError (retryable) when throttling outlasts the retries', async () => {
    sim.failNext('ListJobs', throttlingError, 50);
    const result = await run(request);
    const cause = expectFailure(result, 'Batch.InfrastructureError');
    expect(cause).toMatchObject({ classification: 'InfrastructureError', retryable: true });
    expect(cause.reason).toMatch(/TooManyRequestsException/);
    expect(sim.calls.SubmitJob).toBe(0);
    expect(result.invocations.Submit).toBe(7);
  });

  it('submits exactly one job when the Lambda is retried after SubmitJob succeeded', async () => {
    const result = await run(request, {
      fault: ({ state, attempt }) => (state === 'Submit' && attempt === 1 ? lambdaServiceError() : undefined),
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.invocations.Submit).toBe(2);
    expect(sim.calls.SubmitJob).toBe(1);
    expect(sim.submittedJobs()).toHaveLength(1);
  });

  it('submits exactly one job when a crash hides SubmitJob success until the job is visible', async () => {
    sim.scriptNextJob({ timeline: succeedingTimeline(60_000) });
    const result = await run(request, {
      fault: ({ state, attempt }) => {
        if (state === 'Submit' && attempt <= 2) return lambdaServiceError();
        return undefined;
      },
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.invocations.Submit).toBe(3);
    expect(sim.calls.SubmitJob).toBe(1);
  });

  it.each(['Runtime.ExitError', 'Sandbox.Timedout', 'Lambda.Unknown'])(
    'submits exactly one job and still succeeds when Submit ends in %s after SubmitJob succeeded',
    async (name) => {
      // Given a Submit whose SubmitJob succeeded but whose function then crashed or timed out
      sim.scriptNextJob({ timeline: succeedingTimeline(60_000) });
      const result = await run(request, {
        fault: ({ state, attempt }) =>
          state === 'Submit' && attempt === 1
            ? new LambdaFunctionError(name, 'RequestId: 1 Error: Runtime exited with error: signal: killed')
            : undefined,
      });
      // Then the retried Submit finds the job by its tag instead of submitting a second one
      expect(result.status).toBe('SUCCEEDED');
      expect(result.invocations.Submit).toBe(2);
      expect(sim.calls.SubmitJob).toBe(1);
    },
  );

  it('retries a status check whose function crashed', async () => {
    sim.scriptNextJob({ timeline: succeedingTimeline(60_000) });
    const result = await run(request, {
      fault: ({ state, attempt }) =>
        state === 'Describe' && attempt === 1
          ? new LambdaFunctionError(
              'Sandbox.Timedout',
              'RequestId: 1 Error: Task timed out after 60.00 seconds',
            )
          : undefined,
    });
    expect(result.status).toBe('SUCCEEDED');
  });

  it('maps a Lambda fault with the raw wrapper Cause into a clean contract Cause', async () => {
    const result = await run(request, {
      fault: ({ state }) => {
        if (state !== 'Describe') return undefined;
        const error = new Error(
          JSON.stringify({
            errorType: 'TypeError',
            errorMessage: "Cannot read properties of undefined (reading 'x') at /var/task/index.js:1:2",
            trace: ['TypeError: boom', '    at handler (/var/task/index.js:1:2)'],
          }),
        );
        error.name = 'TypeError';
        return error;
      },
    });
    const cause = expectFailure(result, 'Batch.InfrastructureError');
    expect(cause.reason).toMatch(/TypeError/);
    expect(result.cause).not.toContain('/var/task');
  });

  it('passes a Batch ClientException thrown by a handler as Batch.ClientError', async () => {
    sim.failNext('DescribeJobs', clientError('Job queue is disabled'), 1);
    const result = await run(request);
    const cause = expectFailure(result, 'Batch.ClientError');
    expect(cause).toMatchObject({ classification: 'ClientError', retryable: false });
    expect(cause.reason).toContain('Job queue is disabled');
  });
});

describe('visibility', () => {
  it('tolerates a just-submitted job that is briefly invisible', async () => {
    sim.scriptNextJob({ timeline: succeedingTimeline(60_000), invisibleForMs: 40_000 });
    const result = await run(request);
    expect(result.status).toBe('SUCCEEDED');
  });

  it('fails Batch.JobNotFound for a job that vanishes', async () => {
    sim.scriptNextJob({ timeline: succeedingTimeline(60 * 60 * 1000), vanishAfterMs: 10 * 60 * 1000 });
    const result = await run(request);
    const cause = expectFailure(result, 'Batch.JobNotFound');
    expect(cause).toMatchObject({ jobId: sim.submittedJobs()[0]?.jobId, classification: 'JobNotFound' });
  });
});

describe('cost of a 1-hour job at default settings', () => {
  it('counts polls and state transitions', async () => {
    sim.scriptNextJob({ timeline: succeedingTimeline(60 * 60 * 1000) });
    const result = await run(request);
    expect(result.status).toBe('SUCCEEDED');
    const polls = (result.output as { polls: number }).polls;
    console.log(
      `1-hour job (1 min queue + 60 min run), defaults 30 s -> 300 s: polls=${polls} DescribeJobs=${sim.calls.DescribeJobs} ` +
        `transitions=${result.transitions} detectedAfter=${(result.elapsedMs - 3_660_000) / 1000}s maxState=${result.maxStateBytes}B`,
    );
    expect(sim.calls.DescribeJobs).toBe(polls);
    expect(polls).toBeLessThan(25);
    expect(result.transitions).toBeLessThan(80);
  });
});
