/**
 * Notifications: Batch job state changes (and failed job-runner executions)
 * -> EventBridge rule -> SNS topic -> Slack notifier Lambda -> Slack.
 *
 * The rule does the filtering (this app's queues, the configured statuses),
 * so the notifier is never invoked for a status nobody asked for. Nothing is
 * lost: the rule's target, the SNS subscription and the notifier's async
 * invocations all end in one encrypted dead-letter queue. Once Slack is back,
 * `scripts/replay-dlq.ts` moves its messages (SQS message move task) to the
 * replay queue, which the notifier consumes like the topic.
 */
import * as path from 'node:path';
import { CfnOutput, Duration, RemovalPolicy, SecretValue, Stack, Validations } from 'aws-cdk-lib';
import type * as batch from 'aws-cdk-lib/aws-batch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { NOTIFIED_EXECUTION_STATUSES } from '../lambda/notifications/slack-notifier/events';
import { JOB_STATUSES } from '../lambda/shared/job-status';
import { HANDLER_ARCHITECTURE, HANDLER_RUNTIME, handlerBundling, handlerRole } from './lambda-defaults';

/** Execution statuses of the job runner that are always notified (shared with the notifier's guard). */
export { NOTIFIED_EXECUTION_STATUSES };

/** Value the created webhook secret holds until an operator stores the real URL. */
export const WEBHOOK_PLACEHOLDER =
  'SET-ME: the Slack incoming-webhook URL (https://hooks.slack.com/services/...)';

const REPO_ROOT = path.join(__dirname, '..');

/** Properties of {@link Notifications}. */
export interface NotificationsProps {
  /** Config environment name shown in every message, e.g. `dev`. */
  readonly envName: string;
  /** The app's job queues; only their jobs are notified. At least one. */
  readonly jobQueues: readonly batch.IJobQueue[];
  /**
   * Batch job statuses to notify (the rule filters on them).
   * @default ['FAILED', 'SUCCEEDED']
   */
  readonly statuses?: readonly string[];
  /**
   * Also notify each child of an array job. Off by default: an array of 10,000
   * would post 10,000 messages; the parent's message carries the status summary.
   * @default false
   */
  readonly notifyArrayChildren?: boolean;
  /**
   * The job runner; its executions that fail, time out or are aborted are notified.
   * @default - no execution notifications
   */
  readonly stateMachine?: sfn.IStateMachine;
  /**
   * Name of an existing Secrets Manager secret whose value is the webhook URL.
   * @default - a secret is created holding a placeholder; store the URL in it after the first deploy
   */
  readonly webhookSecretName?: string;
  /** Job definition name -> the log group its containers write to (others use `/aws/batch/job`). */
  readonly logGroupsByJobDefinition: Readonly<Record<string, string>>;
  /**
   * How long the notifier may spend on one invocation, Slack retries included.
   * @default Duration.seconds(90)
   */
  readonly timeout?: Duration;
}

/** EventBridge rule -> KMS-encrypted SNS topic -> Slack notifier, with a dead-letter queue. */
export class Notifications extends Construct {
  /** The topic every notification goes through (also the replay target). */
  public readonly topic: sns.Topic;
  /** Where undeliverable notifications land. */
  public readonly deadLetterQueue: sqs.Queue;
  /** Dead letters moved back for another attempt; consumed by the notifier, redrives to the DLQ. */
  public readonly replayQueue: sqs.Queue;
  /** The Slack notifier. */
  public readonly notifier: nodejs.NodejsFunction;
  /** The secret holding the webhook URL. */
  public readonly webhookSecret: secretsmanager.ISecret;
  /** The rule on Batch job state changes. */
  public readonly jobStateRule: events.Rule;
  /** The rule on job-runner execution failures, when a state machine was given. */
  public readonly executionRule?: events.Rule;
  /** Deduplicates EventBridge events (at-least-once delivery) by event id. */
  public readonly dedupeTable: dynamodb.Table;
  /** Key encrypting the topic and the dead-letter queue. */
  public readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);
    const statuses = validateProps(id, props);
    const stack = Stack.of(this);

    this.key = new kms.Key(this, 'Key', {
      description: `${props.envName} batch-orchestrator notifications (SNS topic and dead-letter queue)`,
      enableKeyRotation: true,
    });
    // SNS writes failed deliveries to the encrypted dead-letter queue.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowSnsToUseKeyForDeadLetters',
        principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );

    this.topic = new sns.Topic(this, 'Topic', {
      displayName: `${props.envName} batch job notifications`,
      masterKey: this.key,
      enforceSSL: true,
    });

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    this.replayQueue = new sqs.Queue(this, 'ReplayQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      enforceSSL: true,
      // At least 6x the notifier timeout, as Lambda recommends for SQS event sources.
      visibilityTimeout: Duration.seconds(
        Math.max(600, (props.timeout ?? Duration.seconds(90)).toSeconds() * 6),
      ),
      retentionPeriod: Duration.days(14),
      // Makes the DLQ an SQS dead-letter queue, which StartMessageMoveTask requires of its source.
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 3 },
    });

    this.webhookSecret =
      props.webhookSecretName !== undefined
        ? secretsmanager.Secret.fromSecretNameV2(this, 'WebhookSecret', props.webhookSecretName)
        : new secretsmanager.Secret(this, 'WebhookSecret', {
            description: `${props.envName} Slack incoming-webhook URL for batch-orchestrator (set the value after the first deploy)`,
            // A placeholder, not a credential: the operator overwrites it; the notifier refuses it.
            secretStringValue: SecretValue.unsafePlainText(WEBHOOK_PLACEHOLDER),
            removalPolicy: RemovalPolicy.RETAIN,
          });

    this.dedupeTable = new dynamodb.Table(this, 'DedupeTable', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiration',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const logGroup = new logs.LogGroup(this, 'NotifierLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = handlerRole(
      this,
      'NotifierRole',
      logGroup,
      'Slack notifier: write its logs, read its webhook secret, use its dedupe table, send to its DLQ',
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DedupeEvents',
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        resources: [this.dedupeTable.tableArn],
      }),
    );

    this.notifier = new nodejs.NodejsFunction(this, 'SlackNotifier', {
      description: `${props.envName}: posts Batch job and job-runner notifications to Slack`,
      entry: path.join(REPO_ROOT, 'lambda/notifications/slack-notifier/index.ts'),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      runtime: HANDLER_RUNTIME,
      architecture: HANDLER_ARCHITECTURE,
      memorySize: 256,
      timeout: props.timeout ?? Duration.seconds(90),
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: {
        ENV_NAME: props.envName,
        // The secret's id, never its value.
        SECRET_ID: props.webhookSecretName ?? this.webhookSecret.secretArn,
        IDEMPOTENCY_TABLE_NAME: this.dedupeTable.tableName,
        DEAD_LETTER_QUEUE_URL: this.deadLetterQueue.queueUrl,
        LOG_GROUPS_BY_JOB_DEFINITION: stack.toJsonString(props.logGroupsByJobDefinition),
        // The rule filters on these statuses; the notifier checks them again (defence in depth).
        NOTIFY_STATUSES: statuses.join(','),
        POWERTOOLS_SERVICE_NAME: 'slack-notifier',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
      },
      // Async invocations (SNS): two retries spaced by Lambda, then the on-failure destination.
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new destinations.SqsDestination(this.deadLetterQueue),
      // Bundle the SDK too: the versions tested here are the versions that run.
      bundling: handlerBundling({ sourceMap: true, externalModules: [] }),
    });
    this.webhookSecret.grantRead(this.notifier);
    this.deadLetterQueue.grantSendMessages(this.notifier);

    this.notifier.addEventSource(
      new SqsEventSource(this.replayQueue, {
        batchSize: 5,
        reportBatchItemFailures: true,
        maxConcurrency: 2,
      }),
    );

    this.topic.addSubscription(
      new subscriptions.LambdaSubscription(this.notifier, { deadLetterQueue: this.deadLetterQueue }),
    );

    const detail: Record<string, unknown> = {
      jobQueue: props.jobQueues.map((q) => q.jobQueueArn),
      status: [...statuses],
    };
    if (props.notifyArrayChildren !== true) detail.arrayProperties = { index: [{ exists: false }] };
    const ruleTarget = new eventsTargets.SnsTopic(this.topic, {
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: 10,
      maxEventAge: Duration.hours(24),
    });
    this.jobStateRule = new events.Rule(this, 'JobStateChangeRule', {
      description: `${props.envName}: Batch job state changes of this app's queues (${statuses.join(', ')})`,
      eventPattern: { source: ['aws.batch'], detailType: ['Batch Job State Change'], detail },
      targets: [ruleTarget],
    });
    if (props.stateMachine !== undefined) {
      this.executionRule = new events.Rule(this, 'ExecutionFailedRule', {
        description: `${props.envName}: job-runner executions that fail, time out or are aborted`,
        eventPattern: {
          source: ['aws.states'],
          detailType: ['Step Functions Execution Status Change'],
          detail: {
            stateMachineArn: [props.stateMachine.stateMachineArn],
            status: [...NOTIFIED_EXECUTION_STATUSES],
          },
        },
        targets: [ruleTarget],
      });
    }

    this.acknowledgeNagFindings(role);

    new CfnOutput(this, 'DeadLetterQueueUrl', {
      description:
        'Notifications dead-letter queue URL (replay: npx tsx scripts/replay-dlq.ts --stack <this stack>)',
      value: this.deadLetterQueue.queueUrl,
    }).overrideLogicalId('NotificationsDeadLetterQueueUrl');
    new CfnOutput(this, 'DeadLetterQueueArn', {
      description: 'Notifications dead-letter queue ARN (message move task source)',
      value: this.deadLetterQueue.queueArn,
    }).overrideLogicalId('NotificationsDeadLetterQueueArn');
    new CfnOutput(this, 'ReplayQueueArn', {
      description: 'Replay queue ARN (message move task destination; the notifier consumes it)',
      value: this.replayQueue.queueArn,
    }).overrideLogicalId('NotificationsReplayQueueArn');
    new CfnOutput(this, 'TopicArn', {
      description: 'Notifications SNS topic (replay target)',
      value: this.topic.topicArn,
    }).overrideLogicalId('NotificationsTopicArn');
  }

  private acknowledgeNagFindings(role: iam.Role): void {
    if (this.webhookSecret instanceof secretsmanager.Secret) {
      Validations.of(this.webhookSecret).acknowledge(NAG_ACKNOWLEDGEMENTS.webhookSecret);
    }
    const policy = role.node.tryFindChild('DefaultPolicy');
    if (policy !== undefined) {
      Validations.of(policy).acknowledge(
        NAG_ACKNOWLEDGEMENTS.kmsGenerateDataKey,
        NAG_ACKNOWLEDGEMENTS.kmsReEncrypt,
      );
    }
  }
}

/** cdk-nag findings accepted on purpose, each on the narrowest construct. */
export const NAG_ACKNOWLEDGEMENTS = {
  webhookSecret: {
    id: 'AwsSolutions-SMG4',
    reason:
      'A Slack incoming-webhook URL cannot be rotated by a Secrets Manager rotation Lambda: Slack issues it in the app settings. ' +
      'Rotation is manual (create a new webhook, store it, revoke the old one); the notifier picks it up within its 5-minute cache.',
  },
  kmsGenerateDataKey: {
    id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
    reason:
      'Added by grantSendMessages for the KMS-encrypted dead-letter queue; scoped to the single notifications key ARN. ' +
      "The wildcard only spans the GenerateDataKey variants SQS calls on the sender's behalf.",
  },
  kmsReEncrypt: {
    id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
    reason:
      'Added by grantSendMessages for the KMS-encrypted dead-letter queue; scoped to the single notifications key ARN ' +
      '(ReEncryptFrom/To on that key only).',
  },
} as const;

function validateProps(id: string, props: NotificationsProps): readonly string[] {
  if (props.envName.trim() === '') throw new Error(`Notifications ${id}: envName must not be empty`);
  if (props.jobQueues.length === 0) {
    throw new Error(`Notifications ${id}: jobQueues must name at least one queue (received none)`);
  }
  const statuses = props.statuses ?? ['FAILED', 'SUCCEEDED'];
  if (statuses.length === 0) {
    throw new Error(`Notifications ${id}: statuses must not be empty; allowed: ${JOB_STATUSES.join(', ')}`);
  }
  const unknown = statuses.filter((s) => !(JOB_STATUSES as readonly string[]).includes(s));
  if (unknown.length > 0) {
    throw new Error(
      `Notifications ${id}: unknown status(es) ${unknown.map((s) => JSON.stringify(s)).join(', ')}; allowed: ${JOB_STATUSES.join(', ')}`,
    );
  }
  if (props.webhookSecretName !== undefined && !/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(props.webhookSecretName)) {
    throw new Error(
      `Notifications ${id}: webhookSecretName ${JSON.stringify(props.webhookSecretName)} is not a valid secret name`,
    );
  }
  return [...new Set(statuses)];
}
