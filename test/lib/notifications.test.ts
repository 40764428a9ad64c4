import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { Notifications, type NotificationsProps } from '../../lib/notifications';

const QUEUE_ARNS = [
  'arn:aws:batch:eu-west-1:123456789012:job-queue/processor-spot',
  'arn:aws:batch:eu-west-1:123456789012:job-queue/poller-queue',
];

function build(props: Partial<NotificationsProps> = {}, bundle = false) {
  const app = new App({ context: bundle ? {} : { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'T', { env: { account: '123456789012', region: 'eu-west-1' } });
  const stateMachine = new sfn.StateMachine(stack, 'Runner', {
    definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Noop')),
  });
  const notifications = new Notifications(stack, 'Notifications', {
    envName: 'dev',
    jobQueues: QUEUE_ARNS.map((arn, i) => batch.JobQueue.fromJobQueueArn(stack, `Q${i}`, arn)),
    stateMachine,
    logGroupsByJobDefinition: { processor: '/batch/dev/processor' },
    ...props,
  });
  return { app, stack, notifications, template: Template.fromStack(stack) };
}

/** cdk-nag acknowledgements for the test stack's own Pass-only state machine (not part of the construct). */
function acknowledgeTestStateMachine(stack: Stack) {
  const runner = stack.node.findChild('Runner');
  Validations.of(runner).acknowledge(
    {
      id: 'AwsSolutions-SF1',
      reason: 'Test fixture: a Pass-only state machine standing in for the job runner.',
    },
    {
      id: 'AwsSolutions-SF2',
      reason: 'Test fixture: a Pass-only state machine standing in for the job runner.',
    },
  );
}

describe('Notifications: EventBridge rules', () => {
  const { template, stack } = build();

  it("filters Batch job state changes to the app's queues and the default statuses, parents only", () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.batch'],
        'detail-type': ['Batch Job State Change'],
        detail: {
          jobQueue: QUEUE_ARNS,
          status: ['FAILED', 'SUCCEEDED'],
          arrayProperties: { index: [{ exists: false }] },
        },
      },
      State: 'ENABLED',
    });
  });

  it('notifies job-runner executions that fail, time out or are aborted', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: {
          stateMachineArn: [{ Ref: Match.stringLikeRegexp('Runner') }],
          status: ['FAILED', 'TIMED_OUT', 'ABORTED'],
        },
      },
    });
  });

  it('targets the topic with retries and the dead-letter queue', () => {
    const dlq = stack.resolve(build().notifications.deadLetterQueue.queueArn);
    expect(dlq).toBeDefined();
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [
        Match.objectLike({
          Arn: { Ref: Match.stringLikeRegexp('NotificationsTopic') },
          DeadLetterConfig: {
            Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('NotificationsDeadLetterQueue'), 'Arn'] },
          },
          RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 86400 },
        }),
      ],
    });
  });

  it('uses the configured statuses and can include array children', () => {
    const { template: t } = build({
      statuses: ['FAILED'],
      notifyArrayChildren: true,
      stateMachine: undefined,
    });
    t.resourceCountIs('AWS::Events::Rule', 1);
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { detail: { jobQueue: QUEUE_ARNS, status: ['FAILED'], arrayProperties: Match.absent() } },
    });
    // The notifier guards with the same list, should an event with another status reach it.
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ NOTIFY_STATUSES: 'FAILED' }) },
    });
  });
});

describe('Notifications: topic, key and dead-letter queue', () => {
  const { template } = build();

  it('encrypts the topic with a rotating customer managed key', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('NotificationsKey'), 'Arn'] },
    });
  });

  it('denies non-TLS access to the topic and lets EventBridge publish', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sns:Publish',
            Principal: { Service: 'events.amazonaws.com' },
          }),
        ]),
      },
    });
  });

  it('lets EventBridge and SNS use the key', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'sns.amazonaws.com' },
            Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
            Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
          }),
          Match.objectLike({
            Principal: { Service: 'events.amazonaws.com' },
            Action: Match.arrayWith(['kms:Decrypt']),
          }),
        ]),
      },
    });
  });

  it('encrypts the dead-letter queue and requires TLS', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('NotificationsKey'), 'Arn'] },
      MessageRetentionPeriod: 1209600,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sqs:SendMessage',
            Principal: { Service: 'sns.amazonaws.com' },
          }),
        ]),
      },
    });
  });

  it('subscribes the notifier with a dead-letter queue on the subscription', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      Endpoint: { 'Fn::GetAtt': [Match.stringLikeRegexp('NotificationsSlackNotifier'), 'Arn'] },
      RedrivePolicy: {
        deadLetterTargetArn: {
          'Fn::GetAtt': [Match.stringLikeRegexp('NotificationsDeadLetterQueue'), 'Arn'],
        },
      },
    });
  });

  it('feeds the notifier from a replay queue that redrives to the dead-letter queue', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 600,
      RedrivePolicy: {
        deadLetterTargetArn: {
          'Fn::GetAtt': [Match.stringLikeRegexp('NotificationsDeadLetterQueue'), 'Arn'],
        },
        maxReceiveCount: 3,
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('NotificationsReplayQueue'), 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 5,
    });
    template.hasOutput('NotificationsDeadLetterQueueArn', {
      Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('NotificationsDeadLetterQueue'), 'Arn'] },
    });
    template.hasOutput('NotificationsReplayQueueArn', {
      Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('NotificationsReplayQueue'), 'Arn'] },
    });
  });

  it('outputs the dead-letter queue URL and the topic ARN under stable names', () => {
    template.hasOutput('NotificationsDeadLetterQueueUrl', {
      Value: { Ref: Match.stringLikeRegexp('NotificationsDeadLetterQueue') },
    });
    template.hasOutput('NotificationsTopicArn', {
      Value: { Ref: Match.stringLikeRegexp('NotificationsTopic') },
    });
  });
});

describe('Notifications: the notifier', () => {
  const { template } = build();

  it('runs on the newest Node runtime with retries and an on-failure destination to the DLQ', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Handler: 'index.handler',
      Environment: {
        Variables: Match.objectLike({
          ENV_NAME: 'dev',
          SECRET_ID: { Ref: Match.stringLikeRegexp('NotificationsWebhookSecret') },
          LOG_GROUPS_BY_JOB_DEFINITION: '{"processor":"/batch/dev/processor"}',
          IDEMPOTENCY_TABLE_NAME: { Ref: Match.stringLikeRegexp('NotificationsDedupeTable') },
          NOTIFY_STATUSES: 'FAILED,SUCCEEDED',
        }),
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 21600,
      DestinationConfig: {
        OnFailure: {
          Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('NotificationsDeadLetterQueue'), 'Arn'] },
        },
      },
    });
  });

  it('keeps the webhook URL out of the template: the created secret holds only a placeholder', () => {
    const json = JSON.stringify(template.toJSON());
    expect(json).not.toMatch(/hooks\.slack\.com\/services\/T/);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      SecretString: Match.stringLikeRegexp('^SET-ME'),
    });
    template.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Retain' });
  });

  it('lets the notifier read only its secret, use only its table and send only to its DLQ', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('NotificationsDedupeTable'), 'Arn'] },
          }),
          Match.objectLike({
            Action: Match.arrayWith(['sqs:SendMessage']),
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('NotificationsDeadLetterQueue'), 'Arn'] },
          }),
          Match.objectLike({
            Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
            Resource: { Ref: Match.stringLikeRegexp('NotificationsWebhookSecret') },
          }),
        ]),
      },
    });
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
  });

  it('deduplicates events in an on-demand table with a TTL', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
    });
  });

  it('imports an existing secret by name and passes its name, not a value', () => {
    const { template: t, app, stack } = build({ webhookSecretName: 'dev/slack-webhook' });
    acknowledgeTestStateMachine(stack);
    const report = new AwsSolutionsChecks(app).validateScope(stack);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
    t.resourceCountIs('AWS::SecretsManager::Secret', 0);
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SECRET_ID: 'dev/slack-webhook' }) },
    });
  });
});

describe('Notifications: validation', () => {
  it.each([
    [{ jobQueues: [] }, /Notifications Notifications: jobQueues must name at least one queue/],
    [{ statuses: [] }, /statuses must not be empty/],
    [{ statuses: ['FAILED', 'DONE'] }, /unknown status\(es\) "DONE"; allowed: SUBMITTED/],
    [{ envName: ' ' }, /envName must not be empty/],
    [
      { webhookSecretName: 'https://hooks.slack.com/services/T/B/x' },
      /webhookSecretName .* is not a valid secret name/,
    ],
  ] as [Partial<NotificationsProps>, RegExp][])('rejects %o', (props, message) => {
    expect(() => build(props)).toThrow(message);
  });
});

describe('Notifications: cdk-nag', () => {
  it('passes AwsSolutions; every acknowledgement is by exact id with a reason', () => {
    const { stack, app } = build();
    acknowledgeTestStateMachine(stack);
    const report = new AwsSolutionsChecks(app).validateScope(stack);
    const findings = report.violations.flatMap((v) =>
      v.violatingResources.map((r) => `${v.ruleName} ${r.resourceLogicalId} ${v.description.slice(0, 80)}`),
    );
    expect(findings).toEqual([]);
    expect(report.success).toBe(true);
  });
});

describe('Notifications: bundling', () => {
  it('bundles the notifier with the local esbuild', () => {
    const { app } = build({}, true);
    const assembly = app.synth();
    const template = assembly.getStackByName('T').template as {
      Resources: Record<string, { Type: string; Properties: { Code?: { S3Key?: string } } }>;
    };
    const fn = Object.values(template.Resources).find(
      (r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Code?.S3Key !== undefined,
    );
    const hash = fn?.Properties.Code?.S3Key?.replace(/\.zip$/, '');
    const bundle = readFileSync(join(assembly.directory, `asset.${hash}`, 'index.js'), 'utf8');
    // The handler, the shared classifier and the SDK clients are in the one file; no Slack URL is.
    expect(bundle).toContain('SpotInterrupted');
    expect(bundle).toContain('GetSecretValueCommand');
    expect(bundle).not.toMatch(/hooks\.slack\.com\/services\/T/);
    expect(bundle.length).toBeGreaterThan(100_000);
  }, 120_000);
});
