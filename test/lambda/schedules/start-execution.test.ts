/**
 * The schedule starter: one execution per tick, whatever the Scheduler or
 * Lambda redeliver. Step Functions is faked with aws-sdk-client-mock; the fake
 * remembers execution names like the real service does.
 */
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  EXECUTION_NAME_MAX_CHARS,
  executionArnFor,
  executionNameForTick,
  parseTickEvent,
} from '../../../lambda/schedules/start-execution/tick';

const STATE_MACHINE_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:dev-job-runner';
const EXECUTION_PREFIX = 'arn:aws:states:eu-west-1:123456789012:execution:dev-job-runner:';
/** Imported after the environment is stubbed: the handler reads it at load. */
const STARTER_MODULE: string = '../../../lambda/schedules/start-execution/index';
type StarterModule = typeof import('../../../lambda/schedules/start-execution/index');

/**
 * Stricter than Step Functions (which forbids whitespace, brackets, wildcards, `"#%\\^|~\`$&,;:/`
 * and control characters): only characters that are also safe in CloudWatch Logs and URLs.
 */
const SAFE_NAME = /^[A-Za-z0-9_.+-]{1,80}$/;

const POLLER_REQUEST = { jobName: 'poller', jobDefinition: 'dev-poller', jobQueue: 'dev-poller' };
const tick = (overrides: Record<string, unknown> = {}) => ({
  schedule: 'poller-hourly',
  scheduledTime: '2026-11-20T03:00:00Z',
  request: POLLER_REQUEST,
  ...overrides,
});

const sfn = mockClient(SFNClient);
/** Execution names the fake Step Functions has started. */
const started = new Map<string, string>();
const logLines: string[] = [];
let handler: StarterModule['handler'];

function fakeStepFunctions(): void {
  sfn.on(StartExecutionCommand).callsFake((input: { name: string; input: string }) => {
    // Same name, same input, still running: the real service answers with that execution.
    // Otherwise (closed, or another input) it refuses the name.
    const previous = started.get(input.name);
    if (previous !== undefined && previous !== input.input) {
      throw new ExecutionAlreadyExists({
        message: `Execution Already Exists: '${EXECUTION_PREFIX}${input.name}'`,
        $metadata: { httpStatusCode: 400 },
      });
    }
    started.set(input.name, input.input);
    return { executionArn: `${EXECUTION_PREFIX}${input.name}`, startDate: new Date('2026-11-20T03:00:01Z') };
  });
}

beforeAll(async () => {
  vi.stubEnv('STATE_MACHINE_ARN', STATE_MACHINE_ARN);
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'INFO');
  // Keep the runner's own output; collect (and silence) the handler's JSON log lines.
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    vi.spyOn(stream, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
      const line = String(chunk);
      if (!line.startsWith('{')) return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
      logLines.push(line);
      return true;
    }) as typeof stream.write);
  }
  ({ handler } = (await import(STARTER_MODULE)) as StarterModule);
});

afterAll(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

beforeEach(() => {
  sfn.reset();
  started.clear();
  logLines.length = 0;
  fakeStepFunctions();
});

describe('executionNameForTick', () => {
  it.each([
    ['poller-hourly', '2026-11-20T03:00:00Z', 'poller-hourly-2026-11-20T030000Z'],
    ['nightly.report_v2', '2026-01-01T00:00:00Z', 'nightly.report_v2-2026-01-01T000000Z'],
    ['poller', '2026-11-20T03:00:00.000Z', 'poller-2026-11-20T030000.000Z'],
    ['paris', '2026-11-20T04:00:00+01:00', 'paris-2026-11-20T040000+0100'],
    ['a'.repeat(48), '2026-11-20T03:00:00Z', `${'a'.repeat(48)}-2026-11-20T030000Z`],
    ['b'.repeat(61), '2026-11-20T03:00:00Z', `${'b'.repeat(61)}-2026-11-20T030000Z`],
    ['c'.repeat(62), '2026-11-20T03:00:00Z', `${'c'.repeat(61)}-2026-11-20T030000Z`],
    ['d'.repeat(200), '2026-11-20T03:00:00.123456Z', `${'d'.repeat(54)}-2026-11-20T030000.123456Z`],
  ])('names the tick of %s at %s %s', (schedule, scheduledTime, expected) => {
    const name = executionNameForTick(schedule, scheduledTime);
    expect(name).toBe(expected);
    expect(name.length).toBeLessThanOrEqual(EXECUTION_NAME_MAX_CHARS);
    expect(name).toMatch(SAFE_NAME);
  });

  it('keeps the whole name at exactly 80 characters when the schedule name is cut', () => {
    expect(executionNameForTick('x'.repeat(100), '2026-11-20T03:00:00Z')).toHaveLength(80);
  });

  it('gives two ticks of one schedule two names and one tick one name', () => {
    const a = executionNameForTick('poller-hourly', '2026-11-20T03:00:00Z');
    expect(executionNameForTick('poller-hourly', '2026-11-20T03:00:00Z')).toBe(a);
    expect(executionNameForTick('poller-hourly', '2026-11-20T04:00:00Z')).not.toBe(a);
  });

  it('refuses a time that leaves no room for the schedule name', () => {
    expect(() => executionNameForTick('poller', `2026-11-20T03:00:00.${'0'.repeat(80)}Z`)).toThrow(
      RangeError,
    );
  });
});

describe('executionArnFor', () => {
  it('turns a state machine ARN and a name into the execution ARN', () => {
    expect(executionArnFor(STATE_MACHINE_ARN, 'poller-hourly-2026-11-20T030000Z')).toBe(
      `${EXECUTION_PREFIX}poller-hourly-2026-11-20T030000Z`,
    );
    expect(
      executionArnFor(
        'arn:aws-cn:states:cn-north-1:123456789012:stateMachine:runner',
        'n-2026-01-01T000000Z',
      ),
    ).toBe('arn:aws-cn:states:cn-north-1:123456789012:execution:runner:n-2026-01-01T000000Z');
  });

  it('rejects anything but a state machine ARN', () => {
    expect(() => executionArnFor('arn:aws:lambda:eu-west-1:123456789012:function:f', 'n')).toThrow(
      /expected a state machine ARN/,
    );
  });
});

describe('start-execution handler', () => {
  it('starts the job runner with the tick name and the request as input', async () => {
    await expect(handler(tick())).resolves.toEqual({
      executionArn: `${EXECUTION_PREFIX}poller-hourly-2026-11-20T030000Z`,
      executionName: 'poller-hourly-2026-11-20T030000Z',
      alreadyStarted: false,
    });
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: STATE_MACHINE_ARN,
      name: 'poller-hourly-2026-11-20T030000Z',
      input: JSON.stringify(POLLER_REQUEST),
    });
    expect(logLines.join('\n')).toMatch(/"message":"execution started"/);
  });

  it('succeeds without a second execution when the same tick arrives again after the first has closed', async () => {
    // Given the 03:00 tick started an execution that has since finished
    await handler(tick());
    started.set('poller-hourly-2026-11-20T030000Z', 'closed');
    // When a retried attempt (any Scheduler execution id) delivers the same tick
    const second = await handler(tick());
    // Then Step Functions refused the name and the starter reports the first execution
    expect(second).toEqual({
      executionArn: `${EXECUTION_PREFIX}poller-hourly-2026-11-20T030000Z`,
      executionName: 'poller-hourly-2026-11-20T030000Z',
      alreadyStarted: true,
    });
    expect(started.size).toBe(1);
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 2);
    const logged = logLines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged).toContainEqual(
      expect.objectContaining({
        level: 'INFO',
        message: 'tick already started',
        schedule: 'poller-hourly',
        scheduledTime: '2026-11-20T03:00:00Z',
        executionArn: `${EXECUTION_PREFIX}poller-hourly-2026-11-20T030000Z`,
      }),
    );
  });

  it('treats ExecutionAlreadyExists as success even when only its name identifies it', async () => {
    sfn
      .on(StartExecutionCommand)
      .rejects(Object.assign(new Error('Execution Already Exists'), { name: 'ExecutionAlreadyExists' }));
    await expect(handler(tick())).resolves.toMatchObject({ alreadyStarted: true });
  });

  it('starts one execution per tick across ticks and redeliveries', async () => {
    for (const scheduledTime of ['2026-11-20T03:00:00Z', '2026-11-20T03:00:00Z', '2026-11-20T04:00:00Z']) {
      await handler(tick({ scheduledTime }));
    }
    expect([...started.keys()]).toEqual([
      'poller-hourly-2026-11-20T030000Z',
      'poller-hourly-2026-11-20T040000Z',
    ]);
  });

  it.each([
    ['throttling', Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })],
    ['a missing state machine', Object.assign(new Error('gone'), { name: 'StateMachineDoesNotExist' })],
    ['a network failure', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
  ])('rethrows %s so Lambda retries the tick', async (_what, error) => {
    sfn.on(StartExecutionCommand).rejects(error);
    await expect(handler(tick())).rejects.toBe(error);
    expect(logLines.join('\n')).toMatch(/"level":"ERROR".*could not start the execution/);
  });

  it.each([
    ['no event', null, /\$: .*received null/],
    ['a missing scheduled time', tick({ scheduledTime: undefined }), /scheduledTime: .*received nothing/],
    [
      'the literal attribute (the Scheduler did not substitute it)',
      tick({ scheduledTime: '<aws.scheduler.scheduled-time>' }),
      /scheduledTime: expected an ISO 8601 time like 2026-11-20T03:00:00Z \(received "<aws.scheduler.scheduled-time>"\)/,
    ],
    [
      'an impossible date',
      tick({ scheduledTime: '2026-13-45T03:00:00Z' }),
      /scheduledTime: expected a real date/,
    ],
    [
      'a schedule name with forbidden characters',
      tick({ schedule: 'poller hourly:1' }),
      /schedule: expected 1-48 letters, digits, ".", "_" or "-" \(received "poller hourly:1"\)/,
    ],
    ['a request that is not an object', tick({ request: 'poller' }), /request: .*received "poller"/],
    ['an unknown field', { ...tick(), executionId: 'd32c5kddcf5bb8c3' }, /executionId/],
  ])('rejects %s with a clear error and calls nothing', async (_what, event, message) => {
    const failure = handler(event);
    await expect(failure).rejects.toMatchObject({ name: 'InvalidScheduleTick' });
    await expect(failure).rejects.toThrow(message);
    expect(sfn.calls()).toHaveLength(0);
  });

  it('names every bad field at once', () => {
    expect(() => parseTickEvent({ schedule: '', scheduledTime: 'now', request: [] })).toThrow(
      /schedule: .*; scheduledTime: .*; request: /,
    );
  });
});

describe('start-execution configuration', () => {
  it('fails at load naming a missing STATE_MACHINE_ARN', async () => {
    vi.resetModules();
    vi.stubEnv('STATE_MACHINE_ARN', '');
    await expect(import(STARTER_MODULE)).rejects.toThrow(/STATE_MACHINE_ARN/);
    vi.stubEnv('STATE_MACHINE_ARN', STATE_MACHINE_ARN);
  });
});
