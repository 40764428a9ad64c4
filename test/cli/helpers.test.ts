import type { BatchClient, JobDetail } from '@aws-sdk/client-batch';
import { describe, expect, it } from 'vitest';
import { resolveMaxAttempts } from '../../cli/src/aws';
import type { Clock } from '../../cli/src/clock';
import { defaultExecutionName, executionExitCode } from '../../cli/src/commands/executions';
import { logGroupOf } from '../../cli/src/commands/logs';
import { currentAttempt, formatElapsed, formatFields, jobView, statusLine } from '../../cli/src/output';
import { bypassesProxy, redactUrl, resolveProxy } from '../../cli/src/proxy';
import { TokenBucket } from '../../cli/src/rate-limit';
import { mergeRequest, validateRequest } from '../../cli/src/request';
import { waitForJob } from '../../cli/src/wait-for-job';

/** A clock that only moves when someone sleeps. */
function fakeClock(start = 0): Clock & { slept: number[] } {
  let now = start;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}

describe('mergeRequest', () => {
  it('lets flags win at the top level and merges maps and nested objects one level deep', () => {
    const file = {
      jobName: 'file',
      parameters: { a: '1', b: '2' },
      containerOverrides: { command: ['old'], environment: [{ name: 'X', value: '1' }] },
      retryStrategy: { attempts: 2, evaluateOnExit: [{ onExitCode: '1', action: 'EXIT' }] },
    };
    const flags = {
      jobName: 'flag',
      parameters: { b: 'B' },
      containerOverrides: { command: ['new'] },
      retryStrategy: { attempts: 5 },
    };
    expect(mergeRequest(file, flags)).toEqual({
      jobName: 'flag',
      parameters: { a: '1', b: 'B' },
      containerOverrides: { command: ['new'], environment: [{ name: 'X', value: '1' }] },
      retryStrategy: { attempts: 5, evaluateOnExit: [{ onExitCode: '1', action: 'EXIT' }] },
    });
  });

  it('passes a non-object file through for the schema to reject', () => {
    expect(mergeRequest([1, 2], { jobName: 'x' })).toEqual([1, 2]);
    expect(() => validateRequest(mergeRequest([1, 2], {}))).toThrow(/Invalid job request/);
  });

  it('names the flag of each bad field', () => {
    try {
      validateRequest({ jobName: 'ok', jobDefinition: 'd', timeout: { attemptDurationSeconds: 30 } });
      expect.unreachable();
    } catch (error) {
      expect((error as { fields: unknown[] }).fields).toEqual([
        {
          path: 'timeout.attemptDurationSeconds',
          message: 'expected an integer >= 60 (--timeout)',
          received: 30,
        },
      ]);
    }
  });
});

describe('SDK attempts per call', () => {
  it.each<[string, number | undefined, Record<string, string>, number]>([
    ['the default', undefined, {}, 5],
    ['AWS_MAX_ATTEMPTS, as every AWS tool honours it', undefined, { AWS_MAX_ATTEMPTS: '2' }, 2],
    ['--max-attempts over AWS_MAX_ATTEMPTS', 3, { AWS_MAX_ATTEMPTS: '2' }, 3],
  ])('uses %s', (_name, flag, env, expected) => {
    expect(resolveMaxAttempts({ json: false, ...(flag !== undefined && { maxAttempts: flag }) }, env)).toBe(
      expected,
    );
  });

  it('rejects an AWS_MAX_ATTEMPTS that is not an integer 1..20 (usage error)', () => {
    expect(() => resolveMaxAttempts({ json: false }, { AWS_MAX_ATTEMPTS: 'many' })).toThrow(
      expect.objectContaining({ name: 'UsageError', message: expect.stringMatching(/AWS_MAX_ATTEMPTS/) }),
    );
  });
});

describe('proxy settings', () => {
  it('takes --proxy over HTTPS_PROXY and puts the credentials in the URL', () => {
    const proxy = resolveProxy(
      { json: false, proxy: 'http://proxy:3128', proxyUser: 'me', proxyPassword: 'p@ss' },
      { HTTPS_PROXY: 'http://other:8080', NO_PROXY: 'internal' },
    );
    expect(proxy?.url.toString()).toBe('http://me:p%40ss@proxy:3128/');
    expect(proxy?.noProxy).toEqual([]);
  });

  it('reads HTTPS_PROXY, NO_PROXY and BATCHCTL_PROXY_PASSWORD from the environment', () => {
    const proxy = resolveProxy(
      { json: false },
      { https_proxy: 'http://u@proxy:3128', NO_PROXY: '.internal, localhost', BATCHCTL_PROXY_PASSWORD: 'pw' },
    );
    expect(proxy?.url.toString()).toBe('http://u:pw@proxy:3128/');
    expect(proxy?.noProxy).toEqual(['.internal', 'localhost']);
  });

  it('uses no proxy when none is configured', () => {
    expect(resolveProxy({ json: false }, {})).toBeUndefined();
  });

  it.each<[string, string[], boolean]>([
    ['batch.eu-west-1.amazonaws.com', ['.amazonaws.com'], true],
    ['batch.eu-west-1.amazonaws.com', ['amazonaws.com'], true],
    ['localhost', ['localhost:8080'], true],
    ['anything', ['*'], true],
    ['batch.eu-west-1.amazonaws.com', ['internal'], false],
  ])('bypassesProxy(%s, %j) is %s', (host, list, expected) => {
    expect(bypassesProxy(host, list)).toBe(expected);
  });

  it('never prints proxy credentials', () => {
    expect(redactUrl('http://me:secret@proxy:3128')).toBe('http://***:***@proxy:3128/');
  });
});

describe('TokenBucket', () => {
  it('allows a burst of `capacity`, then spaces calls at the sustained rate', () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(2, 2, clock);
    expect([bucket.reserve(), bucket.reserve(), bucket.reserve(), bucket.reserve()]).toEqual([
      0, 0, 500, 1000,
    ]);
  });

  it('refills with time', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(10, 1, clock);
    await bucket.take();
    await bucket.take();
    expect(clock.slept).toEqual([100]);
    await clock.sleep(1000);
    expect(bucket.reserve()).toBe(0);
  });
});

describe('output', () => {
  const failed: JobDetail = {
    jobId: 'j1',
    jobName: 'etl',
    jobArn: 'arn:aws:batch:eu-west-1:1:job/j1',
    jobQueue: 'arn:aws:batch:eu-west-1:123456789012:job-queue/spot',
    jobDefinition: 'd',
    status: 'FAILED',
    statusReason: 'Host EC2 (instance i-1) terminated.',
    createdAt: 0,
    startedAt: 1000,
    attempts: [
      { container: { exitCode: 143, logStreamName: 'd/default/a' }, statusReason: 'Host EC2 terminated' },
    ],
  };

  it('summarises a failed job with the shared classifier', () => {
    expect(jobView(failed)).toEqual({
      jobArn: 'arn:aws:batch:eu-west-1:1:job/j1',
      jobId: 'j1',
      jobName: 'etl',
      jobQueue: 'spot',
      status: 'FAILED',
      statusReason: 'Host EC2 (instance i-1) terminated.',
      exitCode: 143,
      logStreamName: 'd/default/a',
      attempts: 1,
      createdAt: 0,
      startedAt: 1000,
      error: 'Batch.SpotInterrupted',
      reason: 'Host EC2 terminated',
      retryable: true,
    });
  });

  it('shows an array parent by its status summary, without exit code or log stream', () => {
    const parent = {
      jobId: 'p',
      status: 'RUNNING',
      arrayProperties: { size: 3, statusSummary: { RUNNING: 2, SUCCEEDED: 1, FAILED: 0 } },
    };
    expect(jobView(parent)).toEqual({
      jobId: 'p',
      status: 'RUNNING',
      arrayStatusSummary: parent.arrayProperties.statusSummary,
    });
    expect(statusLine(parent, 65_000)).toBe('RUNNING   elapsed 1m05s  array RUNNING=2 SUCCEEDED=1  job p');
  });

  it.each([
    [0, '0s'],
    [59_999, '59s'],
    [75_000, '1m15s'],
    [3_723_000, '1h02m03s'],
  ])('formatElapsed(%i) = %s', (ms, text) => {
    expect(formatElapsed(ms)).toBe(text);
  });

  it('counts the attempt under way', () => {
    expect(currentAttempt({ status: 'RUNNABLE' })).toBeUndefined();
    expect(currentAttempt({ status: 'RUNNING', attempts: [{}], retryStrategy: { attempts: 3 } })).toBe('2/3');
  });

  it('formats timestamps as ISO dates and objects as JSON', () => {
    expect(formatFields({ createdAt: 0, cause: { a: 1 }, skipped: undefined, n: 1 })).toEqual([
      'createdAt: 1970-01-01T00:00:00.000Z',
      'cause: {"a":1}',
      'n: 1',
    ]);
  });
});

describe('commands: pure parts', () => {
  it('reads the awslogs group from the job container, else Batch default', () => {
    expect(
      logGroupOf({
        container: { logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/g' } } },
      } as unknown as JobDetail),
    ).toBe('/g');
    expect(logGroupOf({} as JobDetail)).toBe('/aws/batch/job');
  });

  it('names executions uniquely and within Step Functions limits', () => {
    const name = defaultExecutionName(
      { jobName: 'x'.repeat(128) },
      new Date('2024-05-06T07:08:09Z'),
      'abcdef',
    );
    expect(name).toMatch(/^batchctl-x+-20240506T070809-abcdef$/);
    expect(name.length).toBeLessThanOrEqual(80);
    expect(defaultExecutionName({ jobId: 'j' }, new Date(0), '000000')).toBe(
      'batchctl-attach-19700101T000000-000000',
    );
  });

  it.each([
    ['SUCCEEDED', 0],
    ['RUNNING', 0],
    ['FAILED', 1],
    ['TIMED_OUT', 1],
    ['ABORTED', 1],
  ])('execution %s exits %i', (status, code) => {
    expect(executionExitCode(status)).toBe(code);
  });
});

describe('waitForJob', () => {
  /** A Batch client whose DescribeJobs answers come from a list (undefined = not visible). */
  function scripted(answers: (string | undefined)[]) {
    const calls: string[] = [];
    const client = {
      send: async (command: { constructor: { name: string }; input: unknown }) => {
        calls.push(command.constructor.name);
        if (command.constructor.name === 'TerminateJobCommand') return {};
        const status = answers.length > 1 ? answers.shift() : answers[0];
        return { jobs: status === undefined ? [] : [{ jobId: 'j', status }] };
      },
    };
    return { client: client as unknown as BatchClient, calls };
  }
  const timing = { pollIntervalSeconds: 5, maxPollIntervalSeconds: 20, deadlineSeconds: 3600 };

  it('grows the wait while the status is unchanged and restarts it on a change', async () => {
    const { client } = scripted(['RUNNABLE', 'RUNNABLE', 'RUNNABLE', 'RUNNABLE', 'RUNNING', 'SUCCEEDED']);
    const clock = fakeClock();
    const outcome = await waitForJob(client, {
      jobId: 'j',
      timing,
      startedAt: 0,
      submittedHere: false,
      clock,
    });
    expect(outcome).toMatchObject({ kind: 'finished', polls: 6, job: { status: 'SUCCEEDED' } });
    expect(clock.slept).toEqual([5000, 10_000, 20_000, 20_000, 5000]);
  });

  it('tolerates three empty answers right after submitting, not a fourth', async () => {
    const clock = fakeClock();
    const ok = await waitForJob(scripted([undefined, undefined, undefined, 'SUCCEEDED']).client, {
      jobId: 'j',
      timing,
      startedAt: 0,
      submittedHere: true,
      clock,
    });
    expect(ok.kind).toBe('finished');
    await expect(
      waitForJob(scripted([undefined, undefined, undefined, undefined, 'SUCCEEDED']).client, {
        jobId: 'j',
        timing,
        startedAt: 0,
        submittedHere: true,
        clock: fakeClock(),
      }),
    ).rejects.toThrow(/was not found/);
    await expect(
      waitForJob(scripted([undefined]).client, {
        jobId: 'j',
        timing,
        startedAt: 0,
        submittedHere: false,
        clock,
      }),
    ).rejects.toThrow(/was not found/);
  });

  it('terminates its own job at the deadline and leaves an attached one alone', async () => {
    const short = { ...timing, deadlineSeconds: 60 };
    const own = scripted(['RUNNING']);
    const mine = await waitForJob(own.client, {
      jobId: 'j',
      timing: short,
      startedAt: 0,
      submittedHere: true,
      clock: fakeClock(),
    });
    expect(mine).toMatchObject({ kind: 'deadline', terminated: true });
    expect(own.calls.at(-1)).toBe('TerminateJobCommand');
    const other = scripted(['RUNNING']);
    const theirs = await waitForJob(other.client, {
      jobId: 'j',
      timing: short,
      startedAt: 0,
      submittedHere: false,
      clock: fakeClock(),
    });
    expect(theirs).toMatchObject({ kind: 'deadline', terminated: false });
    expect(other.calls).not.toContain('TerminateJobCommand');
  });
});
