/**
 * Events mode (`completion: 'events'`): the synthesized ASL executed by
 * aws-local-stepfunctions against the real handlers, including Await and Wake.
 * aws-local-stepfunctions has no task tokens: the harness plays Step Functions
 * for the WaitForCompletion callback state (see job-runner-harness.ts).
 */
import { BatchClient } from '@aws-sdk/client-batch';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { synthesizeJobRunnerAsl } from '../../bench/job-runner-asl';
import { BatchSimulator, failingTimeline, succeedingTimeline } from '../support/batch-simulator';
import { type EventWakeOptions, EventWakeSimulator } from '../support/event-wake-simulator';
import { type RunResult, runJobRunner } from '../support/job-runner-harness';

const batchMock = mockClient(BatchClient);
const dynamodbMock = mockClient(DynamoDBDocumentClient);
const sfnMock = mockClient(SFNClient);
let definition: Record<string, unknown>;
let sim: BatchSimulator;

beforeAll(() => {
  definition = synthesizeJobRunnerAsl({ completion: 'events' });
});

beforeEach(() => {
  batchMock.reset();
  dynamodbMock.reset();
  sfnMock.reset();
  sim = new BatchSimulator({ queues: ['default', 'spot'], jobDefinitions: ['dev-poller', 'dev-processor'] });
  sim.install(batchMock);
});

const HOUR_MS = 3_600_000;
const request = { jobName: 'nightly-report', jobDefinition: 'dev-poller', deadlineSeconds: 172_800 };

async function run(input: unknown, options: EventWakeOptions = {}) {
  const wake = new EventWakeSimulator(sim, options).install({ dynamodb: dynamodbMock, sfn: sfnMock });
  const result = await runJobRunner(input, { sim, definition, wake });
  return { result, wake };
}

/** Milliseconds from the job's end to the execution's end. */
function detectionMs(_result: RunResult): number {
  const job = sim.submittedJobs()[0] ?? [...sim.jobs.values()][0]!;
  const stoppedAt = sim.detail(job).stoppedAt ?? Number.NaN;
  return sim.nowMs - stoppedAt;
}

describe('events mode: success', () => {
  it('is woken by the terminal event with the SPEC output, in 6 transitions for a 10-minute job', async () => {
    sim.scriptNextJob({ timeline: succeedingTimeline(10 * 60 * 1000) });
    const { result, wake } = await run(request);
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
      stoppedAt: job.createdAt + 660_000,
      attempts: 1,
      // polls counts status checks, each one DescribeJobs call: Await's at registration (the event is not a check).
      polls: 1,
    });
    // Validate, RouteRequest, Submit, WaitForCompletion, RouteOnStatus, Succeeded.
    expect(result.transitions).toBe(6);
    expect(detectionMs(result)).toBe(0);
    expect(sim.calls.DescribeJobs).toBe(1);
    expect(result.wakeInvocations).toBe(1);
    expect(wake.delivered).toBe(1);
  });

  it('meets the events-mode targets: <= 12 transitions for a 1-hour job, <= 30 for a 24-hour job', async () => {
    sim.scriptNextJob({ timeline: succeedingTimeline(HOUR_MS) });
    const hour = (await run(request)).result;
    expect(hour.status).toBe('SUCCEEDED');
    expect(hour.transitions).toBeLessThanOrEqual(12);

    sim.scriptNextJob({ timeline: succeedingTimeline(24 * HOUR_MS) });
    const day = (await run(request)).result;
    expect(day.status).toBe('SUCCEEDED');
    // 24 fallback checks (one per hour) cost one transition each.
    expect(day.transitions).toBe(30);
    expect(day.invocations.WaitForCompletion).toBe(25);
  });

  it('completes at once from an event that arrived before the wait registered', async () => {
    // The job ends the moment it is submitted: its event reaches Wake before Await registers.
    sim.scriptNextJob({
      timeline: [
        { afterMs: 0, status: 'SUCCEEDED', statusReason: 'Essential container in task exited', exitCode: 0 },
      ],
    });
    const { result, wake } = await run(request);
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ status: 'SUCCEEDED', exitCode: 0, polls: 0 });
    // Await found the event in the item: no DescribeJobs at all.
    expect(sim.calls.DescribeJobs).toBe(0);
    expect(result.wakeInvocations).toBe(1);
    expect(wake.completed.size).toBe(1);
  });

  it('falls back to a status check one interval after a lost event', async () => {
    sim.scriptNextJob({ timeline: succeedingTimeline(10 * 60 * 1000) });
    const { result, wake } = await run(request, { loseEvents: 1 });
    expect(result.status).toBe('SUCCEEDED');
    expect(wake.lost).toBe(1);
    // Registered at 0 s, timed out at 3600 s, the fresh registration's DescribeJobs saw SUCCEEDED.
    expect(sim.nowMs - sim.submittedJobs()[0]!.createdAt).toBe(HOUR_MS);
    expect(detectionMs(result)).toBe(HOUR_MS - 660_000);
    expect(result.transitions).toBe(7);
    expect(result.output).toMatchObject({ polls: 2 });
    expect(sim.calls.DescribeJobs).toBe(2);
  });

  it('is woken within the configured delay of the event, whatever the fallback interval', async () => {
    sim.scriptNextJob({ timeline: succeedingTimeline(5 * HOUR_MS) });
    const { result } = await run(request, { eventDelayMs: 2_000 });
    expect(result.status).toBe('SUCCEEDED');
    expect(detectionMs(result)).toBe(2_000);
  });
});

describe('events mode: failures', () => {
  it('classifies a failure reported by the event', async () => {
    sim.scriptNextJob({
      timeline: failingTimeline({
        statusReason: 'Essential container in task exited',
        exitCode: 137,
        containerReason: 'OutOfMemoryError: Container killed due to memory usage',
      }),
    });
    const { result } = await run(request);
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('Batch.OutOfMemory');
    expect(JSON.parse(result.cause ?? '{}')).toMatchObject({
      jobId: sim.submittedJobs()[0]!.jobId,
      exitCode: 137,
      classification: 'OutOfMemory',
      attempts: 1,
    });
    expect(result.wakeInvocations).toBe(1);
  });

  it('terminates the job at the deadline and fails Batch.DeadlineExceeded', async () => {
    sim.scriptNextJob({ timeline: succeedingTimeline(3 * HOUR_MS) });
    const { result } = await run({ ...request, deadlineSeconds: 5_000 });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('Batch.DeadlineExceeded');
    expect(sim.calls.TerminateJob).toBe(1);
    // Two waits of 2500 s end exactly at the deadline.
    expect(result.elapsedMs).toBe(5_000_000);
    expect(result.invocations.WaitForCompletion).toBe(3);
  });

  it('fails Batch.JobNotFound at once in attach mode for an unknown id', async () => {
    const { result } = await run({ jobId: 'does-not-exist' });
    expect(result.error).toBe('Batch.JobNotFound');
    expect(result.elapsedMs).toBe(0);
  });

  it('fails Batch.ClientError when Batch rejects the request, through the Submit Catch', async () => {
    const { result } = await run({ ...request, jobDefinition: 'unknown-definition' });
    expect(result.error).toBe('Batch.ClientError');
    expect(JSON.parse(result.cause ?? '{}')).toEqual({
      jobName: 'nightly-report',
      reason: 'Batch rejected the request: Job definition unknown-definition not found.',
      classification: 'ClientError',
      retryable: false,
    });
    expect(result.invocations.Submit).toBe(1);
  });
});

describe('events mode: attach', () => {
  it('waits for an existing job and is woken by its event', async () => {
    const jobId = sim.addJob({ jobName: 'external', script: { timeline: succeedingTimeline(2 * HOUR_MS) } });
    const { result } = await run({ jobId });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ jobId, status: 'SUCCEEDED' });
    expect(sim.calls.SubmitJob).toBe(0);
    expect(detectionMs(result)).toBe(0);
  });
});
