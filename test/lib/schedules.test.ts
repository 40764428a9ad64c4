import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { type ScheduleConfig, Schedules, type SchedulesProps } from '../../lib/schedules';

const POLLER_REQUEST = {
  jobName: 'poller',
  jobDefinition: 'poller',
  jobQueue: 'poller-queue',
  deadlineSeconds: 3000,
};

function build(schedules: ScheduleConfig[], props: Partial<SchedulesProps> = {}, bundle = false) {
  const app = new App(bundle ? {} : { context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'T', { env: { account: '123456789012', region: 'eu-west-1' } });
  const stateMachine = new sfn.StateMachine(stack, 'Runner', {
    definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Noop')),
  });
  Validations.of(stateMachine).acknowledge(
    {
      id: 'AwsSolutions-SF1',
      reason: 'Test fixture: a Pass-only state machine standing in for the job runner.',
    },
    {
      id: 'AwsSolutions-SF2',
      reason: 'Test fixture: a Pass-only state machine standing in for the job runner.',
    },
  );
  const construct = new Schedules(stack, 'Schedules', { envName: 'dev', stateMachine, schedules, ...props });
  return { app, stack, construct, template: Template.fromStack(stack) };
}

const hourlyPoller: ScheduleConfig = { name: 'poller', expression: 'rate(1 hour)', request: POLLER_REQUEST };

/** The parsed Target.Input of the schedule named `name`. */
function scheduleInput(template: Template, name: string): unknown {
  const [schedule] = Object.values(
    template.findResources('AWS::Scheduler::Schedule', { Properties: { Name: name } }),
  );
  return JSON.parse(schedule?.Properties.Target.Input as string);
}

type Statement = { Action: string | string[]; Effect: string; Resource: unknown };

/** Every statement of the policies attached to the role whose logical id matches `role`. */
function policyStatements(template: Template, role: RegExp): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => role.test(r.Ref)))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[])
    .map(({ Action, Effect, Resource }) => ({ Action, Effect, Resource }));
}

describe('Schedules', () => {
  const { template } = build([
    hourlyPoller,
    {
      name: 'nightly-report',
      expression: 'cron(30 2 * * ? *)',
      timezone: 'Europe/Paris',
      flexibleWindowMinutes: 15,
      enabled: false,
      request: { jobName: 'report', jobDefinition: 'report:3', parameters: { day: 'yesterday' } },
    },
  ]);

  it('targets the shared starter function with the retry policy and dead-letter queue', () => {
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'dev-poller',
      ScheduleExpression: 'rate(1 hour)',
      ScheduleExpressionTimezone: 'UTC',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SchedulesStarterFunction'), 'Arn'] },
        RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SchedulesSchedulerRole'), 'Arn'] },
        DeadLetterConfig: {
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SchedulesDeadLetterQueue'), 'Arn'] },
        },
        RetryPolicy: { MaximumRetryAttempts: 5, MaximumEventAgeInSeconds: 3600 },
      }),
    });
    // Both schedules share the one starter.
    const arns = Object.values(template.findResources('AWS::Scheduler::Schedule')).map((s) =>
      JSON.stringify(s.Properties.Target.Arn),
    );
    expect(arns).toHaveLength(2);
    expect(new Set(arns).size).toBe(1);
  });

  it('sends the schedule name, the scheduled-time context attribute and the fixed job request', () => {
    expect(scheduleInput(template, 'dev-poller')).toEqual({
      schedule: 'poller',
      scheduledTime: '<aws.scheduler.scheduled-time>',
      request: POLLER_REQUEST,
    });
    expect(scheduleInput(template, 'dev-nightly-report')).toEqual({
      schedule: 'nightly-report',
      scheduledTime: '<aws.scheduler.scheduled-time>',
      request: { jobName: 'report', jobDefinition: 'report:3', parameters: { day: 'yesterday' } },
    });
    // Never the per-attempt id: a retried attempt may get a new one.
    expect(JSON.stringify(template.toJSON())).not.toContain('aws.scheduler.execution-id');
  });

  it('runs the starter on the newest Node.js runtime with tracing, JSON logs and its own log group', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: {
        LogFormat: 'JSON',
        LogGroup: { Ref: Match.stringLikeRegexp('^SchedulesStarterLogs') },
      },
      Environment: {
        Variables: Match.objectLike({
          STATE_MACHINE_ARN: { Ref: Match.stringLikeRegexp('^Runner') },
          POWERTOOLS_SERVICE_NAME: 'batch-orchestrator-schedules',
        }),
      },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('retries a failed start in Lambda and then dead-letters it to the same queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: Match.stringLikeRegexp('^SchedulesStarterFunction') },
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: {
        OnFailure: {
          Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SchedulesDeadLetterQueue'), 'Arn'] },
        },
      },
    });
  });

  it('runs hourly when the schedule gives no expression (SPEC: hourly by default)', () => {
    const { template: t } = build([{ name: 'default-rate', request: POLLER_REQUEST }]);
    t.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'dev-default-rate',
      ScheduleExpression: 'rate(1 hour)',
      State: 'ENABLED',
    });
  });

  it('applies time zone, flexible window and the disabled state', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'dev-nightly-report',
      ScheduleExpression: 'cron(30 2 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 },
      State: 'DISABLED',
    });
  });

  it('lets the Scheduler role only invoke the starter and write to its DLQ', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
          }),
        ],
      },
    });
    const statements = policyStatements(template, /^SchedulesSchedulerRole/);
    expect(statements).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        Effect: 'Allow',
        Resource: [
          { 'Fn::GetAtt': [expect.stringMatching(/^SchedulesStarterFunction/), 'Arn'] },
          {
            'Fn::Join': [
              '',
              [{ 'Fn::GetAtt': [expect.stringMatching(/^SchedulesStarterFunction/), 'Arn'] }, ':*'],
            ],
          },
        ],
      },
      {
        Action: 'sqs:SendMessage',
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^SchedulesDeadLetterQueue/), 'Arn'] },
      },
    ]);
  });

  it('lets the starter start only this state machine, besides its logs, traces and DLQ', () => {
    const statements = policyStatements(template, /^SchedulesStarterRole/);
    const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    expect(actions.filter((a) => a.startsWith('states:'))).toEqual(['states:StartExecution']);
    expect(statements.find((s) => s.Action === 'states:StartExecution')?.Resource).toEqual({
      Ref: expect.stringMatching(/^Runner/),
    });
    expect(new Set(actions)).toEqual(
      new Set([
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'states:StartExecution',
        'xray:PutTraceSegments',
        'xray:PutTelemetryRecords',
        'sqs:SendMessage',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
      ]),
    );
    for (const s of statements.filter((x) => x.Resource === '*')) {
      expect(s.Action).toEqual(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']);
    }
  });

  it('encrypts the DLQ and requires TLS', () => {
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('passes cdk-nag AwsSolutions', () => {
    const { app, stack } = build([hourlyPoller]);
    const report = new AwsSolutionsChecks(app).validateScope(stack);
    const findings = report.violations.flatMap((v) =>
      v.violatingResources.map((r) => `${v.ruleName} ${r.resourceLogicalId}`),
    );
    expect(findings).toEqual([]);
  });
});

describe('Schedules: validation at synth', () => {
  it('names the schedule and every bad field of an invalid job request', () => {
    expect(() =>
      build([
        {
          name: 'poller',
          expression: 'rate(1 hour)',
          request: { jobName: 'poller', jobDefiniton: 'poller', pollIntervalSeconds: '30' },
        },
      ]),
    ).toThrow(
      /^Schedules Schedules: schedule "poller" \(index 0\): invalid job request: (?=.*jobDefiniton: unknown field \(received "poller"\))(?=.*pollIntervalSeconds: expected an integer \(received "30"\))(?=.*jobDefinition: required unless jobId is given)/,
    );
  });

  it.each([
    [
      { ...hourlyPoller, expression: 'every hour' },
      /expression "every hour" must be rate\(...\), cron\(...\) or at\(...\)/,
    ],
    [{ ...hourlyPoller, timezone: 'Mars/Olympus' }, /timezone "Mars\/Olympus" is not an IANA time zone/],
    [
      { ...hourlyPoller, flexibleWindowMinutes: -1 },
      /flexibleWindowMinutes must be an integer 0..1440, received -1/,
    ],
    [{ ...hourlyPoller, flexibleWindowMinutes: 1441 }, /received 1441/],
    [{ ...hourlyPoller, name: 'has space' }, /name must be 1-48 letters, digits/],
  ] as [ScheduleConfig, RegExp][])('rejects %o', (config, message) => {
    expect(() => build([config])).toThrow(message);
  });

  it('rejects duplicate names', () => {
    expect(() => build([hourlyPoller, hourlyPoller])).toThrow(
      /"poller" \(index 1\): duplicate schedule name/,
    );
  });

  it('rejects retryAttempts outside 0..185', () => {
    expect(() => build([hourlyPoller], { retryAttempts: 186 })).toThrow(
      /retryAttempts must be an integer 0..185, received 186/,
    );
  });

  it('treats a flexible window of 0 as on time and accepts a 48-character name', () => {
    const longName = 'a.very-long_schedule.name-that-goes-on-and-on-x';
    const { template } = build([{ ...hourlyPoller, name: longName, flexibleWindowMinutes: 0 }], {
      envName: 'p',
    });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: `p-${longName}`,
      FlexibleTimeWindow: { Mode: 'OFF' },
    });
    expect(scheduleInput(template, `p-${longName}`)).toMatchObject({ schedule: longName });
  });

  it('rejects a maxEventAge beyond what Lambda keeps an asynchronous event', () => {
    expect(() => build([hourlyPoller], { maxEventAge: Duration.hours(7) })).toThrow(
      /maxEventAge must be 60 seconds to 6 hours .*received 25200 seconds/,
    );
  });

  it('creates nothing for an empty list: no schedule, starter, role or queue', () => {
    const { template, construct } = build([]);
    template.resourceCountIs('AWS::Scheduler::Schedule', 0);
    template.resourceCountIs('AWS::Lambda::Function', 0);
    template.resourceCountIs('AWS::SQS::Queue', 0);
    expect(Object.keys(template.findResources('AWS::IAM::Role'))).toEqual([
      expect.stringMatching(/^RunnerRole/),
    ]);
    expect(construct.starter).toBeUndefined();
  });
});

describe('Schedules: bundling', () => {
  it('bundles the starter with the local esbuild, the SDK left to the runtime', () => {
    const { app } = build([hourlyPoller], {}, true);
    const assembly = app.synth();
    const template = assembly.getStackByName('T').template as {
      Resources: Record<string, { Type: string; Properties: { Code?: { S3Key?: string } } }>;
    };
    const fn = Object.values(template.Resources).find((r) => r.Type === 'AWS::Lambda::Function');
    const hash = fn?.Properties.Code?.S3Key?.replace(/\.zip$/, '');
    const bundle = readFileSync(join(assembly.directory, `asset.${hash}`, 'index.js'), 'utf8');
    expect(bundle).toContain('ExecutionAlreadyExists');
    expect(bundle).toContain('STATE_MACHINE_ARN');
    expect(bundle).toMatch(/require\("@aws-sdk\/client-sfn"\)/);
  }, 120_000);
});
