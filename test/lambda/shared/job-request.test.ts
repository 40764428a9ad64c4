import { describe, expect, it } from 'vitest';
import { parseJobRequest } from '../../../lambda/shared/job-request';

const minimal = { jobName: 'nightly', jobDefinition: 'dev-poller' };
const ARN = 'arn:aws:batch:eu-west-1:123456789012';

/** The paths reported for an invalid request. */
function badPaths(input: unknown): string[] {
  const result = parseJobRequest(input);
  if (result.ok) return [];
  return result.cause.fields.map((f) => f.path);
}

describe('parseJobRequest: valid requests', () => {
  it.each([
    ['the minimal console input', minimal],
    ['a 128-character name', { ...minimal, jobName: `a${'b'.repeat(127)}` }],
    ['name:revision', { ...minimal, jobDefinition: 'dev-poller:12' }],
    ['a job-definition ARN', { ...minimal, jobDefinition: `${ARN}:job-definition/dev-poller:3` }],
    ['a queue name', { ...minimal, jobQueue: 'spot' }],
    ['a job-queue ARN', { ...minimal, jobQueue: `${ARN}:job-queue/spot` }],
    ['parameters', { ...minimal, parameters: { day: 'monday' } }],
    [
      'container overrides',
      {
        ...minimal,
        containerOverrides: {
          command: ['a'],
          environment: [{ name: 'X', value: '1' }],
          resourceRequirements: [{ type: 'MEMORY', value: '2048' }],
          instanceType: 'm7g.large',
        },
      },
    ],
    ['array size 2', { ...minimal, arrayProperties: { size: 2 } }],
    ['array size 10000', { ...minimal, arrayProperties: { size: 10_000 } }],
    [
      '20 dependencies',
      { ...minimal, dependsOn: Array.from({ length: 20 }, (_, i) => ({ jobId: `j${i}`, type: 'N_TO_N' })) },
    ],
    [
      'retry attempts 10',
      { ...minimal, retryStrategy: { attempts: 10, evaluateOnExit: [{ onExitCode: '1', action: 'exit' }] } },
    ],
    ['timeout 60', { ...minimal, timeout: { attemptDurationSeconds: 60 } }],
    [
      'pass-through fields',
      {
        ...minimal,
        tags: { team: 'data' },
        propagateTags: true,
        shareIdentifier: 'blue',
        schedulingPriorityOverride: 9,
      },
    ],
    ['attach mode', { jobId: 'abc-123' }],
    ['poll bounds', { ...minimal, pollIntervalSeconds: 5, maxPollIntervalSeconds: 3600 }],
    ['fixed interval', { ...minimal, pollIntervalSeconds: 60, maxPollIntervalSeconds: 60 }],
    ['deadline bounds', { ...minimal, deadlineSeconds: 31_449_600 }],
  ])('accepts %s', (_name, input) => {
    expect(parseJobRequest(input).ok).toBe(true);
  });
});

describe('parseJobRequest: every rule of the input table', () => {
  it.each([
    ['a missing jobName', { jobDefinition: 'd' }, ['jobName']],
    ['a missing jobDefinition', { jobName: 'n' }, ['jobDefinition']],
    ['a name starting with "-"', { ...minimal, jobName: '-x' }, ['jobName']],
    ['a 129-character name', { ...minimal, jobName: 'a'.repeat(129) }, ['jobName']],
    ['a name with a space', { ...minimal, jobName: 'a b' }, ['jobName']],
    ['a bad definition', { ...minimal, jobDefinition: 'def:0' }, ['jobDefinition']],
    ['a queue ARN of another kind', { ...minimal, jobQueue: `${ARN}:job-definition/x` }, ['jobQueue']],
    ['a non-string parameter', { ...minimal, parameters: { a: 1 } }, ['parameters.a']],
    [
      'an AWS_BATCH environment name',
      { ...minimal, containerOverrides: { environment: [{ name: 'AWS_BATCH_JOB_ID', value: 'x' }] } },
      ['containerOverrides.environment[0].name'],
    ],
    [
      'an unknown container override',
      { ...minimal, containerOverrides: { memory: 1 } },
      ['containerOverrides.memory'],
    ],
    ['array size 1', { ...minimal, arrayProperties: { size: 1 } }, ['arrayProperties.size']],
    ['array size 10001', { ...minimal, arrayProperties: { size: 10_001 } }, ['arrayProperties.size']],
    [
      '21 dependencies',
      { ...minimal, dependsOn: Array.from({ length: 21 }, (_, i) => ({ jobId: `j${i}` })) },
      ['dependsOn'],
    ],
    [
      'a bad dependency type',
      { ...minimal, dependsOn: [{ jobId: 'a', type: 'ALL' }] },
      ['dependsOn[0].type'],
    ],
    ['retry attempts 0', { ...minimal, retryStrategy: { attempts: 0 } }, ['retryStrategy.attempts']],
    ['retry attempts 11', { ...minimal, retryStrategy: { attempts: 11 } }, ['retryStrategy.attempts']],
    [
      'timeout 59',
      { ...minimal, timeout: { attemptDurationSeconds: 59 } },
      ['timeout.attemptDurationSeconds'],
    ],
    [
      'a reserved tag',
      { ...minimal, tags: { 'batch-orchestrator:execution': 'x' } },
      ['tags.batch-orchestrator:execution'],
    ],
    ['jobId with submit fields', { jobId: 'a', jobName: 'n' }, ['jobName']],
    ['poll interval 4', { ...minimal, pollIntervalSeconds: 4 }, ['pollIntervalSeconds']],
    ['poll interval 3601', { ...minimal, pollIntervalSeconds: 3601 }, ['pollIntervalSeconds']],
    ['poll interval "30"', { ...minimal, pollIntervalSeconds: '30' }, ['pollIntervalSeconds']],
    ['poll interval 30.5', { ...minimal, pollIntervalSeconds: 30.5 }, ['pollIntervalSeconds']],
    [
      'max poll below poll',
      { ...minimal, pollIntervalSeconds: 60, maxPollIntervalSeconds: 30 },
      ['maxPollIntervalSeconds'],
    ],
    ['max poll 3601', { ...minimal, maxPollIntervalSeconds: 3601 }, ['maxPollIntervalSeconds']],
    ['deadline 59', { ...minimal, deadlineSeconds: 59 }, ['deadlineSeconds']],
    ['deadline above 364 days', { ...minimal, deadlineSeconds: 31_449_601 }, ['deadlineSeconds']],
    ['an unknown top-level field', { ...minimal, jobname: 'typo' }, ['jobname']],
    ['a non-object', 'hello', ['$']],
    ['null', null, ['$']],
  ])('rejects %s', (_name, input, paths) => {
    expect(badPaths(input)).toEqual(paths);
  });

  it.each([
    [
      'a max poll below the default poll interval (30)',
      { ...minimal, maxPollIntervalSeconds: 10 },
      ['maxPollIntervalSeconds'],
    ],
    [
      'unknown fields in every nested object',
      {
        ...minimal,
        containerOverrides: { resourceRequirements: [{ type: 'GPU', value: '1', unit: 'x' }], vcpus: 2 },
        arrayProperties: { size: 3, index: 1 },
        dependsOn: [{ jobId: 'a', kind: 'x' }],
        retryStrategy: { attempts: 2, evaluateOnExit: [{ action: 'RETRY', onExit: '1' }] },
        timeout: { attemptDurationSeconds: 60, seconds: 60 },
      },
      [
        'containerOverrides.resourceRequirements[0].unit',
        'containerOverrides.vcpus',
        'arrayProperties.index',
        'dependsOn[0].kind',
        'retryStrategy.evaluateOnExit[0].onExit',
        'timeout.seconds',
      ],
    ],
  ])('rejects %s', (_name, input, paths) => {
    expect(badPaths(input)).toEqual(paths);
  });

  it('names the bad entries of a list that is also too long', () => {
    // Given 21 dependencies of which two are malformed, and 6 retry rules of which one is malformed
    const dependsOn = Array.from({ length: 21 }, (_, i) => ({ jobId: `j${i}` })) as Record<string, unknown>[];
    dependsOn[3] = { jobId: 'j3', type: 'ALL' };
    dependsOn[5] = { jobId: 'j5', typo: 1 };
    const evaluateOnExit = Array.from({ length: 6 }, () => ({ action: 'EXIT' })) as Record<string, unknown>[];
    evaluateOnExit[2] = { action: 'NOPE' };
    // Then the length AND every bad entry are reported
    expect(
      badPaths({ ...minimal, dependsOn, retryStrategy: { attempts: 2, evaluateOnExit } }).sort(),
    ).toEqual(
      [
        'dependsOn',
        'dependsOn[3].type',
        'dependsOn[5].typo',
        'retryStrategy.evaluateOnExit',
        'retryStrategy.evaluateOnExit[2].action',
      ].sort(),
    );
  });

  it('says what is wrong with an empty string or a bad tag key', () => {
    const result = parseJobRequest({
      ...minimal,
      shareIdentifier: '',
      containerOverrides: { resourceRequirements: [{ type: 'VCPU', value: '' }] },
      tags: { ['k'.repeat(129)]: 'v' },
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const messages = Object.fromEntries(result.cause.fields.map((f) => [f.path, f.message]));
    expect(messages.shareIdentifier).toMatch(/non-empty/);
    expect(messages['containerOverrides.resourceRequirements[0].value']).toMatch(/non-empty/);
    expect(messages[`tags.${'k'.repeat(129)}`]).toMatch(/1-128/);
  });

  it('names every bad field with the value received', () => {
    const result = parseJobRequest({ jobName: '-x', pollIntervalSeconds: '30', typo: true });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.cause.fields).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'jobName', received: '-x' }),
        expect.objectContaining({ path: 'pollIntervalSeconds', received: '30' }),
        expect.objectContaining({ path: 'typo', message: 'unknown field', received: true }),
        expect.objectContaining({ path: 'jobDefinition', received: null }),
      ]),
    );
  });
});

describe('parseJobRequest: defaults', () => {
  it.each([
    [{}, { pollIntervalSeconds: 30, maxPollIntervalSeconds: 300, deadlineSeconds: 86_400 }],
    [
      { pollIntervalSeconds: 600 },
      { pollIntervalSeconds: 600, maxPollIntervalSeconds: 600, deadlineSeconds: 86_400 },
    ],
    [
      { pollIntervalSeconds: 10, maxPollIntervalSeconds: 20 },
      { pollIntervalSeconds: 10, maxPollIntervalSeconds: 20, deadlineSeconds: 86_400 },
    ],
  ])('applies timing defaults to %j', (timing, expected) => {
    const result = parseJobRequest({ ...minimal, ...timing });
    expect(result.ok && result.request).toMatchObject({ mode: 'submit', ...expected });
  });

  it('separates attach mode from submit fields', () => {
    const result = parseJobRequest({ jobId: 'abc' });
    expect(result.ok && result.request).toEqual({
      mode: 'attach',
      jobId: 'abc',
      pollIntervalSeconds: 30,
      maxPollIntervalSeconds: 300,
      deadlineSeconds: 86_400,
    });
  });
});
