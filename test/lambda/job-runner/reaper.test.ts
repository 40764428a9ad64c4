import { BatchClient, TerminateJobCommand } from '@aws-sdk/client-batch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { handler, reap } from '../../../lambda/job-runner/reaper/index';
import { EXECUTION_TAG_KEY } from '../../../lambda/shared/job-request';
import { BatchSimulator, succeedingTimeline } from '../../support/batch-simulator';

vi.hoisted(() => {
  process.env.DEFAULT_JOB_QUEUE = 'default';
});

const batch = mockClient(BatchClient);
const executionArn = 'arn:aws:states:eu-west-1:123456789012:execution:runner:exec-1';
let sim: BatchSimulator;

const event = (status: string, input: unknown) => ({
  version: '0',
  source: 'aws.states',
  'detail-type': 'Step Functions Execution Status Change',
  detail: {
    executionArn,
    stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:runner',
    name: 'exec-1',
    status,
    startDate: sim.nowMs,
    stopDate: sim.nowMs + 60_000,
    input: input === null ? null : JSON.stringify(input),
  },
});

beforeEach(() => {
  batch.reset();
  sim = new BatchSimulator().install(batch);
});

describe('reaper', () => {
  it('terminates the job whatever the timing fields (Validate judged them against environment defaults)', async () => {
    // Given a request valid under a stack whose default poll interval is 5 s, not the SPEC's 30 s
    const jobId = sim.addJob({
      jobName: 'nightly',
      tags: { [EXECUTION_TAG_KEY]: executionArn },
      script: { timeline: succeedingTimeline() },
    });
    const e = event('ABORTED', { jobName: 'nightly', jobDefinition: 'd', maxPollIntervalSeconds: 10 });
    sim.advance(120_000);
    // Then its job is still found and terminated
    expect(await handler(e)).toMatchObject({ action: 'terminated', jobId });
  });

  it.each(['ABORTED', 'TIMED_OUT', 'FAILED'])(
    'terminates the running job of a %s execution',
    async (status) => {
      const jobId = sim.addJob({
        jobName: 'nightly',
        tags: { [EXECUTION_TAG_KEY]: executionArn },
        script: { timeline: succeedingTimeline() },
      });
      sim.addJob({
        jobName: 'nightly',
        tags: { [EXECUTION_TAG_KEY]: 'arn:other' },
        script: { timeline: succeedingTimeline() },
      });
      const e = event(status, { jobName: 'nightly', jobDefinition: 'd' });
      sim.advance(120_000);
      const result = await handler(e);
      expect(result).toEqual({
        action: 'terminated',
        jobId,
        reason: `batch-orchestrator: execution ${executionArn} was ${status}`,
      });
      expect(batch).toHaveReceivedCommandTimes(TerminateJobCommand, 1);
    },
  );

  it('looks in the physical queue when the request named it by its config short name', async () => {
    const jobId = sim.addJob({
      jobName: 'nightly',
      jobQueue: 'dev-processor',
      tags: { [EXECUTION_TAG_KEY]: executionArn },
      script: { timeline: succeedingTimeline() },
    });
    const e = event('ABORTED', { jobName: 'nightly', jobDefinition: 'processor', jobQueue: 'processor' });
    sim.advance(120_000);
    const aliases = {
      jobQueues: { processor: 'dev-processor' },
      jobDefinitions: { processor: 'dev-processor' },
    };
    expect(await reap(new BatchClient({}), e.detail, 'default', aliases)).toMatchObject({
      action: 'terminated',
      jobId,
    });
  });

  it('leaves a finished job alone (idempotent on redelivery)', async () => {
    sim.addJob({
      jobName: 'nightly',
      tags: { [EXECUTION_TAG_KEY]: executionArn },
      script: { timeline: succeedingTimeline(60_000) },
    });
    const e = event('ABORTED', { jobName: 'nightly', jobDefinition: 'd' });
    sim.advance(10 * 60_000);
    expect(await handler(e)).toMatchObject({ action: 'skipped' });
    expect(batch).not.toHaveReceivedCommand(TerminateJobCommand);
  });

  it.each([
    ['attach mode', { jobId: 'abc' }],
    ['an invalid request', { jobName: '-bad' }],
    ['no input', null],
  ])('does nothing for %s', async (_name, input) => {
    expect(await handler(event('ABORTED', input))).toMatchObject({ action: 'skipped' });
    expect(sim.calls.TerminateJob + sim.calls.ListJobs).toBe(0);
  });

  it('does nothing when the execution submitted no job', async () => {
    expect(await handler(event('ABORTED', { jobName: 'nightly', jobDefinition: 'd' }))).toMatchObject({
      action: 'skipped',
    });
    expect(sim.calls.TerminateJob).toBe(0);
  });
});
