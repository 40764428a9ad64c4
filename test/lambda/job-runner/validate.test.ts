import { describe, expect, it } from 'vitest';
import { handler, validate, withTimingDefaults } from '../../../lambda/job-runner/validate/index';

const execution = {
  id: 'arn:aws:states:eu-west-1:123456789012:execution:runner:exec-1',
  name: 'exec-1',
  startTime: '2026-01-01T00:00:00.000Z',
};
const start = Date.parse(execution.startTime);

describe('validate', () => {
  it('prepares the run of a submit-mode request with defaults and an absolute deadline', () => {
    const result = validate({ request: { jobName: 'n', jobDefinition: 'd' }, execution }, start);
    expect(result).toEqual({
      valid: true,
      run: {
        mode: 'submit',
        executionArn: execution.id,
        executionStartMs: start,
        pollIntervalSeconds: 30,
        maxPollIntervalSeconds: 300,
        deadlineSeconds: 86_400,
        deadlineAtMs: start + 86_400_000,
        submit: { jobName: 'n', jobDefinition: 'd' },
      },
      check: { poll: { polls: 0, notFound: 0, delaySeconds: 30, next: 'WAIT' } },
    });
  });

  it('resolves config short names of the queue and job definition to physical names', () => {
    const aliases = {
      jobQueues: { processor: 'dev-processor' },
      jobDefinitions: { processor: 'dev-processor' },
    };
    const result = validate(
      { request: { jobName: 'n', jobDefinition: 'processor:3', jobQueue: 'processor' }, execution },
      start,
      {},
      undefined,
      aliases,
    );
    expect(result).toMatchObject({
      valid: true,
      run: { submit: { jobName: 'n', jobDefinition: 'dev-processor:3', jobQueue: 'dev-processor' } },
    });
  });

  it('puts the job id of an attach-mode request in $.job', () => {
    const result = validate({ request: { jobId: 'abc' }, execution }, start);
    expect(result).toMatchObject({
      valid: true,
      run: { mode: 'attach', jobId: 'abc' },
      job: { jobId: 'abc' },
    });
  });

  it('cuts the first wait short when the deadline is closer', () => {
    const result = validate(
      {
        request: {
          jobName: 'n',
          jobDefinition: 'd',
          pollIntervalSeconds: 3600,
          maxPollIntervalSeconds: 3600,
          deadlineSeconds: 60,
        },
        execution,
      },
      start,
    );
    expect(result.valid && result.check.poll.delaySeconds).toBe(60);
  });

  it('returns InvalidJobRequest as data with the contract Cause', () => {
    const result = validate({ request: { jobName: 'n' }, execution }, start);
    expect(result.valid).toBe(false);
    if (result.valid) return;
    expect(result.error).toBe('InvalidJobRequest');
    expect(JSON.parse(result.cause)).toEqual({
      reason: 'Invalid job request: 1 invalid field(s): jobDefinition',
      fields: [{ path: 'jobDefinition', message: 'required unless jobId is given', received: null }],
    });
  });

  it('applies environment timing defaults only to fields the request leaves out', () => {
    expect(
      withTimingDefaults(
        { pollIntervalSeconds: 900 },
        { pollIntervalSeconds: 60, maxPollIntervalSeconds: 600, deadlineSeconds: 3600 },
      ),
    ).toEqual({
      pollIntervalSeconds: 900,
      maxPollIntervalSeconds: 900,
      deadlineSeconds: 3600,
    });
  });

  it('rejects a malformed handler event (a wiring bug) by throwing InvalidHandlerInput', async () => {
    await expect(handler({ request: {} })).rejects.toMatchObject({ name: 'InvalidHandlerInput' });
  });
});

describe('validate in events mode', () => {
  const events = { mode: 'events', fallbackSeconds: 3600 } as const;

  it.each([
    ['a 24-h deadline: 24 waits of 1 h', 86_400, 3600],
    ['a 6-h deadline: 6 waits of 1 h', 21_600, 3600],
    ['5000 s: 2 equal waits that end on the deadline', 5_000, 2_500],
    ['10 min: one wait to the deadline', 600, 600],
  ])('sets the wait timeout for %s', (_name, deadlineSeconds, timeout) => {
    const request = { jobName: 'n', jobDefinition: 'd', deadlineSeconds };
    const result = validate({ request, execution, completion: events }, start, {}, events);
    expect(result).toMatchObject({ valid: true, check: { poll: { delaySeconds: timeout } } });
  });

  it('keeps the poll interval as the first wait in poll mode', () => {
    const result = validate(
      { request: { jobName: 'n', jobDefinition: 'd' }, execution },
      start,
      {},
      {
        mode: 'poll',
        fallbackSeconds: 3600,
      },
    );
    expect(result).toMatchObject({ check: { poll: { delaySeconds: 30 } } });
  });
});
