import aslValidator from 'asl-validator';
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as batch from 'aws-cdk-lib/aws-batch';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { createJobRunnerTestStack, synthesizeJobRunnerAsl } from '../../bench/job-runner-asl';
import { JobRunner } from '../../lib/job-runner';

let template: Template;
let stack: Stack;

beforeAll(() => {
  const built = createJobRunnerTestStack();
  stack = built.stack;
  template = Template.fromStack(stack);
});

/** Renders `Fn::Join` / `Ref AWS::Partition` so ARNs can be compared as strings. */
function flat(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(flat);
  if (typeof value !== 'object' || value === null) return value;
  const v = value as Record<string, unknown>;
  if ('Fn::Join' in v) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => String(flat(p))).join(sep);
  }
  if (v.Ref === 'AWS::Partition') return 'aws';
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, flat(x)]));
}

/** The policy document of the role whose logical id starts with `prefix`. */
function policyOf(rolePrefix: string): { Statement: Record<string, unknown>[] } {
  const policies = template.findResources('AWS::IAM::Policy');
  const entry = Object.values(policies).find((p) =>
    (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref.startsWith(rolePrefix)),
  );
  if (entry === undefined) throw new Error(`no policy for ${rolePrefix}`);
  return flat(entry.Properties.PolicyDocument) as { Statement: Record<string, unknown>[] };
}

function actionsOf(rolePrefix: string): string[] {
  return policyOf(rolePrefix)
    .Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]))
    .map(String)
    .sort();
}

describe('JobRunner: functions', () => {
  it('creates six Node.js 24 functions with tracing and JSON logs', () => {
    template.resourceCountIs('AWS::Lambda::Function', 6);
    template.allResourcesProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: Match.objectLike({ LogFormat: 'JSON' }),
    });
  });

  it('gives Submit and the reaper the default queue', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          DEFAULT_JOB_QUEUE: 'arn:aws:batch:eu-west-1:123456789012:job-queue/dev-default',
        }),
      },
      Description: Match.stringLikeRegexp('exactly once'),
    });
  });
});

describe('JobRunner: least privilege', () => {
  it('lets Submit submit only to the app queues and definitions (any revision) and tag only on create', () => {
    const statements = policyOf('JobRunnerSubmitRole').Statement;
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Action: 'batch:SubmitJob',
          Resource: expect.arrayContaining([
            'arn:aws:batch:eu-west-1:123456789012:job-queue/dev-default',
            'arn:aws:batch:eu-west-1:123456789012:job-queue/dev-spot',
            'arn:aws:batch:eu-west-1:123456789012:job-definition/dev-poller',
            'arn:aws:batch:eu-west-1:123456789012:job-definition/dev-poller:*',
            'arn:aws:batch:eu-west-1:123456789012:job-definition/dev-processor:*',
          ]),
        }),
        expect.objectContaining({
          Action: 'batch:TagResource',
          Resource: 'arn:aws:batch:eu-west-1:123456789012:job/*',
          Condition: { Null: { 'aws:RequestTag/batch-orchestrator:execution': 'false' } },
        }),
      ]),
    );
    expect(actionsOf('JobRunnerSubmitRole')).toEqual(
      [
        'batch:DescribeJobs',
        'batch:ListJobs',
        'batch:SubmitJob',
        'batch:TagResource',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
  });

  it.each([
    ['JobRunnerDescribeRole', ['batch:DescribeJobs']],
    ['JobRunnerTerminateRole', ['batch:TerminateJob']],
    ['JobRunnerValidateRole', []],
    ['JobRunnerClassifyRole', []],
    [
      'JobRunnerReaperRole',
      [
        'batch:DescribeJobs',
        'batch:ListJobs',
        'batch:TerminateJob',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:SendMessage',
      ],
    ],
  ])('gives %s only %j besides logs and tracing', (role, batchActions) => {
    const actions = actionsOf(role).filter((a) => !a.startsWith('logs:') && !a.startsWith('xray:'));
    expect(actions).toEqual([...batchActions].sort());
  });

  it('lets Terminate and the reaper terminate only jobs carrying the execution tag', () => {
    const terminate = policyOf('JobRunnerTerminateRole').Statement.find(
      (s) => s.Action === 'batch:TerminateJob',
    );
    expect(terminate?.Condition).toEqual({
      Null: { 'aws:ResourceTag/batch-orchestrator:execution': 'false' },
    });
    const reaper = policyOf('JobRunnerReaperRole').Statement.find((s) => s.Action === 'batch:TerminateJob');
    expect(JSON.stringify(reaper?.Condition)).toContain('aws:ResourceTag/batch-orchestrator:execution');
    expect(JSON.stringify(reaper?.Condition)).toContain(':execution:');
  });

  it('uses no managed policies', () => {
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('JobRunner: state machine', () => {
  it('logs ALL with execution data and traces with X-Ray', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }),
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('exports the state machine ARN and name under the names the CLI looks for', () => {
    template.hasOutput('JobRunnerStateMachineArn', {
      Value: { Ref: Match.stringLikeRegexp('JobRunnerStateMachine') },
    });
    template.hasOutput('JobRunnerStateMachineName', Match.anyValue());
  });

  it('triggers the reaper on aborted, timed-out and failed executions of this state machine only', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: {
          status: ['ABORTED', 'TIMED_OUT', 'FAILED'],
          stateMachineArn: [{ Ref: Match.stringLikeRegexp('JobRunnerStateMachine') }],
        },
      },
      Targets: [Match.objectLike({ DeadLetterConfig: Match.anyValue(), RetryPolicy: Match.anyValue() })],
    });
  });
});

describe('JobRunner: ASL', () => {
  const asl = synthesizeJobRunnerAsl() as { States: Record<string, Record<string, unknown>> };

  it('is valid ASL (asl-validator)', () => {
    const result = aslValidator(structuredClone(asl));
    expect(result.errorsText()).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('waits on the delay Describe computed', () => {
    expect(asl.States.WaitForNextCheck).toEqual({
      Type: 'Wait',
      Comment: expect.any(String),
      SecondsPath: '$.check.poll.delaySeconds',
      Next: 'Describe',
    });
  });

  it('retries Lambda service errors and Batch throttling / 5xx with backoff, jitter and a cap, never client errors', () => {
    const describe = asl.States.Describe as {
      Retry: Record<string, unknown>[];
      Catch: Record<string, unknown>[];
    };
    expect(describe.Retry).toEqual([
      {
        ErrorEquals: [
          'Lambda.ServiceException',
          'Lambda.AWSLambdaException',
          'Lambda.SdkClientException',
          'Lambda.TooManyRequestsException',
          'Lambda.ClientExecutionTimeoutException',
        ],
        IntervalSeconds: 1,
        MaxAttempts: 6,
        BackoffRate: 2,
        MaxDelaySeconds: 30,
        JitterStrategy: 'FULL',
      },
      {
        ErrorEquals: [
          'TooManyRequestsException',
          'ThrottlingException',
          'ServerException',
          'BatchUnavailable',
        ],
        IntervalSeconds: 2,
        MaxAttempts: 6,
        BackoffRate: 2,
        MaxDelaySeconds: 60,
        JitterStrategy: 'FULL',
      },
      {
        // A crash or timeout of the function: the idempotent Batch steps simply run again.
        ErrorEquals: ['Sandbox.Timedout', 'Runtime.ExitError', 'Runtime.Unknown', 'Lambda.Unknown'],
        IntervalSeconds: 5,
        MaxAttempts: 2,
        BackoffRate: 2,
      },
    ]);
    expect(describe.Retry.flatMap((r) => r.ErrorEquals as string[])).not.toContain('ClientException');
    expect(describe.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.caught', Next: 'ClassifyError' },
    ]);
  });

  it('catches every error of every Task', () => {
    for (const [name, state] of Object.entries(asl.States)) {
      if (state.Type !== 'Task') continue;
      expect(state.Catch, name).toEqual([expect.objectContaining({ ErrorEquals: ['States.ALL'] })]);
    }
  });

  it('describes with one small payload', () => {
    expect(asl.States.Describe?.Parameters).toEqual({
      'run.$': '$.run',
      'job.$': '$.job',
      'poll.$': '$.check.poll',
    });
    expect(asl.States.Describe?.ResultPath).toBe('$.check');
  });

  it('ends in the SPEC output or a Fail state reading the contract error and cause', () => {
    expect(asl.States.Succeeded).toEqual({ Type: 'Succeed', OutputPath: '$.check.output' });
    expect(asl.States.Failed).toEqual({ Type: 'Fail', ErrorPath: '$.error', CausePath: '$.cause' });
  });
});

describe('JobRunner: validation', () => {
  const imported = (s: Stack) => ({
    q: batch.JobQueue.fromJobQueueArn(s, 'Q', 'arn:aws:batch:eu-west-1:123456789012:job-queue/q'),
    other: batch.JobQueue.fromJobQueueArn(s, 'O', 'arn:aws:batch:eu-west-1:123456789012:job-queue/o'),
    d: batch.EcsJobDefinition.fromJobDefinitionArn(
      s,
      'D',
      'arn:aws:batch:eu-west-1:123456789012:job-definition/d',
    ),
  });

  it('rejects a default queue that is not one of the queues', () => {
    const s = new Stack();
    const { q, other, d } = imported(s);
    expect(
      () =>
        new JobRunner(s, 'Runner', {
          envName: 't',
          jobQueues: { q },
          jobDefinitions: { d },
          defaultJobQueue: other,
        }),
    ).toThrow(/JobRunner Runner: defaultJobQueue must be one of jobQueues \(q\)/);
  });

  it('rejects an empty set of job definitions', () => {
    const s = new Stack();
    const { q } = imported(s);
    expect(
      () =>
        new JobRunner(s, 'Runner', {
          envName: 't',
          jobQueues: { q },
          jobDefinitions: {},
          defaultJobQueue: q,
        }),
    ).toThrow(/jobDefinitions is empty/);
  });

  it.each([
    [{ pollIntervalSeconds: 4 }, /requestDefaults.pollIntervalSeconds must be an integer in 5..3600, got 4/],
    [{ deadlineSeconds: 31_449_601 }, /requestDefaults.deadlineSeconds must be an integer in 60..31449600/],
    [
      { pollIntervalSeconds: 60, maxPollIntervalSeconds: 30 },
      /maxPollIntervalSeconds \(30\) must be >= pollIntervalSeconds \(60\)/,
    ],
  ])('rejects request defaults %j', (requestDefaults, message) => {
    expect(() => createJobRunnerTestStack({ props: { requestDefaults } })).toThrow(message);
  });

  it('passes request defaults to Validate', () => {
    const { stack: s } = createJobRunnerTestStack({
      props: { requestDefaults: { pollIntervalSeconds: 60, deadlineSeconds: 7200 } },
    });
    Template.fromStack(s).hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          DEFAULT_POLL_INTERVAL_SECONDS: '60',
          DEFAULT_DEADLINE_SECONDS: '7200',
        }),
      },
    });
  });
});

describe('JobRunner: cdk-nag', () => {
  it('passes AwsSolutions with every finding acknowledged by a reason', () => {
    const report = new AwsSolutionsChecks(stack.node.scope as never).validateScope(stack);
    const open = report.violations.flatMap((v) =>
      v.violatingResources.map((r) => `${v.ruleName} ${r.resourceLogicalId} ${r.locations.join(',')}`),
    );
    expect(open).toEqual([]);
  });
});

describe('JobRunner: bundling', () => {
  it('bundles every handler with the local esbuild', () => {
    const { stack: s } = createJobRunnerTestStack({ bundle: true });
    const functions = Template.fromStack(s).findResources('AWS::Lambda::Function');
    expect(Object.keys(functions)).toHaveLength(6);
    for (const fn of Object.values(functions)) {
      expect(fn.Properties.Code.S3Key).toMatch(/\.zip$/);
    }
  }, 120_000);
});

describe('JobRunner: events mode', () => {
  const built = createJobRunnerTestStack({ props: { completion: 'events' } });
  const events = Template.fromStack(built.stack);
  const asl = synthesizeJobRunnerAsl({ completion: 'events' }) as {
    States: Record<string, Record<string, unknown>>;
  };
  const policies = () =>
    Object.values(events.findResources('AWS::IAM::Policy')).map((p) => ({
      roles: (p.Properties.Roles as { Ref: string }[]).map((r) => r.Ref),
      statements: (flat(p.Properties.PolicyDocument) as { Statement: Record<string, unknown>[] }).Statement,
    }));
  const statementsOf = (rolePrefix: string) =>
    policies()
      .filter((p) => p.roles.some((r) => r.startsWith(rolePrefix)))
      .flatMap((p) => p.statements);

  it('replaces Describe by Await and adds Wake', () => {
    events.resourceCountIs('AWS::Lambda::Function', 7);
    events.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('Registers an event wait'),
      Environment: {
        Variables: Match.objectLike({ WAIT_TABLE_NAME: { Ref: Match.stringLikeRegexp('WaitTable') } }),
      },
    });
    expect(asl.States.Describe).toBeUndefined();
    expect(asl.States.WaitForNextCheck).toBeUndefined();
  });

  it('creates an on-demand wait table keyed by job id with TTL', () => {
    events.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'jobId', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it("sends only the terminal events of the app's queues, array children excluded, to Wake", () => {
    events.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.batch'],
        'detail-type': ['Batch Job State Change'],
        detail: {
          status: ['SUCCEEDED', 'FAILED'],
          jobQueue: [
            'arn:aws:batch:eu-west-1:123456789012:job-queue/dev-default',
            'arn:aws:batch:eu-west-1:123456789012:job-queue/dev-spot',
          ],
          arrayProperties: { index: [{ exists: false }] },
        },
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('JobRunnerWakeFunction'), 'Arn'] },
          RetryPolicy: Match.anyValue(),
        }),
      ],
    });
  });

  it('waits with one callback task whose timeout loops back to itself', () => {
    expect(asl.States.WaitForCompletion).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      TimeoutSecondsPath: '$.check.poll.delaySeconds',
      ResultPath: '$.check',
      Next: 'RouteOnStatus',
      Parameters: {
        FunctionName: expect.stringContaining('JobRunnerAwaitFunction'),
        Payload: {
          'taskToken.$': '$$.Task.Token',
          'run.$': '$.run',
          'job.$': '$.job',
          'poll.$': '$.check.poll',
        },
      },
      Catch: [
        { ErrorEquals: ['States.Timeout'], ResultPath: null, Next: 'WaitForCompletion' },
        { ErrorEquals: ['States.ALL'], ResultPath: '$.caught', Next: 'ClassifyError' },
      ],
    });
    expect((asl.States.RouteOnStatus as { Default: string }).Default).toBe('WaitForCompletion');
    expect(asl.States.Validate?.Parameters).toMatchObject({
      completion: { mode: 'events', fallbackSeconds: 3600 },
    });
    expect(aslValidator(structuredClone(asl)).isValid).toBe(true);
  });

  it('lets Await and Wake only update their table and complete waits of this state machine', () => {
    const awaitStatements = statementsOf('JobRunnerAwaitRole');
    const wakeStatements = statementsOf('JobRunnerWakeRole');
    const table = { 'Fn::GetAtt': [expect.stringMatching(/^JobRunnerWaitTable/), 'Arn'] };
    const sendTaskSuccess = {
      Action: 'states:SendTaskSuccess',
      Effect: 'Allow',
      Resource: { Ref: expect.stringMatching(/^JobRunnerStateMachine/) },
      Sid: 'CompleteWaitsOfThisStateMachine',
    };
    for (const statements of [awaitStatements, wakeStatements]) {
      expect(statements).toContainEqual(
        expect.objectContaining({ Action: 'dynamodb:UpdateItem', Resource: table }),
      );
      expect(statements).toContainEqual(sendTaskSuccess);
    }
    const actions = (statements: Record<string, unknown>[]) =>
      [...new Set(statements.flatMap((s) => [s.Action].flat().map(String)))]
        .filter((a) => !a.startsWith('logs:') && !a.startsWith('xray:'))
        .sort();
    expect(actions(awaitStatements)).toEqual([
      'batch:DescribeJobs',
      'dynamodb:UpdateItem',
      'states:SendTaskSuccess',
    ]);
    expect(actions(wakeStatements)).toEqual(['dynamodb:UpdateItem', 'states:SendTaskSuccess']);
  });

  it('passes cdk-nag AwsSolutions with every finding acknowledged by a reason', () => {
    const report = new AwsSolutionsChecks(built.stack.node.scope as never).validateScope(built.stack);
    const open = report.violations.flatMap((v) =>
      v.violatingResources.map((r) => `${v.ruleName} ${r.resourceLogicalId} ${r.locations.join(',')}`),
    );
    expect(open).toEqual([]);
  });

  it.each([
    [{ eventFallbackSeconds: 30 }, /eventFallbackSeconds must be an integer in 60..86400, got 30/],
    [{ completion: 'callback' as never }, /completion must be 'poll' or 'events', got callback/],
  ])('rejects %j', (props, message) => {
    expect(() => createJobRunnerTestStack({ props })).toThrow(message);
  });
});
