import { describe, expect, it } from 'vitest';
import { type Command, flagForPath, parseCommandLine, parseDurationSeconds } from '../../cli/src/parse';

const ok = (argv: string[]): Command => {
  const result = parseCommandLine(argv);
  if (!result.ok) throw new Error(`expected ${argv.join(' ')} to parse: ${result.error.message}`);
  return result.command;
};

const fail = (argv: string[]): string => {
  const result = parseCommandLine(argv);
  if (result.ok) throw new Error(`expected ${argv.join(' ')} to be a usage error`);
  expect(result.error.name).toBe('UsageError');
  return result.error.message;
};

const ID = '8f2b6c1e-0000-4000-8000-000000000001';

describe('parseCommandLine: commands', () => {
  it.each<[string, string[], Partial<Command> & Record<string, unknown>]>([
    ['help flag', ['--help'], { kind: 'help' }],
    ['short help', ['-h'], { kind: 'help' }],
    ['help command', ['help'], { kind: 'help' }],
    ['help topic', ['help', 'submit'], { kind: 'help', topic: 'submit' }],
    ['help after a global option', ['--region', 'x', 'help', 'wait'], { kind: 'help', topic: 'wait' }],
    ['command help', ['status', '--help'], { kind: 'help', topic: 'status' }],
    ['version', ['--version'], { kind: 'version' }],
    ['status', ['status', ID], { kind: 'status', jobId: ID, full: false, exitCodes: 'default' }],
    ['status --full', ['status', ID, '--full'], { kind: 'status', full: true }],
    ['status kestra', ['status', ID, '--exit-codes', 'kestra'], { kind: 'status', exitCodes: 'kestra' }],
    ['status id after --', ['status', '--', ID], { kind: 'status', jobId: ID }],
    ['wait', ['wait', ID], { kind: 'wait', jobId: ID, timing: {}, full: false, terminateOnInterrupt: false }],
    [
      'wait timing',
      [
        'wait',
        ID,
        '--poll-interval',
        '10',
        '--max-poll-interval',
        '2m',
        '--deadline',
        '1h',
        '--terminate-on-interrupt',
      ],
      {
        kind: 'wait',
        timing: { pollIntervalSeconds: 10, maxPollIntervalSeconds: 120, deadlineSeconds: 3600 },
        terminateOnInterrupt: true,
      },
    ],
    [
      'terminate',
      ['terminate', ID, '--reason', 'no longer needed'],
      { kind: 'terminate', reason: 'no longer needed' },
    ],
    ['logs', ['logs', ID], { kind: 'logs', jobId: ID, follow: false }],
    ['logs --follow', ['logs', ID, '-f'], { kind: 'logs', follow: true }],
    ['list', ['list', '--queue', 'q'], { kind: 'list', queue: 'q', statuses: [] }],
    [
      'list statuses',
      ['list', '--queue', 'q', '--status', 'running,failed', '--status', 'RUNNING'],
      { kind: 'list', statuses: ['RUNNING', 'FAILED'] },
    ],
    ['list ALL', ['list', '--queue', 'q', '--status', 'all'], { kind: 'list', statuses: [] }],
    [
      'run defaults',
      ['run', '--job-name', 'a', '--job-definition', 'd'],
      { kind: 'run', environment: 'dev', wait: false },
    ],
    [
      'run env and state machine',
      [
        'run',
        '--env',
        'prod',
        '--state-machine',
        'runner',
        '--execution-name',
        'x1',
        '--wait',
        '--job-id',
        ID,
      ],
      { kind: 'run', environment: 'prod', stateMachine: 'runner', executionName: 'x1', wait: true },
    ],
    [
      'execution',
      ['execution', 'arn:aws:states:eu-west-1:1:execution:m:e'],
      { kind: 'execution', wait: false },
    ],
    ['execution --wait', ['execution', 'arn:x', '--wait'], { kind: 'execution', wait: true }],
  ])('%s', (_name, argv, expected) => {
    expect(ok(argv)).toMatchObject(expected);
  });
});

describe('parseCommandLine: global options', () => {
  it('accepts global options before and after the command', () => {
    const cmd = ok(['--region', 'eu-west-1', 'status', ID, '--profile', 'ops', '--json']);
    expect(cmd).toMatchObject({
      kind: 'status',
      global: { region: 'eu-west-1', profile: 'ops', json: true },
    });
  });

  it('does not take an option value for the command name', () => {
    expect(ok(['--region', 'help', 'status', ID])).toMatchObject({
      kind: 'status',
      global: { region: 'help' },
    });
  });

  it('reads every access and transport option', () => {
    const cmd = ok([
      'status',
      ID,
      '--role-arn',
      'arn:aws:iam::123456789012:role/ops',
      '--external-id',
      'ext',
      '--role-session-name',
      'me',
      '--role-duration-seconds',
      '3600',
      '--endpoint-url',
      'http://127.0.0.1:4566',
      '--proxy',
      'http://proxy:3128',
      '--proxy-user',
      'u',
      '--proxy-password',
      'p',
      '--ca-bundle',
      '/etc/ca.pem',
      '--max-attempts',
      '8',
      '--max-rps',
      '5',
    ]);
    expect(cmd).toMatchObject({
      global: {
        roleArn: 'arn:aws:iam::123456789012:role/ops',
        externalId: 'ext',
        roleSessionName: 'me',
        roleDurationSeconds: 3600,
        endpointUrl: 'http://127.0.0.1:4566',
        proxy: 'http://proxy:3128',
        proxyUser: 'u',
        proxyPassword: 'p',
        caBundle: '/etc/ca.pem',
        maxAttempts: 8,
        maxRequestsPerSecond: 5,
        json: false,
      },
    });
  });
});

describe('parseCommandLine: submit request flags', () => {
  it('maps every job-request flag to its field', () => {
    const cmd = ok([
      'submit',
      '--job-name',
      'nightly',
      '--job-definition',
      'etl:3',
      '--job-queue',
      'spot',
      '--parameter',
      'day=2024-01-01',
      '--parameter',
      'mode=full',
      '--command',
      '["python","run.py"]',
      '--env',
      'LOG_LEVEL=debug',
      '--env',
      'EMPTY=',
      '--vcpus',
      '2',
      '--memory',
      '4096',
      '--gpus',
      '1',
      '--instance-type',
      'g5.xlarge',
      '--array-size',
      '10',
      '--depends-on',
      'a1',
      '--depends-on',
      'b2:N_TO_N',
      '--attempts',
      '3',
      '--timeout',
      '1h',
      '--tag',
      'team=data',
      '--propagate-tags',
      '--share-identifier',
      'blue',
      '--scheduling-priority',
      '50',
      '--poll-interval',
      '15',
      '--max-poll-interval',
      '120',
      '--deadline',
      '7200',
      '--wait',
      '--full',
      '--terminate-on-interrupt',
    ]);
    expect(cmd).toEqual({
      kind: 'submit',
      global: { json: false },
      wait: true,
      full: true,
      terminateOnInterrupt: true,
      request: {
        fields: {
          jobName: 'nightly',
          jobDefinition: 'etl:3',
          jobQueue: 'spot',
          parameters: { day: '2024-01-01', mode: 'full' },
          containerOverrides: {
            command: ['python', 'run.py'],
            environment: [
              { name: 'LOG_LEVEL', value: 'debug' },
              { name: 'EMPTY', value: '' },
            ],
            resourceRequirements: [
              { type: 'VCPU', value: '2' },
              { type: 'MEMORY', value: '4096' },
              { type: 'GPU', value: '1' },
            ],
            instanceType: 'g5.xlarge',
          },
          arrayProperties: { size: 10 },
          dependsOn: [{ jobId: 'a1' }, { jobId: 'b2', type: 'N_TO_N' }],
          retryStrategy: { attempts: 3 },
          timeout: { attemptDurationSeconds: 3600 },
          tags: { team: 'data' },
          propagateTags: true,
          shareIdentifier: 'blue',
          schedulingPriorityOverride: 50,
          pollIntervalSeconds: 15,
          maxPollIntervalSeconds: 120,
          deadlineSeconds: 7200,
        },
      },
    });
  });

  it.each<[string, string[], string[]]>([
    ['repeated --command', ['--command', 'echo', '--command', 'hi there'], ['echo', 'hi there']],
    ['a command after --', ['--', 'sh', '-c', 'echo $X'], ['sh', '-c', 'echo $X']],
    ['a single plain --command', ['--command', 'true'], ['true']],
  ])('takes the container command as %s', (_name, argv, command) => {
    expect(ok(['submit', ...argv])).toMatchObject({
      request: { fields: { containerOverrides: { command } } },
    });
  });

  it('keeps --request as a path for the command to read', () => {
    expect(ok(['submit', '--request', 'job.json', '--job-name', 'x'])).toMatchObject({
      request: { file: 'job.json', fields: { jobName: 'x' } },
    });
  });

  it('leaves non-numeric integers to the schema (which reports the value received)', () => {
    expect(ok(['submit', '--attempts', 'three', '--array-size', '2.5'])).toMatchObject({
      request: { fields: { retryStrategy: { attempts: 'three' }, arrayProperties: { size: 2.5 } } },
    });
  });

  it('splits run --env into the environment name and container variables', () => {
    expect(ok(['run', '--env', 'staging', '--env', 'A=1'])).toMatchObject({
      environment: 'staging',
      request: { fields: { containerOverrides: { environment: [{ name: 'A', value: '1' }] } } },
    });
  });
});

describe('parseCommandLine: usage errors', () => {
  it.each<[string, string[], RegExp]>([
    ['no command', [], /Missing command/],
    ['unknown command', ['frobnicate'], /Unknown command "frobnicate"/],
    ['unknown help topic', ['help', 'nope'], /Unknown command "nope"/],
    ['unknown flag', ['status', ID, '--bogus'], /Unknown option '--bogus'/],
    ['flag of another command', ['status', ID, '--wait'], /Unknown option '--wait'/],
    ['missing value', ['status', ID, '--region'], /argument missing/],
    ['status without id', ['status'], /status needs JOB_ID/],
    ['status with an empty id', ['status', ''], /status needs JOB_ID/],
    ['wait with a blank id', ['wait', '  '], /wait needs JOB_ID/],
    ['execution with an empty ARN', ['execution', ''], /execution needs EXECUTION_ARN/],
    ['status with two ids', ['status', 'a', 'b'], /takes one JOB_ID/],
    [
      'bad exit-code table',
      ['status', ID, '--exit-codes', 'posix'],
      /--exit-codes expects "default" or "kestra"/,
    ],
    ['terminate without reason', ['terminate', ID], /--reason/],
    ['terminate with blank reason', ['terminate', ID, '--reason', ' '], /--reason/],
    ['list without queue', ['list'], /--queue/],
    ['list with bad status', ['list', '--queue', 'q', '--status', 'DONE'], /--status expects one of/],
    ['submit positional', ['submit', 'extra'], /no positional arguments/],
    ['--env without =', ['submit', '--env', 'FOO'], /--env expects NAME=VALUE/],
    ['--parameter without =', ['submit', '--parameter', 'x'], /--parameter expects KEY=VALUE/],
    ['--tag without key', ['submit', '--tag', '=v'], /--tag expects KEY=VALUE/],
    ['invalid --command JSON', ['submit', '--command', '["a",'], /--command: invalid JSON array/],
    ['--command JSON not strings', ['submit', '--command', '[1,2]'], /array of strings/],
    ['--command and --', ['submit', '--command', 'a', '--', 'b'], /either with --command or after "--"/],
    ['two run environments', ['run', '--env', 'dev', '--env', 'prod'], /one environment name/],
    ['role options without role', ['status', ID, '--external-id', 'x'], /need --role-arn/],
    [
      'max-attempts 0',
      ['status', ID, '--max-attempts', '0'],
      /--max-attempts expects an integer from 1 to 20/,
    ],
    [
      'role duration too short',
      ['status', ID, '--role-arn', 'a', '--role-duration-seconds', '60'],
      /900 to 43200/,
    ],
    ['endpoint not a URL', ['status', ID, '--endpoint-url', 'localhost:4566'], /--endpoint-url expects/],
    ['proxy not http(s)', ['status', ID, '--proxy', 'socks5://p:1080'], /--proxy expects an http/],
  ])('%s', (_name, argv, message) => {
    expect(fail(argv)).toMatch(message);
  });
});

describe('helpers', () => {
  it.each<[string, number | string]>([
    ['90', 90],
    ['15m', 900],
    ['2h', 7200],
    ['1d', 86_400],
    ['1.5h', '1.5h'],
    ['soon', 'soon'],
  ])('parseDurationSeconds(%s) = %s', (input, expected) => {
    expect(parseDurationSeconds(input)).toBe(expected);
  });

  it.each<[string, string | undefined]>([
    ['jobName', '--job-name'],
    ['containerOverrides.environment[0].name', '--env'],
    ['containerOverrides.command', '--command'],
    ['retryStrategy.attempts', '--attempts'],
    ['retryStrategy.evaluateOnExit[0].action', undefined],
    ['timeout.attemptDurationSeconds', '--timeout'],
    ['$', undefined],
  ])('flagForPath(%s) = %s', (path, flag) => {
    expect(flagForPath(path)).toBe(flag);
  });
});
