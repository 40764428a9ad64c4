import { describe, expect, it } from 'vitest';
import { classify, handler } from '../../../lambda/job-runner/classify/index';
import { normaliseCaughtError, sanitiseMessage } from '../../../lambda/job-runner/shared/caught-error';

const wrapper = (errorType: string, errorMessage: string) =>
  JSON.stringify({
    errorType,
    errorMessage,
    trace: [`${errorType}: ${errorMessage}`, '    at handler (/var/task/index.js:10:5)'],
  });

describe('classify: job', () => {
  it('classifies a FAILED job snapshot with the shared classifier', () => {
    const result = classify({
      kind: 'job',
      job: {
        jobId: 'j',
        jobName: 'n',
        status: 'FAILED',
        statusReason: 'Essential container in task exited',
        exitCode: 137,
        containerReason: 'OutOfMemoryError: killed',
        logStreamName: 's',
        attempts: 2,
      },
    });
    expect(result.error).toBe('Batch.OutOfMemory');
    expect(JSON.parse(result.cause)).toEqual({
      jobId: 'j',
      jobName: 'n',
      status: 'FAILED',
      exitCode: 137,
      statusReason: 'Essential container in task exited',
      reason: 'OutOfMemoryError: killed',
      logStreamName: 's',
      classification: 'OutOfMemory',
      retryable: false,
      attempts: 2,
    });
  });
});

describe('classify: deadline and not found', () => {
  it('builds the Batch.DeadlineExceeded Cause', () => {
    const result = classify({
      kind: 'deadline',
      job: { jobId: 'j', jobName: 'n', status: 'RUNNING', attempts: 1 },
      mode: 'submit',
      deadlineSeconds: 600,
    });
    expect(result.error).toBe('Batch.DeadlineExceeded');
    expect(JSON.parse(result.cause)).toEqual({
      jobId: 'j',
      jobName: 'n',
      status: 'RUNNING',
      reason: 'deadlineSeconds (600) passed while the job was RUNNING; the job was terminated',
      classification: 'DeadlineExceeded',
      retryable: false,
      attempts: 1,
    });
  });

  it('builds the Batch.JobNotFound Cause', () => {
    const result = classify({ kind: 'notFound', jobId: 'x', mode: 'attach' });
    expect(result.error).toBe('Batch.JobNotFound');
    expect(JSON.parse(result.cause)).toMatchObject({
      jobId: 'x',
      classification: 'JobNotFound',
      retryable: false,
    });
  });
});

describe('normaliseCaughtError', () => {
  it.each([
    ['ClientException', wrapper('ClientException', 'Job queue not found'), 'Batch.ClientError', false],
    ['AccessDeniedException', wrapper('AccessDeniedException', 'not authorized'), 'Batch.ClientError', false],
    [
      'TooManyRequestsException',
      wrapper('TooManyRequestsException', 'Too Many Requests'),
      'Batch.InfrastructureError',
      true,
    ],
    ['ServerException', wrapper('ServerException', 'boom'), 'Batch.InfrastructureError', true],
    ['Lambda.ServiceException', 'Rate exceeded', 'Batch.InfrastructureError', true],
    ['States.Timeout', 'Task timed out', 'Batch.InfrastructureError', true],
    [
      'TypeError',
      wrapper('TypeError', "Cannot read properties of undefined (reading 'x')"),
      'Batch.InfrastructureError',
      true,
    ],
    [
      'MissingEnvironmentError',
      wrapper('MissingEnvironmentError', 'Missing required environment variable X'),
      'Batch.InfrastructureError',
      false,
    ],
    [
      'Runtime.ImportModuleError',
      wrapper('Runtime.ImportModuleError', "Cannot find module '/var/task/index.js'"),
      'Batch.InfrastructureError',
      false,
    ],
  ])('maps %s to %s', (name, cause, error, retryable) => {
    const result = normaliseCaughtError({ Error: name, Cause: cause });
    expect(result.error).toBe(error);
    const parsed = JSON.parse(result.cause) as Record<string, unknown>;
    expect(parsed).toMatchObject({ retryable, classification: error.replace('Batch.', '') });
    expect(Object.keys(parsed).sort()).toEqual(['classification', 'reason', 'retryable']);
    expect(result.cause).not.toMatch(/\/var\/task|errorType|trace/);
  });

  it('keeps a contract failure thrown by a handler as it is', () => {
    const contract = { reason: 'bad', fields: [{ path: 'x', message: 'y', received: 1 }] };
    const result = normaliseCaughtError({
      Error: 'InvalidJobRequest',
      Cause: wrapper('InvalidJobRequest', JSON.stringify(contract)),
    });
    expect(result).toEqual({ error: 'InvalidJobRequest', cause: JSON.stringify(contract) });
  });

  it('survives a missing or non-JSON Cause', () => {
    expect(normaliseCaughtError({ Error: 'States.TaskFailed' }).error).toBe('Batch.InfrastructureError');
    expect(normaliseCaughtError({ Error: '', Cause: null }).error).toBe('Batch.InfrastructureError');
  });

  it('strips stack frames and file paths from messages', () => {
    expect(
      sanitiseMessage("Cannot find module '/var/task/lib/x.js'\n    at Module._resolve (node:internal)"),
    ).toBe("Cannot find module '<path>'");
  });
});

it('handler rejects an unknown kind', async () => {
  await expect(handler({ kind: 'other' })).rejects.toMatchObject({ name: 'InvalidHandlerInput' });
});
